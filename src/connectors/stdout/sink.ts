// The `stdout` sink: JSON lines (the default when stdout is not a terminal) or an aligned
// table (the default on a terminal) whose header is printed once, with column widths taken from
// the header and the first rows; later values too long for their column are cut with '…'.

import type { Writable } from 'node:stream';
import type { Column, SinkDef } from '../../catalog/catalog.js';
import type { Row } from '../../catalog/types.js';
import { isNumeric } from '../../catalog/types.js';
import { Op, OP_LABEL } from '../../catalog/batch.js';
import type { SinkConnector, SinkWriter } from '../connector.js';
import { compileEncoder, fitCell, formatValueForTable, MAX_CELL_WIDTH } from '../format/encode.js';
import { choiceOption } from '../options.js';

export type StdoutFormat = 'jsonl' | 'table';

/** Widths come from the header and this many first rows. */
const SAMPLE_ROWS = 50;
const GAP = '  ';

/** Aligned-table text for a stream of batches; `header()` once, then `rows()` per batch. */
export class TableFormatter {
  private readonly columns: readonly Column[];
  private readonly changelog: boolean;
  private widths: number[] | undefined;
  private readonly right: boolean[];

  constructor(columns: readonly Column[], changelog: boolean) {
    this.columns = columns;
    this.changelog = changelog;
    this.right = [...(changelog ? [false] : []), ...columns.map((c) => isNumeric(c.type))];
  }

  private cells(row: Row, op: Op): string[] {
    const out: string[] = this.changelog ? [OP_LABEL[op]] : [];
    for (let i = 0; i < this.columns.length; i++) out.push(formatValueForTable(row[i] ?? null, this.columns[i]!.type));
    return out;
  }

  private line(cells: readonly string[], widths: readonly number[]): string {
    let s = '';
    const last = cells.length - 1;
    for (let i = 0; i <= last; i++) {
      const right = this.right[i] ?? false;
      let cell = fitCell(cells[i]!, widths[i]!, right);
      if (i === last && !right) cell = cell.trimEnd();
      s += i === 0 ? cell : GAP + cell;
    }
    return `${s}\n`;
  }

  /** Text for one batch; the first call also sizes the columns and prints the header. */
  format(rows: readonly Row[], ops: readonly Op[] | null): string {
    const cells = rows.map((r, i) => this.cells(r, ops ? ops[i]! : Op.Insert));
    let text = '';
    if (this.widths === undefined) {
      const names = [...(this.changelog ? ['op'] : []), ...this.columns.map((c) => c.name)];
      const widths = names.map((n) => n.length);
      for (const c of cells.slice(0, SAMPLE_ROWS)) {
        for (let i = 0; i < c.length; i++) widths[i] = Math.max(widths[i]!, Math.min(MAX_CELL_WIDTH, c[i]!.length));
      }
      this.widths = widths;
      text += this.line(names, widths);
      text += this.line(widths.map((w) => '-'.repeat(w)), widths);
    }
    for (const c of cells) text += this.line(c, this.widths);
    return text;
  }
}

export function openStdoutSink(out: Writable, format: StdoutFormat, columns: readonly Column[], changelog: boolean): SinkWriter {
  const encode = compileEncoder(columns, changelog);
  const table = format === 'table' ? new TableFormatter(columns, changelog) : undefined;
  let last: Promise<void> = Promise.resolve();
  const send = (text: string): void => {
    last = new Promise((resolve, reject) => {
      out.write(text, (err) => (err ? reject(err) : resolve()));
    });
  };
  return {
    write(batch) {
      if (batch.rows.length === 0) return;
      if (table) {
        send(table.format(batch.rows, batch.ops));
        return;
      }
      let text = '';
      for (let i = 0; i < batch.rows.length; i++) text += `${encode(batch.rows[i]!, batch.ops ? batch.ops[i]! : Op.Insert)}\n`;
      send(text);
    },
    flush: () => last,
    close: () => last,
  };
}

/** The stdout sink connector writing to `out` (tests pass their own stream). */
export function createStdoutSink(out: Writable & { isTTY?: boolean } = process.stdout): SinkConnector {
  return {
    name: 'stdout',
    options: ['connector', 'format'],
    identity: ['connector'],
    // Rows after the last checkpoint are printed again by a restarted job; a terminal cannot take them back.
    guarantee: () => ({ level: 'none', how: 'stdout' }),
    open(def: SinkDef, columns: readonly Column[], changelog: boolean): SinkWriter {
      const fallback: StdoutFormat = out.isTTY === true ? 'table' : 'jsonl';
      const format = choiceOption(def.options, 'format', ['jsonl', 'table', 'json'] as const, fallback);
      return openStdoutSink(out, format === 'table' ? 'table' : 'jsonl', columns, changelog);
    },
  };
}

export const stdoutSink: SinkConnector = createStdoutSink();
