// What `sluice run` resumes from, and what it says about it. The state directory's last
// checkpoint is resumed whether the run that wrote it finished or was interrupted (a finished
// bounded job reads only what arrived since); it must be of the same plan (state/fingerprint.ts)
// and no older than what its exactly-once sinks committed outside it (the marker rule: a
// checkpoint older than the commit recorded in the consumer groups each sink commits its sources'
// offsets to, or none where one is recorded, is refused with the ways out). --fresh discards the
// state and warns about output that stays where it was written.

import * as path from 'node:path';
import type { SinkDef, SourceDef } from '../catalog/catalog.js';
import type { PhysicalPlan } from '../plan/physical.js';
import type { CheckpointMeta } from '../exec/job.js';
import type { CheckpointSummary, JobCheckpoint } from '../state/checkpoint.js';
import type { SinkCommits } from '../connectors/connector.js';
import { sinkConnector } from '../connectors/registry.js';
import { formatTimestamp } from '../catalog/timestamp.js';
import { connectorSideOutputs, sinkContext } from '../plan/guarantees.js';
import { UsageError } from './errors.js';

export interface CommitOptions {
  readonly job: string;
  readonly stateDir: string;
  readonly fresh: boolean;
  readonly fromCommittedOffsets: boolean;
}

/**
 * The marker rule: for each sink that commits outside the state directory, the checkpoint to
 * resume from (none after --fresh or a lost directory) must stand for the last recorded commit
 * or a later one (whose commit recover() completes). Throws UsageError with what happened and
 * the ways out; under --fresh returns warnings instead (the output stays where it was written);
 * under --from-committed-offsets the recorded commits are where the job starts.
 */
export async function checkCommits(plan: PhysicalPlan, restoring: Promise<JobCheckpoint<CheckpointMeta> | undefined>, o: CommitOptions): Promise<Map<string, string>> {
  const warnings = new Map<string, string>();
  const found: Array<{ sink: SinkDef; commits: SinkCommits }> = [];
  for (const id of plan.sinks) {
    const node = plan.nodes[id]!;
    if (node.kind !== 'sink') continue;
    const conn = sinkConnector(node.sink.options['connector'] ?? 'stdout');
    if (!conn?.commits) continue;
    const resume = restoring.then((r) => r?.meta.sinks.find((s) => s.node === id)?.position);
    const commits = await conn.commits(node.sink, sinkContext(plan, id, { job: o.job, checkpoints: true }), resume);
    if (commits !== undefined) found.push({ sink: node.sink, commits });
  }
  // The checkpoint itself (or the reason it cannot be resumed) before any rule about it.
  const restore = await restoring;
  // Each sink's markers are its own (a further sink of a source commits to a group of its own:
  // kafka/sink.ts commitGroups). A marker of another of the checkpoint's runs (each sink has its
  // epoch) counts as the checkpoint's too: runs before commitGroups left one group's marker to
  // whichever of its sinks committed last.
  const runs = new Set(found.flatMap((f) => (f.commits.checkpoint ? [f.commits.checkpoint.run] : [])));
  for (const { sink, commits } of found) {
    const ahead = commits.recorded.filter((m) => restore === undefined || !runs.has(m.run) || m.checkpoint > restore.id);
    const last = ahead[0];
    if (last === undefined || o.fromCommittedOffsets) continue;
    const target = sinkTarget(sink);
    const marker = `marker sluice:${last.run}:${last.checkpoint} in ${last.where}`;
    if (o.fresh) {
      warnings.set(sink.name, `sluice: --fresh: sink '${sink.name}' committed output to ${target} through checkpoint ${last.checkpoint} of an earlier run (${marker}); that output stays there, and this run writes its whole answer after it. Point the sink at a new topic so that consumers do not read both`);
      continue;
    }
    const what =
      restore === undefined
        ? `the state in ${o.stateDir} holds no checkpoint, but sink '${sink.name}' committed output to ${target} through checkpoint ${last.checkpoint} (${marker}): the state directory was lost or replaced, and starting over would write that output a second time`
        : runs.has(last.run)
          ? `the state in ${o.stateDir} holds checkpoint ${restore.id}, older than checkpoint ${last.checkpoint} whose output sink '${sink.name}' committed to ${target} (${marker}): the state directory is an older copy, or lost the end of its log (${path.join(o.stateDir, 'state.duckdb.wal')} cut short by a crash), and resuming from it would write the output of checkpoints ${restore.id + 1} to ${last.checkpoint} a second time`
          : `the state in ${o.stateDir} holds checkpoint ${restore.id} of run ${commits.checkpoint?.run ?? '?'}, but sink '${sink.name}' last committed output to ${target} in another run (${marker}): the state directory is not the one that run left, and resuming from it would write output a second time`;
    throw new UsageError(
      `${what}.\n` +
        'Ways out:\n' +
        `  --from-committed-offsets  start with empty state at the offsets the consumer groups committed with that output: nothing is written twice, but windows and groups that were open at that commit lose the rows read before it\n` +
        `  --fresh                   start over from the beginning of the inputs, after pointing the sink at a new topic (${target} keeps what was committed)`,
    );
  }
  return warnings;
}

function sinkTarget(def: SinkDef): string {
  const o = def.options;
  return o['topic'] !== undefined ? `topic '${o['topic']}'` : o['path'] !== undefined ? `'${o['path']}'` : `the ${o['connector'] ?? 'stdout'} sink`;
}

/**
 * What --fresh discarded (info) and what stays (warnings: a Kafka sink's earlier output, and a
 * source's earlier dead letters and late records, stay in their topics), given the discarded
 * checkpoint's summary and checkCommits' warnings by sink.
 */
export function freshNotes(plan: PhysicalPlan, stateDir: string, previous: CheckpointSummary | undefined, committed: ReadonlyMap<string, string>): { info: string[]; warn: string[] } {
  const info = previous === undefined ? [] : [`sluice: --fresh: discarded checkpoint ${previous.id} of ${new Date(previous.createdAt).toISOString()} in ${stateDir}; starting over from the beginning of the inputs (file sinks, dead-letter and late files are written again from the start)`];
  const warn: string[] = [];
  for (const id of plan.sinks) {
    const node = plan.nodes[id]!;
    if (node.kind !== 'sink') continue;
    const known = committed.get(node.sink.name);
    if (known !== undefined) warn.push(known);
    else if (previous !== undefined && node.sink.options['connector'] === 'kafka') {
      warn.push(`sluice: --fresh: what earlier runs wrote to ${sinkTarget(node.sink)} (sink '${node.sink.name}') stays there, and this run writes its whole answer after it; point the sink at a new topic so that consumers do not read both`);
    }
  }
  if (previous === undefined) return { info, warn };
  // A source's Kafka dead-letter and late topics keep their records as a Kafka sink's topic does.
  for (const node of plan.nodes) {
    if (node.kind !== 'source' || !connectorSideOutputs(node.source)) continue;
    for (const option of ['dead_letter', 'late'] as const) {
      const topic = node.source.options[option];
      if (topic === undefined) continue;
      warn.push(`sluice: --fresh: what earlier runs wrote to topic '${topic}' (${option} of source '${node.source.name}') stays there, and this run writes its records again after it; point ${option} at a new topic so that consumers do not read both`);
    }
  }
  return { info, warn };
}

/** Where each source resumes from, for the start-up line. */
function resumeAt(def: SourceDef, p: Readonly<Record<string, unknown>> | null, rerun: boolean): string {
  if (p === null) return 'from the start';
  if (typeof p['line'] === 'number') return `after line ${p['line']} (byte ${String(p['offset'])})`;
  if (typeof p['index'] === 'number') {
    const count = def.options['count'];
    if (rerun && count !== undefined && p['index'] >= Number(count)) return `nothing more: all ${count} records of its count generated (raise count to generate more)`;
    return `from record ${p['index']}`;
  }
  const next = p['next'];
  if (typeof next === 'object' && next !== null) {
    const at = Object.entries(next as Record<string, string>).map(([k, o]) => `${k}:${o}`).join(' ');
    return `${String(p['topic'])} at ${at || 'its start'}`;
  }
  return JSON.stringify(p);
}

/** The start-up line of a resumed run: an interrupted run resumes; a finished one reads only what arrived since. */
export function describeResume(plan: PhysicalPlan, c: JobCheckpoint<CheckpointMeta>, rerun: { readonly watermark: number } | undefined): string {
  const def = (node: number): SourceDef => (plan.nodes[node] as { source: SourceDef }).source;
  const when = `checkpoint ${c.id} of ${new Date(c.createdAt).toISOString()}`;
  if (rerun === undefined) {
    const at = c.meta.sources.map((s) => `${s.runtime.recordsIn} records read, ${s.ended ? 'ended' : resumeAt(def(s.node), s.position, false)}`).join('; ');
    return `sluice: resuming from ${when} (${at})`;
  }
  const at = c.meta.sources.map((s) => `${def(s.node).name} ${resumeAt(def(s.node), s.position, true)}`).join('; ');
  const late = Number.isFinite(rerun.watermark) && plan.nodes.some((n) => n.kind === 'windowAgg' || n.kind === 'sessionAgg' || n.kind === 'lag' || n.kind === 'overWindow')
    ? `; the windows it closed stay closed: rows before ${formatTimestamp(rerun.watermark)} are late`
    : '';
  return `sluice: the last run read its inputs to the end (${when}); reading only what arrived since: ${at}${late} (--fresh starts over)`;
}
