// CREATE TABLE and the joins with a table: the DDL's checks (connector, PRIMARY KEY, a Kafka
// table's key, follow), a table read as a stream refused, the temporal join's and the lookup
// join's refusals with position, caret and hint, keys ordered on the primary key, EXPLAIN,
// the round trip of the new syntax, SHOW TABLES / DESCRIBE, and compare's exclusion of a lookup
// join against a Kafka table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { explainPlan } from '../../../src/plan/explain.js';
import type { LookupJoinNode, PhysicalPlan, TemporalJoinNode } from '../../../src/plan/physical.js';
import { SqlError } from '../../../src/sql/diagnostics.js';
import { parseScript, parseStatement, printStatement } from '../../../src/sql/index.js';
import { checkJob, ExcludedFromCompareError } from '../../../src/oracle/check-job.js';
import { showStatement, describeStatement } from '../../../src/repl/statements.js';
import { translatePlan } from '../../../src/oracle/index.js';

const TABLES = `CREATE SOURCE s (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 's.jsonl');
CREATE SOURCE nt (k VARCHAR, ts TIMESTAMP) WITH (connector = 'file', path = 'nt.jsonl');
CREATE TABLE kt (k VARCHAR, rate DOUBLE, ts TIMESTAMP, PRIMARY KEY (k), WATERMARK FOR ts AS ts) WITH (connector = 'kafka', topic = 'rates');
CREATE TABLE meta (k VARCHAR, building VARCHAR, PRIMARY KEY (k)) WITH (connector = 'file', path = 'meta.csv', format = 'csv');
CREATE TABLE nopk (k VARCHAR, building VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'nopk.jsonl');
`;

function load(sql: string) {
  return loadScriptText(TABLES + sql, 'job.sql', process.cwd(), new Catalog());
}

function plan(sql: string): PhysicalPlan {
  const s = load(sql);
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
}

const sink = (q: string) => `CREATE SINK o WITH (connector = 'stdout') AS ${q};`;
const LINE = 6;

function diag(sql: string): { message: string; line: number; column: number; hint: string | undefined; rendered: string } {
  try {
    plan(sql);
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a diagnostic, got ${String(e)}`);
    const d = e.diagnostics[0]!;
    return { message: d.message, line: d.span.start.line, column: d.span.start.column, hint: d.hint, rendered: e.render() };
  }
  assert.fail(`expected an error for: ${sql}`);
}

test('CREATE TABLE: a Kafka table is an upsert changelog keyed by its PRIMARY KEY (made the message key), a file table is bounded', () => {
  const s = load('');
  const kt = s.catalog.sources.get('kt')!;
  assert.deepEqual(kt.table, { primaryKey: ['k'], upsert: true });
  assert.equal(kt.columns.find((c) => c.name === 'k')!.key, true);
  assert.deepEqual(s.catalog.sources.get('meta')!.table, { primaryKey: ['k'], upsert: false });
  assert.deepEqual(s.catalog.sources.get('nopk')!.table, { primaryKey: [], upsert: false });
});

test('CREATE TABLE refusals: a generated table, a Kafka table without PRIMARY KEY, an unknown key column, a followed file', () => {
  const cases: Array<[string, string, string]> = [
    [`CREATE TABLE g (k VARCHAR) WITH (connector = 'datagen', generator = 'sensors');`, "not the 'datagen' connector", 'CREATE SOURCE'],
    [`CREATE TABLE k2 (k VARCHAR, v INT) WITH (connector = 'kafka', topic = 't');`, 'needs a PRIMARY KEY', 'PRIMARY KEY (id)'],
    [`CREATE TABLE k3 (k VARCHAR, v INT, PRIMARY KEY (kk)) WITH (connector = 'file', path = 'x.csv');`, "unknown column 'kk' in PRIMARY KEY", "did you mean 'k'?"],
    [`CREATE TABLE k4 (k VARCHAR) WITH (connector = 'file', path = 'x.csv', follow = 'true');`, 'cannot follow a growing file', 'Kafka topic'],
    [`CREATE TABLE k5 (k VARCHAR KEY, j VARCHAR KEY, PRIMARY KEY (k)) WITH (connector = 'kafka', topic = 't');`, "'j' is marked KEY but is not in the PRIMARY KEY", 'PRIMARY KEY'],
  ];
  for (const [sql, message, hint] of cases) {
    const d = diag(sql);
    assert.ok(d.message.includes(message), `${sql}: ${d.message}`);
    assert.ok(d.hint?.includes(hint), `${sql}: hint ${d.hint}`);
    assert.match(d.rendered, /\^/);
  }
});

test('a table is joined, not read as a stream; FOR SYSTEM_TIME AS OF needs a table', () => {
  let d = diag(sink('SELECT k FROM meta'));
  assert.equal(d.message, "'meta' is a table: it is joined with a stream, not read as one");
  assert.equal(d.line, LINE);
  assert.equal(d.column, sink('SELECT k FROM meta').indexOf('meta') + 1);
  d = diag(sink('SELECT s.k FROM s JOIN nt FOR SYSTEM_TIME AS OF s.ts ON s.k = nt.k'));
  assert.ok(d.message.startsWith('FOR SYSTEM_TIME AS OF joins a table'), d.message);
  assert.ok(d.hint?.includes('CREATE TABLE'));
});

test('temporal join: keys on the primary key, the stream and table times, EXPLAIN with what waits and how long', () => {
  const p = plan(sink('SELECT s.k, s.v, r.rate FROM s JOIN kt FOR SYSTEM_TIME AS OF s.ts AS r ON r.k = s.k AND r.rate > 1'));
  const j = p.nodes.find((n): n is TemporalJoinNode => n.kind === 'temporalJoin')!;
  assert.equal(j.joinType, 'inner');
  assert.equal(j.leftKeys.length, 1);
  assert.ok(j.residual);
  assert.notEqual(j.deletedInput, undefined);
  const text = explainPlan(p);
  assert.match(text, /TemporalJoin #\d+ INNER table=kt keys=\[stream k = table k\]; residual rate > 1 \(on the table row found\); as of stream\.ts: the version with the latest table\.ts <= ts \(a tombstone: none\); stream rows wait until the watermark passes ts/);
  assert.match(text, /watermark min\(stream, table\), append-only/);
});

test('EXPLAIN: the state of a file table is bounded by the file (no warning), of a Kafka table UNBOUNDED with the warning; pending rows empty once the table is loaded', () => {
  const file = explainPlan(plan(sink('SELECT s.k, m.building FROM s LEFT JOIN meta AS m ON s.k = m.k')));
  assert.match(file, /state table: keyed \(join key → the table's rows \(one per primary key\)\), bounded by the file: its rows, loaded once\n/);
  assert.match(file, /state pending: time-keyed \(join key → stream rows waiting until the table is loaded\), bounded: the stream rows that came before the table was loaded, emptied at the first watermark after it is\n/);
  assert.doesNotMatch(file, /warning|UNBOUNDED|expires behind/);
  const hist = `CREATE TABLE hist (k VARCHAR, building VARCHAR, ts TIMESTAMP, PRIMARY KEY (k), WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'hist.jsonl');\n`;
  const versions = explainPlan(plan(hist + sink('SELECT s.k, h.building FROM s JOIN hist FOR SYSTEM_TIME AS OF s.ts AS h ON s.k = h.k')));
  assert.match(versions, /state versions: keyed \(.*\), bounded by the file: at most its rows, the versions before the watermark let go but the last\n/);
  assert.doesNotMatch(versions, /warning|UNBOUNDED/);
  const kafka = explainPlan(plan(sink('SELECT s.k, kt.rate FROM s JOIN kt FOR SYSTEM_TIME AS OF s.ts ON s.k = kt.k')));
  assert.match(kafka, /state versions: keyed \(.*\), UNBOUNDED: grows with the number of keys/);
  assert.match(kafka, /warning: TemporalJoin #\d+ keeps state that grows with its keys and never expires \(versions\)/);
  const lookup = explainPlan(plan(sink('SELECT s.k, kt.rate FROM s JOIN kt ON s.k = kt.k')));
  assert.match(lookup, /state table: keyed \(.*\), UNBOUNDED: grows with the number of keys/);
  assert.match(lookup, /warning: LookupJoin #\d+ keeps state that grows with its keys and never expires \(table\)/);
  assert.doesNotMatch(lookup, /state pending/);
});

test('temporal join refusals: AS OF another column, a table without event time or primary key, keys other than the primary key, RIGHT JOIN, a stream without event time', () => {
  const cases: Array<[string, string, string]> = [
    ['SELECT s.k FROM s JOIN kt FOR SYSTEM_TIME AS OF kt.ts ON s.k = kt.k', 'must name the event-time column of the stream', 'event time'],
    ['SELECT s.k FROM s JOIN meta FOR SYSTEM_TIME AS OF s.ts ON s.k = meta.k', "table 'meta' has no event-time column", 'WATERMARK FOR updated_at'],
    ['SELECT s.k FROM s JOIN nopk FOR SYSTEM_TIME AS OF s.ts ON s.k = nopk.k', "table 'nopk' has no PRIMARY KEY", 'PRIMARY KEY (id)'],
    ['SELECT s.k FROM s JOIN kt FOR SYSTEM_TIME AS OF s.ts ON s.k = kt.k AND s.v = kt.rate', 'must be the PRIMARY KEY of table', 'after AND'],
    ['SELECT s.k FROM s RIGHT JOIN kt FOR SYSTEM_TIME AS OF s.ts ON s.k = kt.k', 'RIGHT JOIN with table', 'always on the right'],
    ['SELECT nt.k FROM nt JOIN kt FOR SYSTEM_TIME AS OF nt.ts ON nt.k = kt.k', 'has no event-time column', 'WATERMARK'],
    ['SELECT s.k FROM s JOIN kt FOR SYSTEM_TIME AS OF s.ts ON s.v > 3', 'needs ON to equate the PRIMARY KEY', 'ON s.k'],
  ];
  for (const [q, message, hint] of cases) {
    const d = diag(sink(q));
    assert.ok(d.message.includes(message), `${q}: ${d.message}`);
    assert.ok((d.hint ?? '').includes(hint), `${q}: hint ${d.hint}`);
    assert.equal(d.line, LINE);
    assert.match(d.rendered, /\^/);
  }
});

test('lookup join: a file table waits to be loaded, a Kafka table is processing time; a join without a key only with a small file table', () => {
  const p = plan(sink('SELECT s.k, m.building FROM s LEFT JOIN meta AS m ON s.k = m.k'));
  const j = p.nodes.find((n): n is LookupJoinNode => n.kind === 'lookupJoin')!;
  assert.equal(j.bounded, true);
  assert.equal(j.joinType, 'left');
  assert.match(explainPlan(p), /LookupJoin #\d+ LEFT OUTER table=meta keys=\[stream k = table k\]; the file table is loaded whole before stream rows join it/);
  const k = plan(sink('SELECT s.k, kt.rate FROM s JOIN kt ON s.k = kt.k'));
  assert.match(explainPlan(k), /processing time: a stream row joins what the Kafka table holds when it arrives \(not comparable with DuckDB\)/);
  let d = diag(sink('SELECT s.k FROM s JOIN kt ON s.v > kt.rate'));
  assert.ok(d.message.includes('has no equality key') && d.message.includes('Kafka table'), d.message);
  assert.ok(d.hint?.includes('at most 16 MB'));
  d = diag(sink('SELECT s.k FROM s JOIN meta ON s.v > 3'));
  assert.ok(d.message.includes('cannot be read now'), d.message);
  d = diag(sink('SELECT s.k FROM s JOIN meta ON s.k = meta.building'));
  assert.ok(d.message.includes('must be the PRIMARY KEY'), d.message);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-table-'));
  try {
    writeFileSync(path.join(dir, 'ranges.csv'), 'lo,hi,label\n0,10,low\n10,100,high\n');
    const sql = `CREATE SOURCE s (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 's.jsonl');
CREATE TABLE ranges (lo INT, hi INT, label VARCHAR) WITH (connector = 'file', path = 'ranges.csv', format = 'csv');
CREATE SINK o AS SELECT s.k, r.label FROM s JOIN ranges AS r ON s.v >= r.lo AND s.v < r.hi;`;
    const s = loadScriptText(sql, 'job.sql', dir, new Catalog());
    const np = planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
    assert.match(explainPlan(np), /keys=\[\] \(nested loop over the whole table\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compare excludes a lookup join against a Kafka table, saying why', async () => {
  const s = load(sink('SELECT s.k, kt.rate FROM s JOIN kt ON s.k = kt.k'));
  await assert.rejects(checkJob(s.catalog, [...s.catalog.sinks.values()]), (e: unknown) => {
    assert.ok(e instanceof ExcludedFromCompareError);
    assert.match(e.message, /^excluded from compare: the lookup join with Kafka table 'kt' has processing-time semantics/);
    return true;
  });
});

test('the oracle: ASOF LEFT JOIN for a temporal join, JOIN over the last row per key for a lookup join', () => {
  const t = plan(sink('SELECT s.k, kt.rate FROM s LEFT JOIN kt FOR SYSTEM_TIME AS OF s.ts ON s.k = kt.k'));
  const sqlT = translatePlan(t, t.sinks[0]!);
  assert.match(sqlT, /ASOF LEFT JOIN/);
  assert.match(sqlT, /s\.__lt >= v\.__rt/);
  assert.match(sqlT, /NOT coalesce\(a\.r\d+, false\)/);
  const l = plan(sink('SELECT s.k, meta.building FROM s JOIN meta ON s.k = meta.k'));
  assert.match(translatePlan(l, l.sinks[0]!), /QUALIFY row_number\(\) OVER \(PARTITION BY t\.c0 ORDER BY t\.__seq DESC\) = 1/);
});

test('round trip: CREATE TABLE with PRIMARY KEY and WATERMARK, FOR SYSTEM_TIME AS OF with an alias, SHOW TABLES, DROP TABLE', () => {
  const text = `CREATE TABLE IF NOT EXISTS kt (k VARCHAR, rate DOUBLE, ts TIMESTAMP, PRIMARY KEY (k), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'kafka', topic = 'rates');
SELECT s.k, r.rate FROM s LEFT JOIN kt FOR SYSTEM_TIME AS OF s.ts AS r ON s.k = r.k;
SHOW TABLES;
DROP TABLE IF EXISTS kt`;
  const first = parseScript(text).statements.map((p) => p.statement);
  const printed = first.map(printStatement);
  const again = parseScript(printed.join(';\n')).statements.map((p) => printStatement(p.statement));
  assert.deepEqual(again, printed);
  assert.equal(printed[0], `CREATE TABLE IF NOT EXISTS kt (k VARCHAR, rate DOUBLE, ts TIMESTAMP, PRIMARY KEY (k), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'kafka', topic = 'rates')`);
  assert.equal(printed[1], 'SELECT s.k, r.rate FROM s LEFT JOIN kt FOR SYSTEM_TIME AS OF s.ts AS r ON s.k = r.k');
});

test('SHOW TABLES lists tables (not sources) with their keys; DESCRIBE says table and primary key', () => {
  const s = load('');
  const shown = showStatement(s.catalog, 'tables').map((o) => JSON.stringify(o)).join('\n');
  assert.match(shown, /kt {2}\(kafka, primary key k, watermark on ts\)/);
  assert.match(shown, /meta {2}\(file, primary key k\)/);
  assert.doesNotMatch(showStatement(s.catalog, 'sources').map((o) => JSON.stringify(o)).join('\n'), /meta/);
  const stmt = parseStatement('DESCRIBE kt');
  assert.ok(stmt.kind === 'describe');
  assert.match(JSON.stringify(describeStatement(s.catalog, stmt, 'DESCRIBE kt')), /table kt \(primary key k: the message key, latest value per key\)/);
});
