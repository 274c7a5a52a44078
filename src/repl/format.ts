// Rows -> text for the REPL: an aligned table sized to its content (the latest rows that fit,
// with a count of the rest) or JSON lines, as `\format` chooses.

import type { Column } from '../catalog/catalog.js';
import type { Row } from '../catalog/types.js';
import { isNumeric } from '../catalog/types.js';
import { compileEncoder, fitCell, formatValueForTable, MAX_CELL_WIDTH } from '../connectors/format/encode.js';
import { Op } from '../catalog/batch.js';

export type OutputFormat = 'table' | 'json';

export interface TableText {
  readonly lines: string[];
  /** Rows not shown because they did not fit. */
  readonly hidden: number;
}

/** The last `maxRows` rows (all when undefined) as an aligned table with a header. */
export function renderRows(columns: readonly Column[], rows: readonly Row[], format: OutputFormat, maxRows?: number, extraHidden = 0): TableText {
  const shown = maxRows !== undefined && rows.length > maxRows ? rows.slice(rows.length - Math.max(0, maxRows)) : rows;
  const hidden = rows.length - shown.length + extraHidden;
  if (format === 'json') {
    const enc = compileEncoder(columns, false);
    return { lines: shown.map((r) => enc(r, Op.Insert)), hidden };
  }
  const cells = shown.map((r) => columns.map((c, i) => formatValueForTable(r[i] ?? null, c.type)));
  const widths = columns.map((c, i) => Math.min(MAX_CELL_WIDTH, Math.max(c.name.length, ...cells.map((row) => row[i]!.length))));
  const right = columns.map((c) => isNumeric(c.type));
  const line = (cs: readonly string[]): string => cs.map((c, i) => fitCell(c, widths[i]!, right[i]!)).join('  ').trimEnd();
  const lines = [line(columns.map((c) => c.name)), widths.map((w) => '─'.repeat(w)).join('  ')];
  for (const c of cells) lines.push(line(c));
  return { lines, hidden };
}

/** A line cut to the terminal's width (a live view taller than the screen would scroll away). */
export function clip(line: string, width: number): string {
  return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
