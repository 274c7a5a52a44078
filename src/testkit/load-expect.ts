// A case's expectation for one output: inline rows (mappings of columns to values or matchers,
// with `op` when the whole changelog is expected) or a JSON-lines / CSV file of rows.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import type { SourceNode } from '../plan/physical.js';
import { OP_LABEL, type Op } from '../catalog/batch.js';
import { parseCsvHeader, splitCsvLine } from '../connectors/format/csv.js';
import type { Expectation, ExpectedRow, Range } from './model.js';
import type { CaseContext } from './load-case.js';
import { hintFor, keyName, keyRange, rangeOf } from './load.js';
import { checkExpected } from './match.js';
import { sideShape, sinkNodes, sinkShape, splitTarget, type OutputShape } from './outputs.js';

export function readExpectation(target: string, value: Node | null, at: readonly [number, number], sources: ReadonlyMap<string, SourceNode>, ctx: CaseContext): Expectation | undefined {
  const { problems } = ctx;
  const { kind, name } = splitTarget(target);
  let shape: OutputShape;
  if (kind === 'sink') {
    const sinks = sinkNodes(ctx.plan);
    const node = sinks.get(name);
    if (!node) {
      const all = [...sinks.keys(), ...[...sources.keys()].flatMap((s) => [`${s}.late`, `${s}.dead_letter`])];
      problems.add(at, `unknown output '${target}': the job's sinks are ${[...sinks.keys()].map((s) => `'${s}'`).join(', ')}, and each source has SOURCE.late and SOURCE.dead_letter`, hintFor(target, all));
      return undefined;
    }
    shape = sinkShape(node);
  } else {
    if (!sources.has(name)) {
      problems.add(at, `unknown source '${name}' in '${target}'`, hintFor(name, [...sources.keys()]));
      return undefined;
    }
    shape = sideShape(kind, name);
  }
  const node = value ?? undefined;
  if (isScalar(value) && typeof value.value === 'string') {
    const file = path.resolve(path.dirname(ctx.file.path), value.value);
    const rows = readRowsFile(file, value.value, rangeOf(value, at), shape, ctx);
    if (!rows) return undefined;
    return finish(target, shape, rows, value, at, ctx, file);
  }
  if (value === null || (isScalar(value) && value.value === null)) {
    problems.add(rangeOf(value, at), `no rows given for '${target}'`, 'write `[]` to expect no rows');
    return undefined;
  }
  if (!isSeq(value)) {
    problems.add(rangeOf(value, at), `'${target}' expects a list of rows or the path of a JSON-lines or CSV file`);
    return undefined;
  }
  const rows: ExpectedRow[] = [];
  for (const item of value.items as Node[]) {
    const r = rangeOf(item, at);
    if (!isMap(item)) {
      problems.add(r, `an expected row of '${target}' is a mapping of ${shape.kind === 'sink' ? 'its columns' : 'fields'} to values`);
      continue;
    }
    const values = new Map<string, unknown>();
    const ranges = new Map<string, { key: Range; value: Range }>();
    for (const p of (item as YAMLMap).items) {
      values.set(keyName(p), (p.value as Node | null)?.toJSON?.() ?? null);
      ranges.set(keyName(p), { key: keyRange(p), value: rangeOf(p.value as Node, keyRange(p)) });
    }
    const row = checkRow(values, shape, target, r, (k, what) => ranges.get(k)?.[what] ?? r, ctx);
    if (row) rows.push({ ...row, node: item });
  }
  return node ? finish(target, shape, rows, node, at, ctx, undefined) : undefined;
}

function finish(target: string, shape: OutputShape, rows: ExpectedRow[], node: Node, at: Range, ctx: CaseContext, file: string | undefined): Expectation | undefined {
  const withOp = rows.filter((r) => r.op !== undefined).length;
  if (withOp > 0 && withOp < rows.length) {
    ctx.problems.add(rows.find((r) => r.op === undefined)!.range, `some rows of '${target}' give \`op\` and this one does not`, 'give `op` on every row to check the changelog, or on none to check the final rows');
    return undefined;
  }
  return { target, kind: shape.kind, name: shape.name, rows, changelog: withOp > 0, node, keyRange: at, ...(file ? { file } : {}) };
}

/** One expected row checked against the output's fields; `at(k)`: where value k is written. */
function checkRow(values: Map<string, unknown>, shape: OutputShape, target: string, r: Range, at: (k: string, what: 'key' | 'value') => Range, ctx: CaseContext): Omit<ExpectedRow, 'node'> | undefined {
  let ok = true;
  let op: Op | undefined;
  for (const [k, v] of values) {
    if (k === 'op' && shape.kind === 'sink' && !shape.fields.has('op')) {
      const i = OP_LABEL.indexOf(v as (typeof OP_LABEL)[number]);
      if (i < 0) {
        ctx.problems.add(at(k, 'value'), `bad op ${JSON.stringify(v)}`, "write one of '+I', '-U', '+U', '-D' (quoted)");
        ok = false;
      } else op = i as Op;
      continue;
    }
    const ft = shape.fields.get(k);
    if (!ft) {
      ctx.problems.add(at(k, 'key'), `'${target}' has no ${shape.kind === 'sink' ? 'column' : 'field'} '${k}'`, hintFor(k, [...shape.fields.keys()]));
      ok = false;
      continue;
    }
    const err = checkExpected(v, ft);
    if (err) {
      ctx.problems.add(at(k, 'value'), `${k}: ${err}`);
      ok = false;
    }
  }
  {
    const missing = shape.required.filter((k) => !values.has(k));
    if (missing.length > 0) {
      ctx.problems.add(r, `this row of '${target}' gives no ${missing.map((m) => `'${m}'`).join(', ')}`, 'give every column of the sink; write `{any: true}` where the value does not matter');
      ok = false;
    }
  }
  if (!ok) return undefined;
  values.delete('op');
  return { values, range: r, ...(op !== undefined ? { op } : {}) };
}

function readRowsFile(file: string, rel: string, at: Range, shape: OutputShape, ctx: CaseContext): ExpectedRow[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    ctx.problems.add(at, `cannot read expected rows file ${rel}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 'the path is relative to the test file; `sluice test --update` writes it');
    return undefined;
  }
  const lines = text.split('\n');
  const csv = /\.csv$/i.test(file);
  const header = csv ? parseCsvHeader(lines.shift() ?? '') : undefined;
  const rows: ExpectedRow[] = [];
  const before = ctx.problems.count;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const lineNo = i + (csv ? 2 : 1);
    let values: Map<string, unknown>;
    if (header) {
      const fields: Array<string | null> = [];
      splitCsvLine(line, fields);
      values = new Map(header.map((h, j) => [h, csvValue(fields[j] ?? null, shape.fields.get(h)?.kind)]));
    } else {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        ctx.problems.add(at, `${rel}:${lineNo}: invalid JSON: ${(e as Error).message}`);
        return;
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        ctx.problems.add(at, `${rel}:${lineNo}: an expected row is a JSON object`);
        return;
      }
      values = new Map(Object.entries(obj));
    }
    const row = checkRow(values, shape, `${shape.name} (${rel}:${lineNo})`, at, () => at, ctx);
    if (row) rows.push(row);
  });
  return ctx.problems.count > before ? undefined : rows;
}

/** A CSV field as the value of a column of `kind` (CSV has only text): a number, true/false, or text. */
function csvValue(text: string | null, kind: string | undefined): unknown {
  if (text === null || text === '') return null;
  if (kind === 'number') return Number(text);
  if (kind === 'boolean' && /^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  return text;
}
