// A shrunk failure as a ready-to-paste fixture case of a JOB.test.yaml (the fixture format of
// `sluice test`): each source's records in arrival order (rows as mappings, malformed records
// as `raw:`), the expected output (DuckDB's answer, or the first run's for the checks that
// compare two runs) and, as comments, the engine's actual output and how to replay the find.

import { stringify } from 'yaml';
import type { Row, SqlType, Value } from '../../catalog/types.js';
import { formatTimestamp } from '../../catalog/timestamp.js';
import type { Item, Json } from './arbitrary.js';
import type { Failure } from './checks.js';
import { recordText } from './run.js';

function timestampText(micros: number): string {
  return micros % 1000 === 0 ? new Date(micros / 1000).toISOString().replace('.000Z', 'Z') : formatTimestamp(micros);
}

function jsonOf(v: Value, type: SqlType | undefined): Json {
  if (v === null || v === undefined) return null;
  if (type?.kind === 'timestamp' && typeof v === 'number') return timestampText(v);
  if (typeof v === 'object') {
    const fields = type?.kind === 'struct' ? type.fields : [];
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonOf(x, fields.find((f) => f.name === k)?.type)]));
  }
  return v;
}

/** One flow-style YAML line: `{sensor: a, value: 1.5}`. */
function flow(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trim();
}

function rowLine(row: Row, columns: ReadonlyArray<{ name: string; type: SqlType }>): string {
  return flow(Object.fromEntries(columns.map((c, i) => [c.name, jsonOf(row[i] ?? null, c.type)])));
}

export interface FixtureContext {
  /** How the job is named on the command line (e.g. queries/quickstart.sql). */
  readonly job: string;
  readonly seed: number;
  readonly runs: number;
  /** The test file, when the run came from one. */
  readonly testFile?: string;
}

export function replayCommand(ctx: FixtureContext): string {
  return `sluice test --generate ${ctx.job} --seed ${ctx.seed} --runs ${ctx.runs}`;
}

/** `[a*3, b, a]`: runs of one source as NAME*N. */
export function arrivalText(arrival: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < arrival.length; ) {
    let j = i;
    while (j < arrival.length && arrival[j] === arrival[i]) j++;
    parts.push(j - i === 1 ? arrival[i]! : `${arrival[i]}*${j - i}`);
    i = j;
  }
  return `[${parts.join(', ')}]`;
}

/**
 * One input entry as a fixture writes it: a row's columns (a Kafka record's partition as
 * `_partition:` unless 0; its key comes from the KEY columns), `raw:`, `watermark:` (with
 * `partition:`) or `idle:`.
 */
function entryLine(it: Item): string {
  const part = (p: number | undefined, name: string): Record<string, number> => (p !== undefined && p !== 0 ? { [name]: p } : {});
  switch (it.kind) {
    case 'row':
      return flow({ ...it.values, ...part(it.kafka?.partition, '_partition') });
    case 'raw':
      return flow({ raw: it.text, ...part(it.kafka?.partition, '_partition') });
    case 'watermark':
      return flow({ watermark: timestampText(it.ms * 1000), ...(it.partition !== undefined ? { partition: it.partition } : {}) });
    case 'idle':
      return flow({ idle: it.partition });
  }
}

/** The case, indented to sit under a test file's `cases:` key. */
export function fixtureCase(f: Failure, ctx: FixtureContext): string {
  const out: string[] = [];
  const records = Object.values(f.streams).reduce((n, s) => n + s.length, 0);
  out.push(`  # found by \`${replayCommand(ctx)}\`: check '${f.check}', shrunk to ${records} record${records === 1 ? '' : 's'}`);
  out.push(`  - name: generated (seed ${ctx.seed}, ${f.check})`);
  // Several sources: the order their records arrived in, so the case replays the same interleaving.
  if (Object.values(f.streams).filter((s) => s.length > 0).length > 1) out.push(`    arrival: ${arrivalText(f.arrival)}`);
  out.push('    sources:');
  for (const [source, items] of Object.entries(f.streams)) {
    out.push(`      ${flow(source)}:${items.length === 0 ? ' []' : ''}`);
    for (const it of items) out.push(`        - ${entryLine(it)}`);
  }
  out.push('    expect:');
  if (f.check === 'late' && f.late) {
    const byId = new Map<string, string>();
    for (const [source, items] of Object.entries(f.streams)) {
      let seq = 0;
      for (const it of items) if (it.kind === 'row') byId.set(`${source}:${seq++}`, recordText(it));
    }
    const bySource = new Map<string, string[]>();
    for (const k of f.late.expected) {
      const [id, windowStart] = k.split('@');
      const source = id!.slice(0, id!.lastIndexOf(':'));
      const line = flow({ raw: byId.get(id!) ?? id!, ...(windowStart !== undefined ? { window_start: timestampText(Number(windowStart)) } : {}) });
      bySource.set(source, [...(bySource.get(source) ?? []), line]);
    }
    for (const source of Object.keys(f.streams)) {
      const lines = bySource.get(source) ?? [];
      out.push(`      ${flow(`${source}.late`)}:${lines.length === 0 ? ' []' : ''}`);
      for (const l of lines) out.push(`        - ${l}`);
    }
    out.push(`      # the engine dropped as late: ${f.late.actual.join(', ') || 'none'} (source:record number among the rows)`);
  } else if (f.check === 'dead_letter') {
    for (const [source, items] of Object.entries(f.streams)) {
      const raws = items.filter((i) => i.kind === 'raw');
      out.push(`      ${flow(`${source}.dead_letter`)}:${raws.length === 0 ? ' []' : ''}`);
      for (const r of raws) out.push(`        - ${flow({ raw: recordText(r) })}`);
    }
  } else {
    for (const s of f.sinks) {
      out.push(`      ${flow(s.sink)}:${s.expected.length === 0 ? ' []' : ''}`);
      for (const r of s.expected) out.push(`        - ${rowLine(r, s.columns)}`);
      out.push(`      # actual output of ${s.sink}:${s.actual.length === 0 ? ' none' : ''}`);
      for (const r of s.actual) out.push(`      #   - ${rowLine(r, s.columns)}`);
    }
  }
  if (f.check === 'changelog') out.push(`    # the changelog itself is malformed (${f.message}): expected rows with \`op:\` compare it entry by entry`);
  if (f.check === 'second_way') out.push('    # a fixture runs its stream once: replay the seed to see the second way (batch sizes, crashes, state budget) differ');
  return out.join('\n');
}
