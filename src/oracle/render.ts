// The comparison report for `sluice compare`: one line per equal sink, a table of the differing
// rows (engine-only marked `-`, DuckDB-only marked `+`, sorted so that near pairs sit together).

import type { Row } from '../catalog/types.js';
import { formatValue, type ColumnInfo } from './values.js';
import type { SinkComparison } from './comparison.js';

const MAX_ROWS = 20;
const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

export function renderComparison(cs: readonly SinkComparison[], opts: { color?: boolean } = {}): string {
  return cs.map((c) => renderOne(c, opts.color === true)).join('\n');
}

function renderOne(c: SinkComparison, color: boolean): string {
  const paint = (code: string, s: string): string => (color ? `${code}${s}${RESET}` : s);
  if (c.equal) return `${c.sink}: equal (${c.engineRows} ${c.engineRows === 1 ? 'row' : 'rows'})`;
  if (c.onlyEngine.length === 0 && c.onlyOracle.length === 0) {
    // Same rows once retractions are applied, but the changelog itself is wrong.
    const rows = `${c.engineRows} ${c.engineRows === 1 ? 'row' : 'rows'}`;
    const head = `${paint(BOLD, c.sink)}: ${paint(RED, 'MALFORMED CHANGELOG')} (its ${rows} equal DuckDB's once retractions apply, but a consumer of the changelog would see something else)`;
    return [head, ...c.changelogErrors.map((e) => `  changelog error: ${e}`)].join('\n');
  }
  const lines = [
    `${paint(BOLD, c.sink)}: ${paint(RED, 'DIFFERENT')} (engine ${c.engineRows} rows, DuckDB ${c.oracleRows} rows; ` +
      `${c.onlyEngine.length} only in engine, ${c.onlyOracle.length} only in DuckDB)`,
  ];
  for (const e of c.changelogErrors) lines.push(`  changelog error: ${e}`);
  if (c.firstDifference) lines.push(`  first difference: ${c.firstDifference}`);
  const tagged = [
    ...c.onlyEngine.slice(0, MAX_ROWS).map((r) => ({ mark: '-', side: 'engine', cells: cells(r, c.columns) })),
    ...c.onlyOracle.slice(0, MAX_ROWS).map((r) => ({ mark: '+', side: 'duckdb', cells: cells(r, c.columns) })),
  ];
  if (tagged.length > 0) {
    tagged.sort((a, b) => compareCells(a.cells, b.cells) || a.mark.localeCompare(b.mark));
    const header = ['', 'side', ...c.columns.map((col) => col.name)];
    const body = tagged.map((t) => [t.mark, t.side, ...t.cells]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
    const fmt = (cols: readonly string[]): string => `  ${cols.map((s, i) => s.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}`;
    lines.push(fmt(header));
    for (const b of body) lines.push(paint(b[0] === '-' ? RED : GREEN, fmt(b)));
  }
  const hidden = Math.max(0, c.onlyEngine.length - MAX_ROWS) + Math.max(0, c.onlyOracle.length - MAX_ROWS);
  if (hidden > 0) lines.push(`  ... and ${hidden} more differing rows`);
  return lines.join('\n');
}

function cells(r: Row, columns: readonly ColumnInfo[]): string[] {
  return r.map((v, i) => formatValue(v, columns[i]?.type));
}

function compareCells(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
