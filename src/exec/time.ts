// Every event-time rule of the engine in one place: window bounds (TUMBLE, HOP, SESSION), when a
// window closes, what counts as late, source watermarks, combining input watermarks (UNION ALL),
// how micros are shown in late reasons, where a run after a finished one starts. Pure functions
// over integer epoch microseconds.

import type { AlignedWindow, WindowSpec } from '../plan/physical.js';

import { formatTimestamp } from '../catalog/timestamp.js';

/**
 * Start of the tumbling window holding `ts`: floor(ts / size) * size, also for negative `ts`.
 * Integer remainder rather than float division, so that micros near 2^53 stay exact.
 * The window is [start, start + size): its end is exclusive.
 *
 * Offsets (`TUMBLE(ts, 1d, INTERVAL '8' HOUR)`, Flink's and DuckDB's time_bucket convention):
 * windows start at epoch + offset + k * size, so a positive offset moves every window later
 * (1d windows from 08:00 to 08:00 UTC). The binder normalises offsets into [0, size) (or
 * [0, slide) for HOP) with `normaliseOffset`; 0 is the epoch alignment.
 */
export function tumbleStart(ts: number, size: number, offset = 0): number {
  const x = ts - offset;
  const r = x % size;
  return (r < 0 ? x - r - size : x - r) + offset;
}

/** End (exclusive) of the tumbling window holding `ts`. */
export function tumbleEnd(ts: number, size: number, offset = 0): number {
  return tumbleStart(ts, size, offset) + size;
}

/**
 * Smallest HOP window start holding `ts`: the first start (offset + k * slide) that is > ts - size.
 * The windows holding `ts` are hopFirstStart, +slide, ... up to tumbleStart(ts, slide, offset).
 */
export function hopFirstStart(ts: number, slide: number, size: number, offset = 0): number {
  return tumbleStart(ts - size, slide, offset) + slide;
}

/** The starts s (offset + multiples of slide) with s <= ts < s + size, ascending. */
export function hopWindowStarts(ts: number, slide: number, size: number, offset = 0): number[] {
  const out: number[] = [];
  const last = tumbleStart(ts, slide, offset);
  for (let s = hopFirstStart(ts, slide, size, offset); s <= last; s += slide) out.push(s);
  return out;
}

/**
 * A window offset in (-period, period) as the equivalent one in [0, period): window starts are
 * offset + k * period, so -16h and +8h give the same 1d windows. The period is a TUMBLE's size or
 * a HOP's slide. An offset of a whole period or more is refused by the binder, not wrapped.
 */
export function normaliseOffset(offset: number, period: number): number {
  const r = offset % period;
  return r < 0 ? r + period : r + 0; // + 0 turns -0 into 0
}

/**
 * CUMULATE (Flink's cumulating windows): the windows holding `ts` all start at
 * tumbleStart(ts, size, offset) and end at each step boundary after `ts` up to start + size:
 * cumulateFirstEnd, + step, ... Their ends are offset + multiples of step (size is a multiple of
 * step). A row is late as a whole when its first window has closed (Flink drops a row whose step
 * slice has closed): it then enters none of them, so every window of one cumulation holds the
 * rows of the one before it, and results only grow within a cumulation.
 */
export function cumulateFirstEnd(ts: number, step: number, offset = 0): number {
  return tumbleStart(ts, step, offset) + step;
}

/** The start of the window of `w` (not a session) ending at `end`: CUMULATE windows share their size-aligned start. */
export function windowStartOf(w: AlignedWindow, end: number): number {
  return w.kind === 'cumulate' ? tumbleStart(end - 1, w.sizeMicros, w.offsetMicros ?? 0) : end - w.sizeMicros;
}

/**
 * The event time of a window's result: `window_time`, 1 ms before its end (Flink's name and
 * rule), so it lies inside the window and a window over it (`TUMBLE(window_time, 1m)` over 10 s
 * windows) puts each result in the window that holds the whole of it.
 *
 * Its watermark is the input watermark, passed on unchanged: at watermark W the windowed
 * aggregate has emitted every window with end <= W, before passing W on, and a window it emits
 * later ends after W, so its window_time is > W - 1 ms. A window downstream that closed at W
 * ends at some D <= W; a later result falls in it only if its end is in (D, D + 1 ms), which
 * cannot happen when both windows' bounds are whole milliseconds (every duration but `us` ones).
 * A result that did would be counted late downstream, never merged into a closed window.
 */
export function windowTime(end: number): number {
  return end - WINDOW_TIME_BEFORE_END;
}

/** window_time is this many micros before window_end (1 ms). */
export const WINDOW_TIME_BEFORE_END = 1000;

/** The window ends of the CUMULATE windows holding `ts`, ascending. */
export function cumulateWindowEnds(ts: number, step: number, size: number, offset = 0): number[] {
  const out: number[] = [];
  const last = tumbleStart(ts, size, offset) + size;
  for (let e = cumulateFirstEnd(ts, step, offset); e <= last; e += step) out.push(e);
  return out;
}

/**
 * A window [start, end) is closed once the watermark reaches its end: watermark W promises
 * no more events with ts < W, so every event of the window has arrived.
 */
export function windowClosed(end: number, watermark: number): boolean {
  return end <= watermark;
}

/** A buffered row (LAG) is late when the watermark has already passed it: ts < W. */
export function isLate(ts: number, watermark: number): boolean {
  return ts < watermark;
}

/**
 * How far past its latest row a window of `w` can reach: a TUMBLE, HOP or CUMULATE window ends at most its
 * size after a row in it; a session ends a gap after its last row, and a row up to a gap later
 * still would have merged into it, so twice the gap.
 */
export function windowReach(w: WindowSpec): number {
  return w.kind === 'session' ? 2 * w.gapMicros : w.sizeMicros;
}

/**
 * The watermark a run starts from when the previous run on the same state read every input to
 * its end (a bounded job run again): that run's end of input closed every window it had, so no
 * row of the new run may land in one of them, while rows past them open windows as usual. A
 * closed window held a row at most at `maxEventTime` (the largest event time read, over all
 * sources) and ends at most its reach after it; chained windows (a window over another's
 * window_start) add up, so the sum over the plan's windows. Rows behind it are late.
 * -inf when nothing with an event time was read (no window was ever opened).
 */
export function rerunWatermark(maxEventTime: number, windows: readonly WindowSpec[]): number {
  if (maxEventTime === Number.NEGATIVE_INFINITY) return maxEventTime;
  let reach = 0;
  for (const w of windows) reach += windowReach(w);
  return maxEventTime + reach;
}

/** The last event time a buffer may release at watermark W: rows with ts <= W - 1 are complete. */
export function lastReleasable(watermark: number): number {
  return watermark - 1;
}

/** `WATERMARK FOR ts AS ts - INTERVAL d`: the watermark a source emits after seeing maxTs. */
export function sourceWatermark(maxTs: number, delay: number): number {
  return maxTs - delay;
}

/**
 * Sessions. An event at ts opens [ts, ts + gap). Events a <= b are in the same session iff
 * b - a < gap, so a session is [first, last + gap) and an event exactly at last + gap starts a
 * new one: sessions merge when they overlap, not when they merely touch. A session closes, like
 * any window, when the watermark reaches its end.
 */
export function sessionEnd(lastTs: number, gap: number): number {
  return lastTs + gap;
}

/** Whether [s1, e1) and [s2, e2) overlap (touching is not overlapping). */
export function sessionsOverlap(s1: number, e1: number, s2: number, e2: number): boolean {
  return s1 < e2 && s2 < e1;
}

/** Whether an event at ts belongs to the session [start, end) (its own window overlaps it). */
export function eventJoinsSession(ts: number, gap: number, start: number, end: number): boolean {
  return ts < end && ts + gap > start;
}

/**
 * Combines the watermarks of several inputs: the minimum over inputs that are not idle. An
 * idle input (a drained partition, a quiet file) must not hold everyone back. When every input
 * is idle, the combined watermark is the maximum of them: nothing more is coming from any, so
 * the most advanced promise holds. The combined watermark never goes back: an input that
 * resumes (stops being idle) behind it cannot lower it, its rows are then late downstream.
 *
 * The runner keeps one per operator (exec/graph.ts), so these are the rules of UNION ALL, the
 * multi-input operator:
 * - its watermark is the minimum of its inputs' watermarks, each tracked on its own, so a row
 *   is late after the union only once every input has promised to be past its window (a row
 *   late on its own source may still be on time at the union while another input lags);
 * - an input that has sent no watermark yet holds it at -inf, and a quiet one holds it where it
 *   is: the graph never marks a union input idle (a Kafka source whose partitions all went idle
 *   follows the wall clock, see PartitionWatermarks, and so stops holding it back);
 * - an ended input sends +inf first (the end of input closes its windows), so it stops holding
 *   the union back and the rest go on alone;
 * - the per-input watermarks and the count of ended inputs are part of a checkpoint
 *   (inputMarks / restoreMarks), so a restored union holds the same minimum as before.
 *
 * A lookup join against a bounded (file) table holds every stream row until the table has been
 * read to its end, so its output watermark must not pass them: the table input counts only once
 * it has ended (+inf), whatever WATERMARK the table declares (`untilEnd`); until then the join's
 * watermark stays at -inf. (Against a Kafka table the join runs on processing time and the table
 * input is marked idle: the stream's watermark alone passes.)
 */
export class WatermarkCombiner {
  private readonly marks: number[];
  private readonly idle: boolean[];
  private combined = Number.NEGATIVE_INFINITY;

  /**
   * `shifts`: per input, added to its watermark before the minimum (an interval join's, see
   * joinWatermarkShifts); zero by default. `untilEnd`: inputs whose watermark counts only at their
   * end (+inf), -inf before.
   */
  constructor(
    inputs: number,
    private readonly shifts: readonly number[] = [],
    private readonly untilEnd: readonly number[] = [],
  ) {
    this.marks = new Array<number>(inputs).fill(Number.NEGATIVE_INFINITY);
    this.idle = new Array<boolean>(inputs).fill(false);
  }

  /** One input's own watermark (not shifted). */
  inputMark(input: number): number {
    return this.marks[input] ?? Number.NEGATIVE_INFINITY;
  }

  get current(): number {
    return this.combined;
  }

  /** Per-input watermarks, for a checkpoint. */
  inputMarks(): number[] {
    return [...this.marks];
  }

  /** Restores checkpointed per-input watermarks (before any update). */
  restoreMarks(marks: readonly number[]): void {
    marks.forEach((m, i) => {
      if (i < this.marks.length) this.marks[i] = this.counted(i, m);
    });
    this.recompute();
  }

  /** Watermark of one input; per input it only moves forward. Returns the new combined value when it advanced. */
  update(input: number, watermark: number): number | undefined {
    const prev = this.marks[input];
    if (prev === undefined) throw new Error(`watermark for unknown input ${input}`);
    const w = this.counted(input, watermark);
    if (w > prev) this.marks[input] = w;
    return this.recompute();
  }

  private counted(input: number, watermark: number): number {
    return watermark !== Number.POSITIVE_INFINITY && this.untilEnd.includes(input) ? Number.NEGATIVE_INFINITY : watermark;
  }

  /** Mark an input idle (or active again). Returns the new combined value when it advanced. */
  markIdle(input: number, idle: boolean): number | undefined {
    if (this.idle[input] === undefined) throw new Error(`idle mark for unknown input ${input}`);
    this.idle[input] = idle;
    return this.recompute();
  }

  private recompute(): number | undefined {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let active = 0;
    for (let i = 0; i < this.marks.length; i++) {
      const m = this.marks[i]! + (this.shifts[i] ?? 0);
      if (m > max) max = m;
      if (this.idle[i]) continue;
      active++;
      if (m < min) min = m;
    }
    const next = active > 0 ? min : max;
    if (next > this.combined) {
      this.combined = next;
      return next;
    }
    return undefined;
  }
}

/**
 * Interval join (`a JOIN b ON ... b.ts - a.ts BETWEEN lower AND upper`, bounds inclusive in
 * integer micros). Wl, Wr are the inputs' own watermarks, W the join's:
 * - a row is late on its own input's watermark (isLate(ts, Wl) for a left row, Wr for a right
 *   one), is counted and goes to its source's late output; a later row of either side is never
 *   behind its own input's watermark, which is what makes the rules below safe;
 * - the output's event time is one side's (joinTimeSide: the right's for a RIGHT JOIN, else
 *   the left's), and W follows it. Left's: W = min(Wl, Wr - upper): a new left row has
 *   ts >= Wl, and a new right row at tr >= Wr pairs only with left rows at tl >= tr - upper >=
 *   Wr - upper, so no later output is behind W (a window after the join never sees a late row
 *   from it). Right's, the mirror: W = min(Wl + lower, Wr). joinWatermarkShifts gives the
 *   runner's combiner the shifts (sl, sr), W = min(Wl + sl, Wr + sr);
 * - a left row at tl can pair with no row still to come once Wr > tl + upper, a right row at tr
 *   once Wl > tr - lower; W > x implies Wr > x - sr and Wl > x - sl, so a left row is kept
 *   while W <= tl + upper + sr (tl when W follows the left), a right row while W <= tr - lower
 *   + sl (tr when W follows the right). joinExpiry gives the time a row expires under, closed
 *   like a buffered row (lastReleasable). A side's rows may so stay a little longer than the
 *   other side's watermark alone would need, never less;
 * - an outer join emits an unmatched row of its padded side(s) when it expires, before the
 *   runner passes W on; its event time is then >= the W passed on before, so it is not late
 *   after the join either. A FULL JOIN's output keeps no event time (a padded row of either
 *   side lacks the other's), so its W only drives expiry.
 */
export function joinTimeSide(joinType: 'inner' | 'left' | 'right' | 'full'): 0 | 1 {
  return joinType === 'right' ? 1 : 0;
}

export function joinWatermarkShifts(timeSide: 0 | 1, lower: number, upper: number): [number, number] {
  return timeSide === 0 ? [0, -upper] : [lower, 0];
}

/** The expiry time of a waiting join row: it is dropped once lastReleasable(W) >= this. */
export function joinExpiry(side: 0 | 1, ts: number, timeSide: 0 | 1, lower: number, upper: number): number {
  const [sl, sr] = joinWatermarkShifts(timeSide, lower, upper);
  return side === 0 ? ts + upper + sr : ts - lower + sl;
}

/**
 * `SET state_ttl` of a regular join: a key is touched at the join's watermark when a row of it
 * arrives (before the first watermark: at IDLE_BEFORE_WATERMARK, moved to the first one when it
 * comes), and dropped once the watermark is more than `ttl` past that touch: at watermark W the
 * keys last touched at or before idleThrough(W, ttl) go.
 */
export function idleThrough(watermark: number, ttl: number): number {
  return watermark - ttl - 1;
}

/** The touch time of a key touched before any watermark (a finite stand-in for -infinity, as spilled times are integers). */
export const IDLE_BEFORE_WATERMARK = Number.MIN_SAFE_INTEGER;

/**
 * Event-time temporal join (`s JOIN t FOR SYSTEM_TIME AS OF s.ts`). Ws and Wt are the stream's
 * and the table's own watermarks; the join's is W = min(Ws, Wt), the runner's plain minimum:
 * - a stream row is late when ts < Ws, a table version when its time < Wt (isLate on its own
 *   input), counted and sent to its source's late output;
 * - a stream row at ts waits until lastReleasable(W) >= ts: then Wt > ts, so every version at or
 *   before ts has arrived. It is emitted before the runner passes W on, and W <= ts until then,
 *   so with the output watermark W no joined row is late after the join;
 * - it joins the last version of its key with time <= ts (versionAt; of equal times the one that
 *   arrived last); a tombstone found there, or no version, means no table row (LEFT: NULLs);
 * - every row still to join has ts >= W (those before were released, new ones are not late),
 *   so per key only the last version before W and those after it are kept (firstVersionKept),
 *   and a tombstone left first is dropped (no version and a deletion join alike).
 */
export function versionAt(versions: ReadonlyArray<{ readonly t: number }>, ts: number): number {
  let lo = 0;
  let hi = versions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (versions[mid]!.t <= ts) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Where a new version at `t` goes: after every version at or before `t` (arrival order breaks ties). */
export function versionInsertAt(versions: ReadonlyArray<{ readonly t: number }>, t: number): number {
  return versionAt(versions, t) + 1;
}

/** The index of the first version still needed at watermark `w`: the last one before `w` (0 when none is before it). */
export function firstVersionKept(versions: ReadonlyArray<{ readonly t: number }>, w: number): number {
  return Math.max(0, versionAt(versions, lastReleasable(w)));
}

/**
 * A full UTC timestamp for late reasons, `2024-05-20T10:00:10.000Z` (six fraction digits when
 * there are sub-millisecond micros): a time of day alone is ambiguous across days. `-inf` /
 * `+inf` for the unbounded watermarks.
 */
export function formatMicros(micros: number): string {
  if (micros === Number.NEGATIVE_INFINITY) return '-inf';
  if (micros === Number.POSITIVE_INFINITY) return '+inf';
  return formatTimestamp(micros);
}

/** `[2024-05-20T10:00:00.000Z, 2024-05-20T10:00:10.000Z)` */
export function formatWindow(start: number, end: number): string {
  return `[${formatMicros(start)}, ${formatMicros(end)})`;
}

/** The late reason of a row kept out of a closed window. */
export function windowLateReason(start: number, end: number, watermark: number): string {
  return `window ${formatWindow(start, end)} closed at watermark ${formatMicros(watermark)}`;
}

/**
 * The watermark of a partitioned source (Kafka): each partition's own watermark is its largest
 * event time minus the delay, and the source's is the minimum over partitions that are not
 * idle, so that one partition running ahead cannot make another's records late. An assigned
 * partition that has sent nothing holds the watermark back (at -inf) until it sends or goes
 * idle. When every partition is idle the watermark follows the wall clock (now - delay), so
 * windows close when a stream goes quiet; records that arrive later behind it are late. Like
 * the combiner, the result never goes back.
 */
export class PartitionWatermarks {
  private readonly marks = new Map<number, number>();
  private readonly idle = new Set<number>();
  private combined = Number.NEGATIVE_INFINITY;
  /** The partition of the last observed record (active), its mark, and the least mark of the other active partitions; see observe(). */
  private hot: number | undefined;
  private hotMark = Number.NEGATIVE_INFINITY;
  private othersMin = Number.POSITIVE_INFINITY;

  constructor(private readonly delay: number) {}

  get current(): number {
    return this.combined;
  }

  /** Checkpoints: each partition's watermark and the combined one (idleness is wall-clock and is not kept). */
  save(): { marks: Array<[number, number]>; combined: number } {
    return { marks: [...this.marks], combined: this.combined };
  }

  restore(s: { marks: ReadonlyArray<readonly [number, number]>; combined: number }): void {
    this.hot = undefined;
    this.marks.clear();
    this.idle.clear();
    for (const [p, m] of s.marks) this.marks.set(p, m);
    this.combined = s.combined;
  }

  /** Each partition's watermark and idleness, by partition number; `records`, `backlog`: figures to attach. Not on the hot path. */
  snapshot(records: ReadonlyMap<number, number>, backlog?: ReadonlyMap<number, number>): Array<{ partition: number; watermark: number; idle: boolean; records: number; lag?: number }> {
    return [...this.marks]
      .sort((a, b) => a[0] - b[0])
      .map(([partition, watermark]) => {
        const lag = backlog?.get(partition);
        return { partition, watermark, idle: this.idle.has(partition), records: records.get(partition) ?? 0, ...(lag !== undefined ? { lag } : {}) };
      });
  }

  /** The partitions this reader now owns; new ones start at -inf, active. */
  assign(partitions: readonly number[]): number | undefined {
    this.hot = undefined;
    const keep = new Set(partitions);
    for (const p of [...this.marks.keys()]) if (!keep.has(p)) this.marks.delete(p);
    for (const p of [...this.idle]) if (!keep.has(p)) this.idle.delete(p);
    for (const p of partitions) if (!this.marks.has(p)) this.marks.set(p, Number.NEGATIVE_INFINITY);
    return this.recompute(undefined);
  }

  /**
   * A record of `partition` at event time `ts`; returns the new watermark when it advanced. Hot
   * path: records come in runs of one partition (a fetched batch), so the partition of the last
   * record keeps its mark and the least mark of the other active partitions at hand (`hot`), and
   * its records cost two comparisons. Anything that changes another partition or idleness cools it.
   */
  observe(partition: number, ts: number): number | undefined {
    const w = sourceWatermark(ts, this.delay);
    if (partition === this.hot) {
      if (w <= this.hotMark) return undefined;
      this.hotMark = w;
      this.marks.set(partition, w);
      const next = w < this.othersMin ? w : this.othersMin;
      if (next <= this.combined) return undefined;
      this.combined = next;
      return next;
    }
    const prev = this.marks.get(partition);
    let out: number | undefined;
    if (prev === undefined || w > prev) this.marks.set(partition, w);
    if (prev === undefined || w > prev || this.idle.has(partition)) {
      this.idle.delete(partition);
      // Only the partition holding the minimum can move it (or a partition new to the set).
      out = prev !== undefined && prev > this.combined ? undefined : this.recompute(undefined);
    }
    this.warm(partition);
    return out;
  }

  /** Makes `partition` (active) the hot one: its mark and the least mark of the other active partitions. */
  private warm(partition: number): void {
    let min = Number.POSITIVE_INFINITY;
    for (const [p, m] of this.marks) if (p !== partition && m < min && !this.idle.has(p)) min = m;
    this.hot = partition;
    this.hotMark = this.marks.get(partition)!;
    this.othersMin = min;
  }

  /** Mark a partition idle or active; `now` (epoch micros) is the wall clock. */
  setIdle(partition: number, idle: boolean, now: number): number | undefined {
    this.hot = undefined;
    if (!this.marks.has(partition)) this.marks.set(partition, Number.NEGATIVE_INFINITY);
    if (idle) this.idle.add(partition);
    else this.idle.delete(partition);
    return this.recompute(now);
  }

  /** The wall clock moved: when every partition is idle, the watermark follows it. */
  tick(now: number): number | undefined {
    return this.recompute(now);
  }

  private recompute(now: number | undefined): number | undefined {
    if (this.marks.size === 0) return undefined;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let active = 0;
    for (const [p, m] of this.marks) {
      if (m > max) max = m;
      if (this.idle.has(p)) continue;
      active++;
      if (m < min) min = m;
    }
    let next = min;
    if (active === 0) next = now === undefined ? max : Math.max(max, sourceWatermark(now, this.delay));
    if (next > this.combined) {
      this.combined = next;
      return next;
    }
    return undefined;
  }
}
