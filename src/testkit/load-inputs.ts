// A case's input for one source: inline entries (rows as maps, `raw:` records, `watermark:`
// steps, `idle` markers; Kafka rows with `_key`, `_headers`, `_partition`, `_timestamp`) or a
// JSON-lines / CSV data file, turned into records of the source's own format (JSON text, CSV
// lines, Kafka messages), so the engine's decoders, watermarks and dead letters run unchanged.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Column } from '../catalog/catalog.js';
import type { SourceNode } from '../plan/physical.js';
import { parseTimestamp } from '../catalog/timestamp.js';
import { parseCsvHeader } from '../connectors/format/csv.js';
import { valueColumns } from '../connectors/kafka/record.js';
import type { InputEntry, Origin, SourceInput } from './model.js';
import type { CaseContext } from './load-case.js';
import { hintFor, keyName, keyRange, rangeOf } from './load.js';

const KAFKA_FIELDS = ['_key', '_headers', '_partition', '_timestamp'];

interface SourceShape {
  readonly node: SourceNode;
  readonly columns: readonly Column[];
  readonly kafka: boolean;
  readonly csv: boolean;
}

export function isKafkaSource(node: SourceNode): boolean {
  return isKafkaDef(node.source);
}

export function isKafkaDef(def: { readonly options: Readonly<Record<string, string>> }): boolean {
  return def.options['connector'] === 'kafka';
}

/** The message key a row's KEY columns make: a single VARCHAR key as plain text, otherwise JSON. */
export function messageKey(keyCols: readonly Column[], values: Readonly<Record<string, unknown>>): string | null {
  const kv = keyCols.map((c) => values[c.name] ?? null);
  if (keyCols.length === 1) return kv[0] === null ? null : keyCols[0]!.type.kind === 'varchar' ? String(kv[0]) : JSON.stringify(kv[0]);
  return JSON.stringify(Object.fromEntries(keyCols.map((c, i) => [c.name, kv[i]])));
}

export function readInputs(value: Node | null, at: readonly [number, number], node: SourceNode, ctx: CaseContext): SourceInput | undefined {
  const shape: SourceShape = {
    node,
    columns: node.schema.filter((c) => !c.hidden),
    kafka: isKafkaSource(node),
    csv: (node.source.options['format'] ?? '').toLowerCase() === 'csv',
  };
  const name = node.source.name;
  if (isScalar(value) && typeof value.value === 'string') return readDataFile(value.value, rangeOf(value, at), shape, ctx);
  if (value === null || (isScalar(value) && value.value === null)) return { source: name, entries: [] };
  if (!isSeq(value)) {
    ctx.problems.add(rangeOf(value, at), `the input of source '${name}' is a list of rows or the path of a JSON-lines or CSV file`);
    return undefined;
  }
  const entries: InputEntry[] = [];
  for (const item of value.items as Node[]) {
    const e = readEntry(item, shape, ctx);
    if (e) entries.push(e);
  }
  return { source: name, entries, ...(shape.csv ? { csvHeader: shape.columns.map((c) => c.name) } : {}) };
}

function originOf(n: Node, ctx: CaseContext): Origin {
  return { file: path.basename(ctx.file.path), line: ctx.file.lines.linePos(n.range?.[0] ?? 0).line };
}

function readEntry(item: Node, shape: SourceShape, ctx: CaseContext): InputEntry | undefined {
  const { problems } = ctx;
  const name = shape.node.source.name;
  const origin = originOf(item, ctx);
  const r = rangeOf(item, [0, 1]);
  if (isScalar(item) && item.value === 'idle') return needsWatermark(shape, r, 'an idle marker', ctx) ? { kind: 'idle', origin } : undefined;
  if (!isMap(item)) {
    problems.add(r, `an input of source '${name}' is a row (a mapping of its columns), \`raw:\`, \`watermark:\` or \`idle\``);
    return undefined;
  }
  const map = item as YAMLMap;
  const pairs = new Map(map.items.map((p) => [keyName(p), p] as const));
  if (pairs.has('watermark')) return readWatermark(pairs, shape, r, origin, ctx);
  if (pairs.has('idle')) {
    const p = pairs.get('idle')!;
    const v = isScalar(p.value) ? p.value.value : undefined;
    if (!needsWatermark(shape, r, 'an idle marker', ctx)) return undefined;
    if (v === true || v === null) return { kind: 'idle', origin };
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return onlyKafka(shape, rangeOf(p.value as Node, keyRange(p)), ctx) ? { kind: 'idle', partition: v, origin } : undefined;
    problems.add(rangeOf(p.value as Node, keyRange(p)), '`idle:` takes a partition number (or write `- idle` for every partition)');
    return undefined;
  }
  const kafka = readKafkaFields(pairs, shape, ctx);
  if (pairs.has('raw')) {
    const p = pairs.get('raw')!;
    for (const k of pairs.keys()) if (k !== 'raw' && !KAFKA_FIELDS.includes(k)) problems.add(keyRange(pairs.get(k)!), `a \`raw:\` record takes no column '${k}': its text is the whole record`);
    const v = isScalar(p.value) ? p.value.value : undefined;
    if (typeof v === 'string') return { kind: 'row', text: v, ...kafka, origin };
    if (v === null && shape.kafka) return { kind: 'row', text: null, ...kafka, origin };
    problems.add(rangeOf(p.value as Node, keyRange(p)), '`raw:` is the record text, quoted (e.g. `raw: \'{"sensor": 1, bad json\'`)');
    return undefined;
  }
  return readRow(pairs, shape, kafka, origin, ctx);
}

function needsWatermark(shape: SourceShape, r: readonly [number, number], what: string, ctx: CaseContext): boolean {
  if (shape.node.watermark) return true;
  ctx.problems.add(r, `source '${shape.node.source.name}' declares no WATERMARK, so ${what} means nothing to it`, 'add `WATERMARK FOR ts AS ts - INTERVAL ...` to the source, or drop this entry');
  return false;
}

function readWatermark(pairs: Map<string, Pair>, shape: SourceShape, r: readonly [number, number], origin: Origin, ctx: CaseContext): InputEntry | undefined {
  if (!needsWatermark(shape, r, 'a watermark step', ctx)) return undefined;
  const p = pairs.get('watermark')!;
  for (const k of pairs.keys()) if (k !== 'watermark' && k !== 'partition') ctx.problems.add(keyRange(pairs.get(k)!), `unknown key '${k}' in a watermark step`, 'a watermark step is `- watermark: 2024-05-20T10:00:10Z` (and optionally `partition: N`)');
  const v = isScalar(p.value) ? p.value.value : undefined;
  const micros = typeof v === 'string' ? parseTimestamp(v) : undefined;
  if (micros === undefined) {
    ctx.problems.add(rangeOf(p.value as Node, keyRange(p)), `bad timestamp ${JSON.stringify(v ?? null)} in a watermark step`, "write an ISO-8601 instant such as '2024-05-20T10:00:10Z'");
    return undefined;
  }
  const part = pairs.get('partition');
  const pv = part && isScalar(part.value) ? part.value.value : undefined;
  if (part && !(typeof pv === 'number' && Number.isInteger(pv) && pv >= 0)) {
    ctx.problems.add(rangeOf(part.value as Node, keyRange(part)), '`partition:` is a partition number');
    return undefined;
  }
  if (part && !onlyKafka(shape, keyRange(part), ctx)) return undefined;
  return { kind: 'watermark', micros, ...(typeof pv === 'number' ? { partition: pv } : {}), origin };
}

/** Partitions are a Kafka source's: elsewhere a partition step would hold the watermark back for good. */
function onlyKafka(shape: SourceShape, r: readonly [number, number], ctx: CaseContext): boolean {
  if (shape.kafka) return true;
  ctx.problems.add(r, `source '${shape.node.source.name}' reads connector '${shape.node.source.options['connector']}', which has no partitions`, 'write `- idle` or `- watermark: ...` without a partition');
  return false;
}

type KafkaFields = { key?: string | null; headers?: Record<string, string>; partition?: number; timestamp?: number };

function readKafkaFields(pairs: Map<string, Pair>, shape: SourceShape, ctx: CaseContext): KafkaFields {
  const out: KafkaFields = {};
  const declared = new Set(shape.columns.map((c) => c.name));
  for (const k of KAFKA_FIELDS) {
    const p = pairs.get(k);
    if (!p) continue;
    if (!shape.kafka) {
      if (!declared.has(k)) ctx.problems.add(keyRange(p), `'${k}' applies to Kafka sources, and '${shape.node.source.name}' reads connector '${shape.node.source.options['connector']}'`);
      continue;
    }
    const v: unknown = (p.value as Node | null)?.toJSON?.() ?? null;
    const at = rangeOf(p.value as Node, keyRange(p));
    if (k === '_key') out.key = v === null ? null : typeof v === 'string' ? v : JSON.stringify(v);
    else if (k === '_headers') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) ctx.problems.add(at, '`_headers:` maps header names to text values');
      else out.headers = Object.fromEntries(Object.entries(v).map(([hk, hv]) => [hk, typeof hv === 'string' ? hv : JSON.stringify(hv)]));
    } else if (k === '_partition') {
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0) out.partition = v;
      else ctx.problems.add(at, '`_partition:` is a partition number (0, 1, ...)');
    } else {
      const us = typeof v === 'string' || typeof v === 'number' ? parseTimestamp(v) : undefined;
      if (us === undefined) ctx.problems.add(at, `bad timestamp ${JSON.stringify(v)} for the record timestamp`, "write an ISO-8601 instant such as '2024-05-20T10:00:10Z' or epoch milliseconds");
      else out.timestamp = Math.floor(us / 1000);
    }
  }
  return out;
}

function readRow(pairs: Map<string, Pair>, shape: SourceShape, kafka: KafkaFields, origin: Origin, ctx: CaseContext): InputEntry | undefined {
  const values: Record<string, unknown> = {};
  const byName = new Map(shape.columns.map((c) => [c.name, c] as const));
  let ok = true;
  for (const [k, p] of pairs) {
    if (KAFKA_FIELDS.includes(k) && !byName.has(k)) continue;
    const col = byName.get(k);
    if (!col) {
      ctx.problems.add(keyRange(p), `source '${shape.node.source.name}' has no column '${k}'`, hintFor(k, [...byName.keys()]));
      ok = false;
      continue;
    }
    const v: unknown = (p.value as Node | null)?.toJSON?.() ?? null;
    if (col.type.kind === 'timestamp' && v !== null && (typeof v === 'string' || typeof v === 'number' ? parseTimestamp(v) : undefined) === undefined) {
      ctx.problems.add(rangeOf(p.value as Node, keyRange(p)), `bad timestamp ${JSON.stringify(v)} in column '${k}'`, "write an ISO-8601 instant such as '2024-05-20T10:00:00Z' (to test a dead letter, give the whole record as `raw:`)");
      ok = false;
      continue;
    }
    values[k] = v;
  }
  if (!ok) return undefined;
  if (shape.csv && !shape.kafka) return { kind: 'row', text: shape.columns.map((c) => csvField(values[c.name])).join(','), origin };
  if (!shape.kafka) return { kind: 'row', text: JSON.stringify(values), origin };
  const keyCols = shape.columns.filter((c) => c.key);
  // The message value holds the value columns; KEY columns go to the key, metadata columns come from the message.
  const inValue = new Set(valueColumns(shape.columns).map((c) => c.name));
  const value: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (inValue.has(k)) value[k] = v;
  let key = kafka.key;
  if (key === undefined && keyCols.length > 0) key = messageKey(keyCols, values);
  const et = shape.node.watermark ? shape.columns[shape.node.watermark.column]?.name : undefined;
  const tsValue = et !== undefined ? values[et] : undefined;
  const etMs = typeof tsValue === 'string' || typeof tsValue === 'number' ? parseTimestamp(tsValue) : undefined;
  return {
    kind: 'row',
    text: JSON.stringify(value),
    ...kafka,
    ...(key !== undefined ? { key } : {}),
    ...(kafka.timestamp === undefined && etMs !== undefined ? { timestamp: Math.floor(etMs / 1000) } : {}),
    origin,
  };
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

function readDataFile(rel: string, at: readonly [number, number], shape: SourceShape, ctx: CaseContext): SourceInput | undefined {
  const file = path.resolve(path.dirname(ctx.file.path), rel);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    ctx.problems.add(at, `cannot read data file ${rel}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 'the path is relative to the test file');
    return undefined;
  }
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const csv = /\.csv$/i.test(file);
  const header = csv ? parseCsvHeader(lines.shift() ?? '') : undefined;
  const entries: InputEntry[] = lines.map((line, i) => ({ kind: 'row', text: line, origin: { file: rel, line: i + (csv ? 2 : 1) } }));
  return { source: shape.node.source.name, entries, ...(header ? { csvHeader: header } : {}) };
}
