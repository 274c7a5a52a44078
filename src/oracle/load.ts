// Loads what the engine read into DuckDB: each source's admitted rows into `src_<id>` (visible
// columns plus `__seq`, the row id from the hidden $ref column) and each operator's late drops
// into `late_<id>(seq, window_start)`, seq encoded as translate.ts's seqEncoding says. Uses the
// appender: row-at-a-time INSERTs are far too slow.

import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  INTEGER,
  STRUCT,
  TIMESTAMP,
  VARCHAR,
  DuckDBTimestampValue,
  structValue,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { SqlType, Value } from '../catalog/types.js';
import type { LateEvent, RecordRef } from '../exec/operator.js';
import type { PhysicalPlan, SourceNode } from '../plan/physical.js';
import { defaultTables, encodeSeq, seqEncoding, type OracleTables, type SeqEncoding } from './translate.js';
import { duckTypeSql, quoteIdent } from './sql-types.js';

export async function loadInputs(
  conn: DuckDBConnection,
  plan: PhysicalPlan,
  sourceRows: ReadonlyMap<number, readonly (readonly unknown[])[]>,
  late: readonly LateEvent[],
): Promise<OracleTables> {
  const sourceIds = new Set<number>();
  const lateByNode = new Map<number, LateEvent[]>();
  for (const n of plan.nodes) if (n.kind === 'source') sourceIds.add(n.id);
  for (const e of late) {
    // A source reports nothing it admitted: its drops are already absent from sourceRows.
    if (sourceIds.has(e.operator)) continue;
    let list = lateByNode.get(e.operator);
    if (!list) lateByNode.set(e.operator, (list = []));
    list.push(e);
  }
  const tables = defaultTables(lateByNode.keys());
  for (const n of plan.nodes) {
    if (n.kind === 'source') await loadSource(conn, n, sourceRows.get(n.id) ?? [], tables.source(n.id));
  }
  const enc = seqEncoding(plan);
  for (const [id, events] of lateByNode) await loadLate(conn, id, events, tables.late(id) ?? `late_${id}`, enc);
  return tables;
}

async function loadSource(conn: DuckDBConnection, n: SourceNode, rows: readonly (readonly unknown[])[], table: string): Promise<void> {
  const cols = n.schema.map((c, k) => ({ c, k })).filter(({ c }) => !c.hidden);
  const del = n.deletedColumn;
  const defs = [...cols.map(({ c }) => `${quoteIdent(c.name)} ${duckTypeSql(c.type)}`), '__seq BIGINT', ...(del !== undefined ? ['__deleted BOOLEAN'] : [])];
  await conn.run(`CREATE OR REPLACE TABLE ${quoteIdent(table)} (${defs.join(', ')})`);
  const app = await conn.createAppender(table);
  try {
    const appenders = cols.map(({ c }) => columnAppender(app, c.type, c.name));
    rows.forEach((row, index) => {
      cols.forEach(({ k }, j) => appenders[j]!(row[k]));
      app.appendBigInt(BigInt(rowSeq(n, row, index)));
      if (del !== undefined) app.appendBoolean(row[del] === true);
      app.endRow();
    });
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

/** The row id: the seq of the RecordRef in the hidden $ref column, else the arrival index. */
function rowSeq(n: SourceNode, row: readonly unknown[], index: number): number {
  if (n.refColumn === undefined) return index;
  const ref = row[n.refColumn];
  if (!isRecordRef(ref)) throw new Error(`oracle: source node ${n.id} row ${index} has no RecordRef in its $ref column`);
  return ref.seq;
}

function isRecordRef(v: unknown): v is RecordRef {
  return typeof v === 'object' && v !== null && typeof (v as { seq?: unknown }).seq === 'number';
}

async function loadLate(conn: DuckDBConnection, nodeId: number, events: readonly LateEvent[], table: string, enc: SeqEncoding): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE ${quoteIdent(table)} (seq BIGINT, window_start BIGINT)`);
  const app = await conn.createAppender(table);
  try {
    for (const e of events) {
      if (!e.ref) {
        throw new Error(
          `oracle: node ${nodeId} dropped a late row without provenance (${e.reason}); ` +
            'the oracle cannot tell which row to exclude: run with provenance tracking on',
        );
      }
      app.appendBigInt(BigInt(encodeSeq(enc, e.ref.source, e.ref.seq)));
      if (e.windowStart === undefined) app.appendNull();
      else app.appendBigInt(BigInt(e.windowStart));
      app.endRow();
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

type Append = (v: unknown) => void;

function columnAppender(app: DuckDBAppender, t: SqlType, name: string): Append {
  const bad = (v: unknown): never => {
    throw new Error(`oracle: column ${name} of type ${duckTypeSql(t)} holds ${JSON.stringify(v)}`);
  };
  const nullable =
    (f: (v: unknown) => void): Append =>
    (v) => {
      if (v === null || v === undefined) app.appendNull();
      else f(v);
    };
  switch (t.kind) {
    case 'boolean':
      return nullable((v) => (typeof v === 'boolean' ? app.appendBoolean(v) : bad(v)));
    case 'int':
      return nullable((v) => (typeof v === 'number' ? app.appendInteger(v) : bad(v)));
    case 'bigint':
      return nullable((v) => (typeof v === 'number' ? app.appendBigInt(BigInt(Math.trunc(v))) : bad(v)));
    case 'double':
      return nullable((v) => (typeof v === 'number' ? app.appendDouble(v) : bad(v)));
    case 'varchar':
      return nullable((v) => (typeof v === 'string' ? app.appendVarchar(v) : bad(v)));
    case 'timestamp':
      return nullable((v) => (typeof v === 'number' ? app.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.trunc(v)))) : bad(v)));
    case 'struct': {
      const dt = duckType(t);
      return nullable((v) => app.appendValue(toDuckValue(v as Value, t), dt));
    }
    case 'null':
      return () => app.appendNull();
    case 'interval':
      return nullable((v) => bad(v));
  }
}

function duckType(t: SqlType): DuckDBType {
  switch (t.kind) {
    case 'boolean':
      return BOOLEAN;
    case 'int':
    case 'null':
      return INTEGER;
    case 'bigint':
      return BIGINT;
    case 'double':
      return DOUBLE;
    case 'varchar':
      return VARCHAR;
    case 'timestamp':
      return TIMESTAMP;
    case 'interval':
      throw new Error('oracle: an INTERVAL column cannot be loaded');
    case 'struct': {
      const entries: Record<string, DuckDBType> = {};
      for (const f of t.fields) entries[f.name] = duckType(f.type);
      return STRUCT(entries);
    }
  }
}

function toDuckValue(v: Value, t: SqlType): DuckDBValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') {
    if (t.kind !== 'struct') throw new Error(`oracle: ${duckTypeSql(t)} value expected, got ${JSON.stringify(v)}`);
    const entries: Record<string, DuckDBValue> = {};
    for (const f of t.fields) entries[f.name] = toDuckValue(v[f.name] ?? null, f.type);
    return structValue(entries);
  }
  if (typeof v === 'number' && t.kind === 'bigint') return BigInt(Math.trunc(v));
  if (typeof v === 'number' && t.kind === 'timestamp') return new DuckDBTimestampValue(BigInt(Math.trunc(v)));
  return v;
}
