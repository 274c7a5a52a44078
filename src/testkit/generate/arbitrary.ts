// fast-check arbitraries of generated streams: per source, records in arrival order (rows from
// the column generators, with event times that mostly advance, jitter back within the
// WATERMARK delay, sometimes fall far behind it, tie, repeat, or jump ahead after an idle
// stretch; and malformed records), and the shape of a run (batch sizes, whose turn it is, and
// the second way the same stream is run: other batch sizes, crashes and restores, a 1-byte
// state budget). Kafka sources spread their records over partitions (by message key when the
// source has KEY columns, as Kafka's partitioner does) with explicit watermark steps and idle
// partitions among them. Shrinking works on these values, so a failure shrinks to a short stream.

import fc from 'fast-check';
import type { SourceDef } from '../../catalog/catalog.js';
import type { SqlType } from '../../catalog/types.js';
import { parseTimestamp } from '../../catalog/timestamp.js';
import type { GenExpr, Literal } from './expr.js';
import type { SourceGenSpec } from './spec.js';
import { isKafkaDef, messageKey } from '../load-inputs.js';
import { METADATA_COLUMNS, valueColumns } from '../../connectors/kafka/record.js';

/** JSON values of a record (timestamps as ISO text, structs as objects). */
export type Json = null | boolean | number | string | { readonly [k: string]: Json };

/**
 * One entry of a source, in arrival order: a row, a malformed record (raw text), or (Kafka
 * sources) a watermark step or an idle partition. Kafka records carry their partition, their
 * message key (from the KEY columns) and the message value's text (the value columns).
 */
export type Item =
  | { readonly kind: 'row'; readonly values: Readonly<Record<string, Json>>; readonly ms: number | undefined; readonly kafka?: KafkaMeta }
  | { readonly kind: 'raw'; readonly text: string; readonly kafka?: KafkaMeta }
  /** The source's watermark moves to `ms` (every partition's, or `partition`'s). */
  | { readonly kind: 'watermark'; readonly ms: number; readonly partition?: number }
  | { readonly kind: 'idle'; readonly partition: number };

export interface KafkaMeta {
  readonly partition: number;
  readonly key: string | null;
  /** The message value: the row's value columns as JSON (KEY and metadata columns aside). */
  readonly value: string;
}

/** The second way a case runs its stream; its output must equal the first run's. */
export type SecondWay = { readonly kind: 'batches'; readonly sizes: readonly number[] } | { readonly kind: 'restore'; readonly checkpointEvery: number; readonly crashAt: readonly number[] } | { readonly kind: 'budget' };

export interface Scenario {
  /** Per source name, records in arrival order. */
  readonly streams: Readonly<Record<string, readonly Item[]>>;
  /** Batch sizes, cycled. */
  readonly sizes: readonly number[];
  /** Whose turn: index (mod open sources) per batch, cycled; long runs of one source are idle stretches of the others. */
  readonly turns: readonly number[];
  readonly second: SecondWay;
}

/** Event times start here (UTC). */
export const BASE_MS = Date.UTC(2024, 4, 20, 10, 0, 0);

/** ISO-8601 in UTC, without `.000` on a whole second (as sluice test prints timestamps). */
const toIso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A JSON value of a literal from a generator, in the column's type. */
function literalJson(v: Literal, type: SqlType): Json {
  if (v === null) return null;
  if (type.kind === 'varchar') return String(v);
  if (type.kind === 'timestamp') return toIso(parseTimestamp(v as string | number)! / 1000);
  return v;
}

/** The default values of a type (small domains, so keys repeat and joins match). */
function typeArb(type: SqlType): fc.Arbitrary<Json> {
  switch (type.kind) {
    case 'varchar':
      return fc.constantFrom('a', 'b', 'c', 'd');
    case 'int':
    case 'bigint':
      return fc.integer({ min: -50, max: 100 });
    case 'double':
      return fc.oneof(
        fc.integer({ min: -100, max: 100 }),
        fc.double({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }).map((d) => Math.round(d * 1000) / 1000 + 0),
      );
    case 'boolean':
      return fc.boolean();
    case 'timestamp':
      return fc.integer({ min: 0, max: 600 }).map((s) => toIso(BASE_MS + s * 1000));
    case 'struct':
      return fc.record(Object.fromEntries(type.fields.map((f) => [f.name, fc.option(typeArb(f.type), { freq: 8 })]))) as fc.Arbitrary<Json>;
    default:
      return fc.constant(null);
  }
}

/** A column's values: its override, else its type's defaults; NULL about one time in eight unless not_null. */
export function columnArb(type: SqlType, gen: GenExpr | undefined, column: string): fc.Arbitrary<Json> {
  if (gen?.kind === 'not_null') return valuesArb(type, gen.inner, column);
  return fc.option(valuesArb(type, gen, column), { freq: 8 });
}

function valuesArb(type: SqlType, gen: GenExpr | undefined, column: string): fc.Arbitrary<Json> {
  if (gen === undefined) return typeArb(type);
  switch (gen.kind) {
    case 'not_null':
      return valuesArb(type, gen.inner, column);
    case 'one_of':
      return fc.constantFrom(...gen.values.map((v) => literalJson(v, type)));
    case 'always':
      return fc.constant(literalJson(gen.value, type));
    case 'keys':
      return fc.integer({ min: 1, max: gen.count }).map((k) => (type.kind === 'varchar' ? `${column}_${k}` : k));
    case 'between':
      if (type.kind === 'double') {
        return fc.oneof(fc.integer({ min: Math.ceil(gen.lo), max: Math.floor(gen.hi) }), fc.double({ min: gen.lo, max: gen.hi, noNaN: true }).map((d) => Math.min(gen.hi, Math.max(gen.lo, Math.round(d * 1000) / 1000)) + 0));
      }
      return fc.integer({ min: gen.lo, max: gen.hi });
  }
}

/** Malformed records of a source: bad JSON, a wrong type, a missing event time. */
function malformedArb(def: SourceDef): fc.Arbitrary<{ readonly kind: 'raw'; readonly text: string }> {
  const kinds: Array<fc.Arbitrary<string>> = [fc.constantFrom('{"broken": ', 'not json at all')];
  const numeric = def.columns.find((c) => c.type.kind === 'int' || c.type.kind === 'double' || c.type.kind === 'bigint');
  if (numeric) kinds.push(fc.constant(JSON.stringify({ [numeric.name]: 'not a number' })));
  if (def.watermark) kinds.push(fc.constant(JSON.stringify({ [def.watermark.column]: null })));
  return fc.oneof(...kinds).map((text) => ({ kind: 'raw' as const, text }));
}

/**
 * A source's records. The event time of row i is the in-order clock (steps that add up to
 * about `spreadMs`) minus a jitter within the delay, or, now and then, far behind it (late);
 * a step can also be a long jump (after an idle stretch) or zero (ties); a row is sometimes
 * sent twice (duplicates).
 */
export function sourceArb(def: SourceDef, spec: SourceGenSpec): fc.Arbitrary<Item[]> {
  const ts = def.watermark?.column;
  const delayMs = (def.watermark?.delayMicros ?? 0) / 1000;
  const step = niceStep(spec.spreadMs / spec.rows);
  const kafka = isKafkaDef(def);
  // A Kafka message's metadata columns come from the message, not from generated values.
  const meta = new Set<string>(kafka ? METADATA_COLUMNS : []);
  const cols = def.columns.filter((c) => c.name !== ts && !meta.has(c.name.toLowerCase()));
  const rowArb = fc.record(Object.fromEntries(cols.map((c) => [c.name, columnArb(c.type, spec.columns.get(c.name), c.name)])));
  const entry = fc.record({
    values: rowArb,
    step: fc.oneof({ arbitrary: fc.constantFrom(0, step, step, 2 * step), weight: 8 }, { arbitrary: fc.integer({ min: 0, max: 3 * step }), weight: 2 }, { arbitrary: fc.constant(10 * step), weight: 1 }),
    jitter: fc.oneof({ arbitrary: fc.constantFrom(0, 0, delayMs), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: Math.floor(delayMs) }), weight: 1 }),
    // Rare events come second in a oneof, so shrinking moves towards the plain case.
    late: rarely(12),
    dup: rarely(12),
    bad: fc.tuple(fc.nat(14), malformedArb(def)).map(([i, m]) => (i === 14 ? m : undefined)),
  });
  const partitioned = kafka && ts !== undefined;
  // Kafka: the record's partition (without KEY columns), and now and then a watermark step
  // (ahead of the rows by 0-3 steps, for one partition or all) or an idle partition before it.
  // Drawn for Kafka sources only, so other sources' streams stay as a seed made them before.
  const kafkaEntry = fc.record({
    part: fc.nat(2),
    mark: partitioned ? fc.tuple(fc.nat(9), fc.constantFrom(0, step, 3 * step), fc.option(fc.nat(2), { freq: 2 })).map(([i, ahead, p]) => (i === 9 ? { ahead, p } : undefined)) : fc.constant(undefined),
    idle: partitioned ? fc.tuple(fc.nat(9), fc.nat(2)).map(([i, p]) => (i === 9 ? p : undefined)) : fc.constant(undefined),
  });
  type KafkaDraw = { readonly part: number; readonly mark: { ahead: number; p: number | null } | undefined; readonly idle: number | undefined };
  const none: KafkaDraw = { part: 0, mark: undefined, idle: undefined };
  const arb = kafka
    ? fc.record({ entries: fc.array(fc.tuple(entry, kafkaEntry), { maxLength: spec.rows, size: 'max' }), partitions: fc.integer({ min: 1, max: 3 }) })
    : fc.array(entry, { maxLength: spec.rows, size: 'max' }).map((entries) => ({ entries: entries.map((e) => [e, none] as const), partitions: 1 }));
  return arb.map(({ entries: drawn, partitions }) => {
    const out: Item[] = [];
    const keyCols = def.columns.filter((c) => c.key);
    const inValue = valueColumns(def.columns).map((c) => c.name);
    const kafkaOf = (values: Readonly<Record<string, Json>> | undefined, part: number, text?: string): KafkaMeta | undefined => {
      if (!kafka) return undefined;
      const key = values && keyCols.length > 0 ? messageKey(keyCols, values) : null;
      // With a key, its partition is a hash of it (as Kafka's default partitioner), so one key's records keep their order.
      const partition = key !== null && key !== undefined ? hash(key) % partitions : part % partitions;
      const value = text ?? JSON.stringify(Object.fromEntries(inValue.filter((c) => values && c in values).map((c) => [c, values![c]!])));
      return { partition, key: key ?? null, value };
    };
    const taken = new Map<string, string>();
    let clock = 0;
    for (const [r, k] of drawn) {
      clock += r.step;
      // One partition idle is the whole source idle: its watermark jumps to the wall clock and every later row is late, so only with several.
      if (partitions > 1 && k.idle !== undefined) out.push({ kind: 'idle', partition: k.idle % partitions });
      if (k.mark !== undefined) {
        out.push({ kind: 'watermark', ms: BASE_MS + clock - delayMs + k.mark.ahead, ...(k.mark.p !== null ? { partition: k.mark.p % partitions } : {}) });
      }
      let ms: number | undefined;
      const values: Record<string, Json> = { ...r.values };
      if (ts !== undefined) {
        ms = BASE_MS + clock - Math.min(r.jitter, delayMs);
        if (r.late) ms -= delayMs + 2 * step + 1000; // behind the watermark
        // A declared unique key with the event time: another row of the key moves on to the next free millisecond.
        if (spec.unique.includes(ts)) while (clash(taken, spec.unique, values, ms)) ms++;
        values[ts] = toIso(ms);
      }
      // A unique key without it: a second row of the key is left out.
      if (spec.unique.length > 0 && (ts === undefined || !spec.unique.includes(ts)) && clash(taken, spec.unique, values, ms ?? 0)) continue;
      const ordered = orderLike(def, values);
      const km = kafkaOf(ordered, k.part);
      const item: Item = { kind: 'row', values: ordered, ms, ...(km ? { kafka: km } : {}) };
      out.push(item);
      if (r.dup) out.push(item);
      if (r.bad) {
        const kb = kafkaOf(undefined, k.part, r.bad.text);
        out.push(kb ? { ...r.bad, kafka: kb } : r.bad);
      }
    }
    return out;
  });
}

/**
 * The largest round step (1, 2, 2.5 or 5 times a power of ten ms) at most `ms`: event times then
 * fall on whole seconds and window bounds, where the watermark rules have their edge cases.
 */
function niceStep(ms: number): number {
  let best = 1;
  for (let p = 1; p <= 1e9; p *= 10) for (const m of [1, 2, 2.5, 5]) if (m * p <= ms && Number.isInteger(m * p)) best = m * p;
  return best;
}

/** A stable hash of a message key (FNV-1a), for its partition. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** True about one time in `n`, shrinking to false. */
const rarely = (n: number): fc.Arbitrary<boolean> => fc.nat(n - 1).map((i) => i === n - 1);

/** Whether another row already holds the unique key of `values` at `ms`; claims it when not. */
function clash(taken: Map<string, string>, unique: readonly string[], values: Readonly<Record<string, Json>>, ms: number): boolean {
  const key = JSON.stringify(unique.map((c) => (c in values ? values[c] : ms)));
  const row = JSON.stringify(values);
  const holder = taken.get(key);
  if (holder !== undefined && holder !== row) return true;
  taken.set(key, row);
  return false;
}

/** The values keyed in the source's column order (how a fixture lists them). */
function orderLike(def: SourceDef, values: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const c of def.columns) if (c.name in values) out[c.name] = values[c.name]!;
  return out;
}

export const secondWayArb: fc.Arbitrary<SecondWay> = fc.oneof(
  fc.record({ kind: fc.constant('batches' as const), sizes: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('restore' as const), checkpointEvery: fc.integer({ min: 1, max: 3 }), crashAt: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 3 }) }),
  fc.constant({ kind: 'budget' as const }),
);

/** A whole case: every source's stream and the run's shape. */
export function scenarioArb(sources: ReadonlyArray<{ def: SourceDef; spec: SourceGenSpec }>): fc.Arbitrary<Scenario> {
  return fc.record({
    streams: fc.record(Object.fromEntries(sources.map((s) => [s.def.name, sourceArb(s.def, s.spec)]))) as fc.Arbitrary<Record<string, Item[]>>,
    sizes: fc.array(fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 20 })), { minLength: 1, maxLength: 4 }),
    turns: fc.array(fc.nat(7), { minLength: 1, maxLength: 8 }),
    second: secondWayArb,
  });
}
