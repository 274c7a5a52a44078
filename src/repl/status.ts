// The status line of a running job (the live query or a background sink) and the `\watermarks`
// report: rates, rows out, each source's watermark and lag behind the wall clock, open windows
// and why they are still open.

import { formatTimestamp } from '../catalog/timestamp.js';
import { windowStartOf } from '../exec/time.js';
import { upstreamSources, type PhysicalNode, type PhysicalPlan, type SourceNode } from '../plan/physical.js';
import type { Job } from '../exec/job.js';
import type { PartitionMetrics } from '../exec/metrics.js';
import { plural } from './format.js';

/** What the status line and the watermark report read: the live query or a sink's job. */
export interface WatchedJob {
  readonly job: Job;
  readonly plan: PhysicalPlan;
  readonly startedAt: number;
  readonly finishedAt: number | undefined;
  readonly running: boolean;
  readonly sourceNodes: readonly SourceNode[];
  /** Milliseconds since the source's record count last changed (0 when it just did). */
  silentFor(sourceNode: number, records: number, now: number): number;
}

/** Per source node: when its record count last changed, polled by the UI (idle detection). */
export class IdleTracker {
  private readonly lastActive = new Map<number, { records: number; at: number }>();

  silentFor(sourceNode: number, records: number, now: number): number {
    const last = this.lastActive.get(sourceNode);
    if (!last || last.records !== records) {
      this.lastActive.set(sourceNode, { records, at: now });
      return 0;
    }
    return now - last.at;
  }
}


/** A source silent this long counts as idle: its watermark no longer advances. */
export const IDLE_AFTER_MS = 3000;

export interface SourceStatus {
  readonly name: string;
  readonly records: number;
  readonly watermark: number;
  /** Wall clock minus watermark, in ms; undefined before the first watermark or after the end. */
  readonly lagMs: number | undefined;
  readonly late: number;
  readonly deadLetters: number;
  readonly ended: boolean;
  readonly silentMs: number;
  /** Kafka sources with an event time: each partition's watermark, idleness and records. */
  readonly partitions: readonly PartitionMetrics[] | undefined;
  /** The source's plan node (undefined when the plan has fewer source nodes than metrics). */
  readonly node: number | undefined;
  /** Whether the source declares idle_timeout (a quiet partition then stops holding it back). */
  readonly idleTimeout: boolean;
}

export interface QueryStatus {
  readonly elapsedMs: number;
  readonly eventsPerSec: number;
  readonly rowsOut: number;
  readonly sources: readonly SourceStatus[];
  readonly openWindows: number;
  readonly stateRows: number;
  readonly late: number;
  readonly deadLetters: number;
  readonly running: boolean;
}

export function queryStatus(q: WatchedJob, now = Date.now()): QueryStatus {
  const m = q.job.metrics();
  const nodes = q.sourceNodes;
  const sources = m.sources.map((s, i) => {
    const node = nodes[i];
    const finite = Number.isFinite(s.watermark);
    return {
      name: s.name,
      records: s.recordsIn,
      watermark: s.watermark,
      lagMs: finite && !s.ended ? Math.max(0, now - s.watermark / 1000) : undefined,
      late: s.late,
      deadLetters: s.deadLetters,
      ended: s.ended,
      silentMs: node ? q.silentFor(node.id, s.recordsIn, now) : 0,
      partitions: s.partitions,
      node: node?.id,
      idleTimeout: node?.source.options['idle_timeout'] !== undefined,
    };
  });
  const records = sources.reduce((a, s) => a + s.records, 0);
  const elapsedMs = (q.finishedAt ?? now) - q.startedAt;
  return {
    elapsedMs,
    eventsPerSec: elapsedMs > 0 ? (records * 1000) / elapsedMs : 0,
    rowsOut: m.sinks.reduce((a, s) => a + s.rowsOut, 0),
    sources,
    openWindows: m.state.reduce((a, t) => a + (t.times ?? 0), 0),
    stateRows: m.state.reduce((a, t) => a + t.rows, 0),
    late: sources.reduce((a, s) => a + s.late, 0),
    deadLetters: sources.reduce((a, s) => a + s.deadLetters, 0),
    running: q.running,
  };
}

export function formatLag(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)}m`;
  return `${Math.round(ms / 3_600_000)}h`;
}

/** Watermark as wall-clock time of day when it is today-ish, else the full timestamp. */
export function formatWatermark(micros: number): string {
  if (!Number.isFinite(micros)) return micros > 0 ? 'end' : 'none yet';
  const iso = formatTimestamp(micros);
  return iso.replace(/^\d{4}-\d{2}-\d{2}T/, '').replace(/Z$/, '');
}

export function statusLine(s: QueryStatus): string {
  const parts = [
    `${s.running ? 'running' : 'finished'} ${(s.elapsedMs / 1000).toFixed(1)}s`,
    `in ${s.eventsPerSec.toFixed(1)}/s`,
    `out ${plural(s.rowsOut, 'row')}`,
  ];
  for (const src of s.sources) {
    const lag = src.lagMs !== undefined ? ` lag ${formatLag(src.lagMs)}` : '';
    parts.push(`${src.name} wm ${src.ended ? 'end' : formatWatermark(src.watermark)}${lag}`);
  }
  parts.push(`open windows ${s.openWindows}`, `late ${s.late}`, `dead ${s.deadLetters}`, `state ${plural(s.stateRows, 'row')}`);
  return parts.join(' │ ');
}

function describeNode(n: PhysicalNode): string {
  if (n.kind === 'windowAgg') {
    const w = n.window;
    if (w.kind === 'cumulate') return `CUMULATE ${w.stepMicros / 1e6}s/${w.sizeMicros / 1e6}s`;
    return w.kind === 'tumble' ? `TUMBLE ${w.sizeMicros / 1e6}s` : `HOP ${w.slideMicros / 1e6}s/${w.sizeMicros / 1e6}s`;
  }
  if (n.kind === 'sessionAgg') return `SESSION gap ${n.window.gapMicros / 1e6}s`;
  return n.kind;
}

/** `\watermarks`: each source's watermark, then each windowed operator's open windows and why. */
export function watermarkReport(q: WatchedJob, now = Date.now()): string[] {
  const s = queryStatus(q, now);
  const lines: string[] = ['sources:'];
  for (const src of s.sources) {
    const state = src.ended ? 'ended' : src.silentMs >= IDLE_AFTER_MS ? `idle for ${formatLag(src.silentMs)}` : 'active';
    const lag = src.lagMs !== undefined ? `, ${formatLag(src.lagMs)} behind the wall clock` : '';
    lines.push(`  ${src.name}: watermark ${formatWatermark(src.watermark)}${lag}; ${plural(src.records, 'record')}, ${src.late} late, ${src.deadLetters} dead-lettered; ${state}`);
    for (const p of src.ended ? [] : (src.partitions ?? [])) {
      const plag = Number.isFinite(p.watermark) ? `, ${formatLag(Math.max(0, now - p.watermark / 1000))} behind the wall clock` : '';
      const unread = p.lag !== undefined && p.lag > 0 ? `, ${p.lag} unread` : '';
      lines.push(`    partition ${p.partition}: watermark ${formatWatermark(p.watermark)}${plag}; ${plural(p.records, 'record')}${unread}; ${p.idle ? 'idle (not holding the watermark back)' : 'active'}`);
    }
  }
  const idle = s.sources.filter((x) => !x.ended && x.silentMs >= IDLE_AFTER_MS);
  const timed = q.job.timeState();
  if (timed.length === 0) {
    lines.push('no windows: this query keeps no event-time state');
    return lines;
  }
  for (const t of timed) {
    const node = q.plan.nodes[t.operator]!;
    const label = `${describeNode(node)} (operator ${t.operator})`;
    if (t.openTimes === 0 || t.earliest === undefined) {
      lines.push(`${label}: no open windows`);
      continue;
    }
    const first = node.kind === 'windowAgg' ? `[${formatWatermark(windowStartOf(node.window, t.earliest))}, ${formatWatermark(t.earliest)})` : `ending ${formatWatermark(t.earliest)}`;
    const waitMs = Number.isFinite(t.watermark) ? (t.earliest - t.watermark) / 1000 : undefined;
    let why: string;
    const held = heldBackBy(s.sources, upstreamSources(q.plan, t.operator), t.earliest);
    if (idle.length > 0) {
      why = `held back by idle input ${idle.map((x) => x.name).join(', ')}: no events for ${formatLag(Math.min(...idle.map((x) => x.silentMs)))}, so the watermark stays at ${formatWatermark(t.watermark)}`;
    } else if (held !== undefined) {
      why = held;
    } else if (!Number.isFinite(t.watermark)) {
      why = 'waiting for the first watermark (no events yet)';
    } else {
      why = `waiting for the watermark (${formatWatermark(t.watermark)}) to pass its end, ${formatLag(waitMs ?? 0)} of event time to go`;
    }
    lines.push(`${label}: ${plural(t.openTimes, 'open window')}; the earliest ${first} is ${why}`);
  }
  return lines;
}

/**
 * Why a window ending at `end` is open when a partitioned source upstream has some partitions
 * past `end` and others not: the source's watermark is the minimum over its active partitions,
 * so those behind (slow, or silent without idle_timeout) hold it back. Undefined: none does.
 */
function heldBackBy(sources: readonly SourceStatus[], upstream: readonly SourceNode[], end: number): string | undefined {
  const ids = new Set(upstream.map((n) => n.id));
  const parts: string[] = [];
  let hint = false;
  for (const src of sources) {
    if (src.ended || src.partitions === undefined || (src.node !== undefined && !ids.has(src.node))) continue;
    const active = src.partitions.filter((p) => !p.idle);
    if (!active.some((p) => p.watermark >= end)) continue;
    const behind = active.filter((p) => p.watermark < end);
    if (behind.length === 0) continue;
    const lead = active.reduce((x, y) => (y.watermark > x.watermark ? y : x));
    const what = behind.map((p) => `partition ${p.partition} (${p.records === 0 ? 'no records yet' : `watermark ${formatWatermark(p.watermark)}`})`).join(', ');
    parts.push(`${src.name} ${what}, while partition ${lead.partition} is at ${formatWatermark(lead.watermark)}`);
    if (!src.idleTimeout) hint = true;
  }
  if (parts.length === 0) return undefined;
  const tip = hint ? "; a quiet partition holds the watermark for good unless the source sets idle_timeout (e.g. idle_timeout = '10s')" : '';
  return `held back by ${parts.join('; ')}${tip}`;
}
