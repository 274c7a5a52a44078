// The checks of one generated case, each independent of the others:
//   oracle       each sink's output equals DuckDB's batch answer over the rows the engine admitted;
//   changelog    each changelog output is well formed (every -U followed by its +U, ...);
//   late         the rows dropped as late are exactly those the watermark rule names (late-rule.ts);
//   dead_letter  every malformed record, and nothing else, went to the dead letters;
//   second_way   the output does not change with other batch sizes, crashes and restores, or
//                a 1-byte state budget (whichever way the case drew);
//   order        the output does not depend on the arrival order of rows with equal event times
//                (the stream sent in event-time order, ties first one way, then the other).
// A check that does not apply to a job (not batch-equivalent) is skipped with its reason.

import type { Row } from '../../catalog/types.js';
import type { Op } from '../../catalog/batch.js';
import type { PhysicalPlan } from '../../plan/physical.js';
import { checkChangelog, compareWithOracle } from '../../oracle/index.js';
import { describeFirstDifference, diffMultisets } from '../../oracle/compare.js';
import type { ColumnInfo } from '../../oracle/values.js';
import { streamKey } from '../../plan/stream-key.js';
import type { Item, Scenario } from './arbitrary.js';
import { engineLateKeys, expectedLate } from './late-rule.js';
import { makeSchedule, rebatch, recordText, runScheduled, type RunResult, type Step } from './run.js';

export const CHECKS = ['oracle', 'changelog', 'late', 'dead_letter', 'second_way', 'order'] as const;
export type CheckName = (typeof CHECKS)[number];

/** Per sink: expected and actual consolidated rows (for a fixture), in the sink's visible columns. */
export interface SinkRows {
  readonly sink: string;
  readonly columns: readonly ColumnInfo[];
  readonly expected: readonly Row[];
  readonly actual: readonly Row[];
}

export interface Failure {
  readonly check: CheckName;
  /** One line: what differs. */
  readonly message: string;
  /** The arrival order the failure shows with (the case's own, or the order check's variant). */
  readonly streams: Readonly<Record<string, readonly Item[]>>;
  /** The source of each record in the order they arrived (the fixture's `arrival:`). */
  readonly arrival: readonly string[];
  readonly sinks: readonly SinkRows[];
  /** The late keys (`source:seq`) expected and found, for a late failure. */
  readonly late?: { readonly expected: readonly string[]; readonly actual: readonly string[] };
}

export interface CaseOutcome {
  readonly failure: Failure | undefined;
  /** Checks that ran to completion on this case (passed or failed). */
  readonly ran: readonly CheckName[];
  /** Milliseconds per check (engine runs and DuckDB counted in the check that needed them). */
  readonly ms: Partial<Record<CheckName, number>>;
}

/** What a job allows: checks skipped for it, with why. */
export type Skips = ReadonlyMap<CheckName, string>;

function visibleColumns(plan: PhysicalPlan, sinkId: number): ColumnInfo[] {
  const node = plan.nodes.find((n) => n.id === sinkId)!;
  return node.schema.filter((c) => !c.hidden).map((c) => ({ name: c.name, type: c.type }));
}

function sinkName(plan: PhysicalPlan, id: number): string {
  const n = plan.nodes.find((x) => x.id === id);
  return n?.kind === 'sink' ? n.sink.name : `node ${id}`;
}

/** Each sink's output after retractions. */
function consolidated(plan: PhysicalPlan, r: RunResult): Map<number, Row[]> {
  const out = new Map<number, Row[]>();
  for (const id of plan.sinks) {
    const o = r.sinkOutputs.get(id) ?? { rows: [], ops: [] as Op[] };
    out.set(id, checkChangelog(o.rows, o.ops, visibleColumns(plan, id), { key: streamKey(plan, id) }).consolidated);
  }
  return out;
}

/** The first sink whose outputs differ, described, or undefined when all are equal. */
function compareRuns(plan: PhysicalPlan, a: Map<number, Row[]>, b: Map<number, Row[]>, labelB: string): { message: string; sinks: SinkRows[] } | undefined {
  const sinks: SinkRows[] = plan.sinks.map((id) => ({ sink: sinkName(plan, id), columns: visibleColumns(plan, id), expected: a.get(id)!, actual: b.get(id)! }));
  for (const s of sinks) {
    const d = diffMultisets(s.actual, s.expected, s.columns);
    if (d.onlyEngine.length > 0 || d.onlyOracle.length > 0) {
      return { message: `sink '${s.sink}': ${describeFirstDifference(d, s.actual, s.expected, s.columns, labelB)?.replace(/DuckDB/g, 'the first run')}`, sinks };
    }
  }
  return undefined;
}

/** The streams sent in event-time order (malformed records left out); `reverseTies`: rows of equal event time in reverse arrival order. */
export function inEventTimeOrder(streams: Readonly<Record<string, readonly Item[]>>, reverseTies: boolean): Record<string, Item[]> {
  const out: Record<string, Item[]> = {};
  for (const [name, items] of Object.entries(streams)) {
    const rows = items.flatMap((it, i) => (it.kind === 'row' ? [{ it, i }] : []));
    // Rows without an event time (a table's) keep their order: only ties in event time are turned.
    const ms = (x: { it: Item }): number | undefined => (x.it.kind === 'row' ? x.it.ms : undefined);
    rows.sort((x, y) => {
      const a = ms(x);
      const b = ms(y);
      if (a === undefined || b === undefined) return a === b ? x.i - y.i : a === undefined ? -1 : 1;
      return a - b || (reverseTies ? y.i - x.i : x.i - y.i);
    });
    out[name] = rows.map((r) => r.it);
  }
  return out;
}

/** The source of each record, in the order a schedule delivers them. */
export function arrivalOf(schedule: readonly Step[]): string[] {
  return schedule.flatMap((s) => Array.from({ length: s.size }, () => s.source));
}

/** One record at a time, all sources merged by event time (rows without one first), so nothing is late. */
function eventTimeSchedule(streams: Readonly<Record<string, readonly Item[]>>): Step[] {
  const all = Object.entries(streams).flatMap(([source, items]) => items.map((it, from) => ({ source, from, ms: it.kind === 'row' ? (it.ms ?? -Infinity) : -Infinity })));
  all.sort((x, y) => x.ms - y.ms || (x.source < y.source ? -1 : x.source > y.source ? 1 : x.from - y.from));
  return all.map((x) => ({ source: x.source, from: x.from, size: 1 }));
}

export async function runCase(plan: PhysicalPlan, scenario: Scenario, skips: Skips, signal?: AbortSignal): Promise<CaseOutcome> {
  const ran: CheckName[] = [];
  const ms: Partial<Record<CheckName, number>> = {};
  const timed = async <T>(c: CheckName, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      ms[c] = (ms[c] ?? 0) + performance.now() - t0;
    }
  };
  const opts = signal ? { signal } : {};
  const fail = (f: Failure): CaseOutcome => ({ failure: f, ran: [...ran, f.check], ms });
  const schedule = makeSchedule(scenario.streams, scenario.sizes, scenario.turns);
  const arrival = arrivalOf(schedule);
  const first = await timed('oracle', () => runScheduled(plan, scenario.streams, schedule, opts));

  if (!skips.has('changelog')) {
    for (const id of plan.sinks) {
      const o = first.sinkOutputs.get(id)!;
      const errors = checkChangelog(o.rows, o.ops, visibleColumns(plan, id), { key: streamKey(plan, id) }).errors;
      if (errors.length > 0) {
        const engine = consolidated(plan, first);
        const sinks = plan.sinks.map((s) => ({ sink: sinkName(plan, s), columns: visibleColumns(plan, s), expected: engine.get(s)!, actual: engine.get(s)! }));
        return fail({ check: 'changelog', message: `sink '${sinkName(plan, id)}': ${errors[0]}`, streams: scenario.streams, arrival, sinks });
      }
    }
    ran.push('changelog');
  }

  if (!skips.has('oracle')) {
    const comparisons = await timed('oracle', () => compareWithOracle({ plan, sourceRows: first.sourceRows, late: first.late, sinkOutputs: first.sinkOutputs }));
    const engine = consolidated(plan, first);
    const sinks: SinkRows[] = comparisons.map((c, i) => ({ sink: c.sink, columns: c.columns, expected: oracleRows(c, engine.get(plan.sinks[i]!)!), actual: engine.get(plan.sinks[i]!)! }));
    // Differences, or an upsert view (what a compacted topic keeps) that differs from DuckDB.
    const bad = comparisons.find((c) => !c.equal);
    if (bad) return fail({ check: 'oracle', message: `sink '${bad.sink}': ${bad.firstDifference ?? bad.changelogErrors[0] ?? 'differs from DuckDB'}`, streams: scenario.streams, arrival, sinks });
    ran.push('oracle');
  }

  if (!skips.has('late')) {
    const rule = expectedLate(plan, first.arrival);
    for (const op of rule.checked) {
      const actual = engineLateKeys(first.late, op.operator);
      if (actual.join() !== op.expected.join()) {
        const missing = op.expected.filter((k) => !actual.includes(k));
        const extra = actual.filter((k) => !op.expected.includes(k));
        const message = `${op.kind} (node ${op.operator}): ${extra.length > 0 ? `dropped ${extra.join(', ')} as late, which the watermark rule admits` : ''}${extra.length > 0 && missing.length > 0 ? '; ' : ''}${missing.length > 0 ? `admitted ${missing.join(', ')}, which the watermark rule names late` : ''}`;
        return fail({ check: 'late', message, streams: scenario.streams, arrival, sinks: [], late: { expected: op.expected, actual } });
      }
    }
    ran.push('late');
  }

  if (!skips.has('dead_letter')) {
    const expected = Object.entries(scenario.streams).flatMap(([s, items]) => items.flatMap((it, i) => (it.kind === 'raw' ? [`${s}:${i}`] : [])));
    const actual = first.deadLetters.map((d) => `${d.source}:${d.index}`);
    const missing = expected.filter((k) => !actual.includes(k));
    const extra = actual.filter((k) => !expected.includes(k));
    if (missing.length > 0 || extra.length > 0) {
      const say = (k: string): string => {
        const [s, i] = k.split(':');
        const it = scenario.streams[s!]![Number(i)];
        return `${s} record ${i} (${it === undefined ? '?' : it.kind === 'row' ? JSON.stringify(it.values) : recordText(it)})`;
      };
      return fail({ check: 'dead_letter', message: missing.length > 0 ? `malformed ${say(missing[0]!)} did not go to the dead letters` : `${say(extra[0]!)} went to the dead letters: ${first.deadLetters.find((d) => `${d.source}:${d.index}` === extra[0])?.reason}`, streams: scenario.streams, arrival, sinks: [] });
    }
    ran.push('dead_letter');
  }

  if (!skips.has('second_way')) {
    const w = scenario.second;
    const second = await timed('second_way', () =>
      w.kind === 'batches'
        ? runScheduled(plan, scenario.streams, rebatch(schedule, w.sizes), opts)
        : w.kind === 'restore'
          ? runScheduled(plan, scenario.streams, schedule, { ...opts, restore: w })
          : runScheduled(plan, scenario.streams, schedule, { ...opts, budget: true }),
    );
    const label = w.kind === 'batches' ? `batches of ${w.sizes.join(', ')}` : w.kind === 'restore' ? `${second.crashes} crash(es) and restore(s)` : 'a 1-byte state budget';
    const diff = compareRuns(plan, consolidated(plan, first), consolidated(plan, second), `the run with ${label}`);
    if (diff) return fail({ check: 'second_way', message: diff.message, streams: scenario.streams, arrival, sinks: diff.sinks });
    ran.push('second_way');
  }

  if (!skips.has('order')) {
    const one = inEventTimeOrder(scenario.streams, false);
    const two = inEventTimeOrder(scenario.streams, true);
    const [a, b] = await timed('order', async () => [await runScheduled(plan, one, eventTimeSchedule(one), opts), await runScheduled(plan, two, eventTimeSchedule(two), opts)] as const);
    const diff = compareRuns(plan, consolidated(plan, a), consolidated(plan, b), 'the run with ties in the other order');
    if (diff) {
      return fail({ check: 'order', message: `${diff.message}: the answer depends on the arrival order of rows with equal event times (order by a unique key, e.g. ORDER BY ts, id)`, streams: two, arrival: arrivalOf(eventTimeSchedule(two)), sinks: diff.sinks });
    }
    ran.push('order');
  }
  return { failure: undefined, ran, ms };
}

/**
 * DuckDB's rows of a sink: the engine's rows, minus those only the engine has, plus those only
 * DuckDB has (compareWithOracle returns the differences, not the whole answer).
 */
function oracleRows(c: { onlyEngine: readonly Row[]; onlyOracle: readonly Row[]; columns: readonly ColumnInfo[] }, engine: readonly Row[]): Row[] {
  const drop = diffMultisets(engine, c.onlyEngine, c.columns).onlyEngine;
  return [...drop, ...c.onlyOracle];
}
