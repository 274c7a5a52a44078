// What the result chart plots, chosen from a sink's columns (a windowed result: time =
// window_start, one line per key, value = the first numeric column) and adjustable by the user;
// and the aligned arrays uPlot draws. Pure and DOM-free: unit-tested under Node.

import type { Column, Row } from '../api-types.js';
import { toMillis } from './time.js';

export type ChartMode = 'line' | 'bar';

export interface ChartChoice {
  readonly time: string | null;
  readonly series: readonly string[];
  readonly value: string | null;
  readonly mode: ChartMode;
}

export interface ChartData {
  /** Seconds since the epoch (uPlot's time scale), ascending. */
  readonly xs: number[];
  readonly series: { readonly label: string; readonly values: (number | null)[] }[];
  /** Series (or, without a time column, keys) beyond the limit, not drawn. */
  readonly dropped: number;
  /** Without a time column: the key of each x position. */
  readonly categories?: string[];
}

const NUMERIC = /^(TINYINT|SMALLINT|INT|INTEGER|BIGINT|HUGEINT|UBIGINT|UINTEGER|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC)/i;
const TIME = /^(TIMESTAMP|DATE)/i;

export const isNumeric = (c: Column): boolean => NUMERIC.test(c.type);
export const isTime = (c: Column): boolean => TIME.test(c.type);

/**
 * The automatic choice: with a time column, a line per key over time (the key: the sink's key
 * columns, else the columns before the time column, else the text columns); without one, a bar per
 * key (time null: a running aggregate per key, updated in place). Null when nothing can be
 * plotted (no numeric column, or neither a time column nor a key).
 */
export function chooseChart(columns: readonly Column[], keyColumns: readonly string[]): ChartChoice | null {
  const byName = (n: string) => columns.find((c) => c.name === n);
  const time = byName('window_start') ?? byName('window_end') ?? columns.find(isTime);
  const windowCols = new Set(['window_start', 'window_end', 'window_time', ...(time ? [time.name] : [])]);
  const keys = keyColumns.filter((k) => !windowCols.has(k) && byName(k) !== undefined);
  // Without declared keys (an append-only windowed result), the columns written before the time
  // column (`SELECT auction, window_start, COUNT(*) ...`), else the text columns.
  const before = time ? columns.slice(0, columns.indexOf(time)).filter((c) => !windowCols.has(c.name) && !isTime(c)) : [];
  const texts = columns.filter((c) => !windowCols.has(c.name) && !isNumeric(c) && !isTime(c) && c.type.toUpperCase().startsWith('VARCHAR'));
  const series = keys.length > 0 ? keys : (before.length > 0 ? before : texts).map((c) => c.name);
  const value = columns.find((c) => isNumeric(c) && !windowCols.has(c.name) && !series.includes(c.name));
  if (!value) return null;
  if (!time) return series.length > 0 ? { time: null, series, value: value.name, mode: 'bar' } : null;
  return { time: time.name, series, value: value.name, mode: 'line' };
}

function label(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * Pivots rows into one aligned series per key; a later row for the same (time, key) wins.
 * Without a time column: one series over the keys (x = their index, `categories` their labels).
 */
export function chartData(columns: readonly Column[], rows: readonly Row[], choice: ChartChoice, maxSeries = 20): ChartData {
  const at = (name: string | null) => (name === null ? -1 : columns.findIndex((c) => c.name === name));
  const ti = at(choice.time);
  const vi = at(choice.value);
  const si = choice.series.map(at).filter((i) => i >= 0);
  if (vi < 0 || (ti < 0 && choice.time !== null)) return { xs: [], series: [], dropped: 0 };
  const keyOf = (row: Row) => (si.length > 0 ? si.map((i) => label(row[i])).join(' / ') : (choice.value ?? ''));
  if (ti < 0) {
    const latest = new Map<string, number | null>();
    for (const row of rows) latest.set(keyOf(row), numberOf(row[vi]));
    const all = [...latest.keys()].sort(byLabel);
    const categories = all.slice(0, maxSeries * 5);
    return {
      xs: categories.map((_, i) => i),
      series: [{ label: choice.value ?? '', values: categories.map((c) => latest.get(c) ?? null) }],
      dropped: all.length - categories.length,
      categories,
    };
  }
  const points = new Map<string, Map<number, number | null>>();
  const times = new Set<number>();
  for (const row of rows) {
    const t = toMillis(row[ti] as string | number | null);
    if (t === null) continue;
    const key = keyOf(row);
    let m = points.get(key);
    if (!m) points.set(key, (m = new Map()));
    m.set(t / 1000, numberOf(row[vi]));
    times.add(t / 1000);
  }
  const xs = [...times].sort((a, b) => a - b);
  const labels = [...points.keys()].sort(byLabel);
  const kept = labels.slice(0, maxSeries);
  return {
    xs,
    series: kept.map((l) => {
      const m = points.get(l)!;
      return { label: l, values: xs.map((x) => (m.has(x) ? m.get(x)! : null)) };
    }),
    dropped: labels.length - kept.length,
  };
}

function numberOf(raw: unknown): number | null {
  if (typeof raw === 'number') return raw;
  return typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : null;
}

function byLabel(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}
