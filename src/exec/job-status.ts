// The status line of a running job (the live query or a background sink, or a job of `sluice
// serve`) and the `\watermarks` report: rates, rows out, each source's watermark and lag behind
// the wall clock, open windows and why they are still open (openWindows, also served as JSON).

import { formatTimestamp } from '../catalog/timestamp.js';
import { windowStartOf } from './time.js';
import { upstreamSources, type PhysicalNode, type PhysicalPlan, type SourceNode } from '../plan/physical.js';
import type { Job } from './job.js';
import type { PartitionMetrics } from './metrics.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

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

/** An operator's open windows: how many, and the earliest with why it is still open. */
export interface OpenWindowsOf {
  readonly operator: number;
  readonly kind: string;
  /** e.g. "TUMBLE 10s (operator 3)". */
  readonly label: string;
  readonly openTimes: number;
  /** The earliest open window: its start (windowed aggregates), its end, the text of both, and why. */
  readonly earliest: { readonly start: number | undefined; readonly end: number; readonly text: string; readonly reason: string } | undefined;
}

export interface OpenWindowsReport {
  readonly status: QueryStatus;
  readonly sources: ReadonlyArray<SourceStatus & { readonly idle: boolean }>;
  readonly operators: readonly OpenWindowsOf[];
}

/** Each source's watermark and idleness, and each windowed operator's open windows and why the earliest is open. */
export function openWindows(q: WatchedJob, now = Date.now()): OpenWindowsReport {
  const s = queryStatus(q, now);
  const sources = s.sources.map((x) => ({ ...x, idle: !x.ended && x.silentMs >= IDLE_AFTER_MS }));
  const idle = sources.filter((x) => x.idle);
  const operators: OpenWindowsOf[] = [];
  for (const t of q.job.timeState()) {
    const node = q.plan.nodes[t.operator]!;
    const label = `${describeNode(node)} (operator ${t.operator})`;
    if (t.openTimes === 0 || t.earliest === undefined) {
      operators.push({ operator: t.operator, kind: node.kind, label, openTimes: t.openTimes, earliest: undefined });
      continue;
    }
    const start = node.kind === 'windowAgg' ? windowStartOf(node.window, t.earliest) : undefined;
    const text = start !== undefined ? `[${formatWatermark(start)}, ${formatWatermark(t.earliest)})` : `ending ${formatWatermark(t.earliest)}`;
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
    operators.push({ operator: t.operator, kind: node.kind, label, openTimes: t.openTimes, earliest: { start, end: t.earliest, text, reason: why } });
  }
  return { status: s, sources, operators };
}

/** `\watermarks`: each source's watermark, then each windowed operator's open windows and why. */
export function watermarkReport(q: WatchedJob, now = Date.now()): string[] {
  const r = openWindows(q, now);
  const lines: string[] = ['sources:'];
  for (const src of r.sources) {
    const state = src.ended ? 'ended' : src.idle ? `idle for ${formatLag(src.silentMs)}` : 'active';
    const lag = src.lagMs !== undefined ? `, ${formatLag(src.lagMs)} behind the wall clock` : '';
    lines.push(`  ${src.name}: watermark ${formatWatermark(src.watermark)}${lag}; ${plural(src.records, 'record')}, ${src.late} late, ${src.deadLetters} dead-lettered; ${state}`);
    for (const p of src.ended ? [] : (src.partitions ?? [])) {
      const plag = Number.isFinite(p.watermark) ? `, ${formatLag(Math.max(0, now - p.watermark / 1000))} behind the wall clock` : '';
      const unread = p.lag !== undefined && p.lag > 0 ? `, ${p.lag} unread` : '';
      lines.push(`    partition ${p.partition}: watermark ${formatWatermark(p.watermark)}${plag}; ${plural(p.records, 'record')}${unread}; ${p.idle ? 'idle (not holding the watermark back)' : 'active'}`);
    }
  }
  if (r.operators.length === 0) {
    lines.push('no windows: this query keeps no event-time state');
    return lines;
  }
  for (const o of r.operators) {
    if (o.earliest === undefined) lines.push(`${o.label}: no open windows`);
    else lines.push(`${o.label}: ${plural(o.openTimes, 'open window')}; the earliest ${o.earliest.text} is ${o.earliest.reason}`);
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
