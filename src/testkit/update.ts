// `sluice test --update`: the actual output becomes the expected rows of each failing output of
// each failing case. Rows that matched keep their expected form (matchers, comments); the
// others are written from the output. Inline rows are replaced in the YAML document, so the
// rest of the file and its comments stay; rows kept in a file are rewritten in that file.

import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isSeq, type Node, type YAMLSeq } from 'yaml';
import { OP_LABEL } from '../catalog/batch.js';
import type { OutputResult } from './compare.js';
import type { Expectation } from './model.js';
import type { ActualRow } from './run-case.js';
import type { FileResult } from './runner.js';
import { sideShape, sinkNodes, sinkShape } from './outputs.js';
import type { FieldType } from './match.js';

/** Side-output fields written for a new row when the expectation names none yet. */
const DEFAULT_FIELDS: Record<string, readonly string[]> = { late: ['event_time', 'raw'], dead_letter: ['reason', 'raw'] };

type Plain = Record<string, unknown>;

/** Rewrites what failed in `r`'s test file (and its expected-rows files); returns the files written. */
export function updateFile(r: FileResult): string[] {
  const tf = r.testFile;
  if (!tf) return [];
  const written = new Set<string>();
  let docChanged = false;
  const sinks = sinkNodes(tf.plan);
  for (const c of r.cases) {
    if (c.pass || c.error !== undefined) continue;
    for (const o of c.outputs) {
      if (o.pass) continue;
      const exp = o.expectation;
      const columns = exp.kind === 'sink' ? sinks.get(exp.name)!.schema.filter((col) => !col.hidden).map((col) => col.name) : fieldsOf(exp);
      const fields = exp.kind === 'sink' ? sinkShape(sinks.get(exp.name)!).fields : sideShape(exp.kind, exp.name).fields;
      const rows = newRows(o, columns, fields);
      if (exp.file) {
        writeRowsFile(exp.file, rows.map((x) => x.plain), columns, exp.changelog);
        written.add(exp.file);
      } else if (isSeq(exp.node)) {
        const seq = exp.node as YAMLSeq;
        seq.items = rows.map((x) => x.node ?? (tf.doc.createNode(x.plain, { flow: true }) as Node));
        if (seq.items.length > 0) seq.flow = false;
        docChanged = true;
      }
    }
  }
  if (docChanged) {
    const text = tf.format === 'json' ? JSON.stringify(tf.doc.toJS(), null, 2) + '\n' : tf.doc.toString({ lineWidth: 0, flowCollectionPadding: false });
    writeFileSync(tf.path, text);
    written.add(tf.path);
  }
  return [...written].map((f) => path.relative(process.cwd(), f) || f);
}

function fieldsOf(exp: Expectation): string[] {
  const named = [...new Set(exp.rows.flatMap((r) => [...r.values.keys()]))];
  return named.length > 0 ? named : [...(DEFAULT_FIELDS[exp.kind] ?? [])];
}

/** The rows to write, in output order: a matched expected row as it was, else the actual one. */
function newRows(o: OutputResult, columns: readonly string[], fields: ReadonlyMap<string, FieldType>): Array<{ plain: Plain; node?: Node }> {
  const exp = o.expectation;
  return o.actual.map((a, j) => {
    const ei = o.matchedBy[j]!;
    if (ei >= 0) {
      const e = exp.rows[ei]!;
      const plain: Plain = exp.changelog && e.op !== undefined ? { op: OP_LABEL[e.op] } : {};
      for (const [k, v] of e.values) plain[k] = v;
      return { plain, ...(e.node ? { node: e.node } : {}) };
    }
    return { plain: fromActual(a, columns, exp.changelog, fields) };
  });
}

function fromActual(a: ActualRow, columns: readonly string[], changelog: boolean, fields: ReadonlyMap<string, FieldType>): Plain {
  const plain: Plain = changelog ? { op: OP_LABEL[a.op] } : {};
  for (const k of columns) {
    const v = a.values[k] ?? null;
    // `2024-05-20T10:00:00Z`, as people write it, when there are no milliseconds
    plain[k] = fields.get(k)?.kind === 'timestamp' && typeof v === 'string' ? v.replace(/\.000Z$/, 'Z') : v;
  }
  return plain;
}

function writeRowsFile(file: string, rows: readonly Plain[], columns: readonly string[], changelog: boolean): void {
  if (!/\.csv$/i.test(file)) {
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
    return;
  }
  const header = changelog ? ['op', ...columns] : [...columns];
  const field = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  writeFileSync(file, [header.join(','), ...rows.map((r) => header.map((h) => field(r[h])).join(','))].join('\n') + '\n');
}
