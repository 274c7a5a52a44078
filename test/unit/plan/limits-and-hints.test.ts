// Planner limits and mended messages: the HOP window limit (both forms), SET options checked in
// the one place both the REPL and `sluice run` apply them, typed literals, and hints that point
// only at what exists (MEDIAN is not MEAN, DESC is not ASC, the LAG hint is a whole sentence).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { explainPlan } from '../../../src/plan/explain.js';
import { SqlError } from '../../../src/sql/diagnostics.js';
import { MAX_HOP_WINDOWS_PER_ROW } from '../../../src/plan/window-args.js';
import { Session } from '../../../src/repl/session.js';

const SOURCE = `CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'x.jsonl', format = 'jsonl');
`;

function plan(sql: string): string {
  const s = loadScriptText(SOURCE + sql, 'job.sql', process.cwd(), new Catalog());
  return explainPlan(planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false }));
}

function diag(sql: string): { message: string; line: number; column: number; width: number; expected: string | undefined; hint: string | undefined } {
  try {
    plan(sql);
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a diagnostic, got ${String(e)}`);
    const d = e.diagnostics[0]!;
    return { message: d.message, line: d.span.start.line, column: d.span.start.column, width: d.span.end.column - d.span.start.column, expected: d.expected, hint: d.hint };
  }
  assert.fail(`expected an error for: ${sql}`);
}

test('HOP in GROUP BY: more windows per row than the limit is refused at its slide and size, with a hint', () => {
  const d = diag('CREATE SINK s AS SELECT sensor, COUNT(*) FROM raw GROUP BY sensor, HOP(ts, 1ms, 1d);');
  assert.equal(d.message, 'a HOP of size 1d sliding by 1ms puts every row into 86,400,000 windows; the limit is 10,000');
  assert.deepEqual([d.line, d.column, d.width], [3, 76, 7]);
  assert.equal(d.hint, 'raise the slide (at least 8640ms for this size), or use TUMBLE(ts, 1d) for windows that do not overlap');
  // The suggested slide is accepted; the limit itself is too.
  assert.doesNotThrow(() => plan('CREATE SINK s AS SELECT sensor, COUNT(*) FROM raw GROUP BY sensor, HOP(ts, 8640ms, 1d);'));
  assert.equal(MAX_HOP_WINDOWS_PER_ROW, 10_000);
  assert.doesNotThrow(() => plan('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY HOP(ts, 1ms, 10s);'));
  assert.match(diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY HOP(ts, 1ms, 10001ms);').message, /into 10,001 windows/);
});

test('HOP as a table function: the same limit and the same slide rule', () => {
  const d = diag('CREATE SINK s AS SELECT * FROM HOP(raw, ts, 1ms, 1d);');
  assert.match(d.message, /puts every row into 86,400,000 windows; the limit is 10,000/);
  assert.deepEqual([d.line, d.column], [3, 45]);
  assert.match(diag('CREATE SINK s AS SELECT * FROM HOP(raw, ts, 10s, 5s);').message, /the HOP slide must not exceed its size/);
});

test('SET: unknown options and bad values are refused at their position, in scripts', () => {
  const bad = diag("SET checkpoint_interval = 'banana';");
  assert.equal(bad.message, "checkpoint_interval 'banana' is not a positive duration");
  assert.deepEqual([bad.line, bad.column, bad.width], [3, 27, 8]);
  assert.match(diag("SET checkpoint_interval = '0s';").message, /not a positive duration/);
  assert.match(diag("SET checkpoint_interval = '99999999d';").message, /longer than 36500d/);
  assert.match(diag("SET state_memory = 'lots';").message, /state memory 'lots' is not a size/);
  // Refused at plan time, not only by `sluice run`: the REPL and EXPLAIN say it too.
  assert.match(diag("SET state_memory = '16MB';").message, /below the smallest budget that works/);
  const unknown = diag("SET checkpoint_intervl = '1s';");
  assert.equal(unknown.message, "unknown option 'checkpoint_intervl'");
  assert.equal(unknown.hint, 'did you mean checkpoint_interval?');
  assert.deepEqual([unknown.column, unknown.width], [5, 18]);
  assert.doesNotThrow(() => plan("SET checkpoint_interval = '500ms'; SET state_memory = '256MB'; SET state_dir = 'st'; SET kafka_retry_for = '0s';"));
  assert.match(diag("SET kafka_retry_for = 'forever';").message, /kafka_retry_for 'forever' is not a duration/);
});

test('SET in the REPL is refused the same way as in a script', async () => {
  const s = new Session({ demo: false });
  const out = (await s.submit("SET checkpoint_interval = 'banana';")).map((o) => o.text).join('\n');
  assert.match(out, /checkpoint_interval 'banana' is not a positive duration/);
  assert.match(out, /\^{8}/);
  const ok = (await s.submit("SET checkpoint_interval = '2s';")).map((o) => o.text).join('\n');
  assert.match(ok, /set checkpoint_interval = '2s'/);
});

test('typed literals: TIMESTAMP and DATE (midnight UTC), compared with the event time', () => {
  const p = plan("CREATE SINK s AS SELECT sensor, TIMESTAMP '2024-05-20 10:00:00' AS t, DATE '2024-05-21' AS d FROM raw WHERE ts >= DATE '2024-05-20';");
  assert.match(p, /TIMESTAMP '2024-05-20T10:00:00\.000Z' AS t, TIMESTAMP '2024-05-21T00:00:00\.000Z' AS d/);
  assert.match(p, /ts >= TIMESTAMP '2024-05-20T00:00:00\.000Z'/);
  // `timestamp` and `date` stay usable as names.
  assert.doesNotThrow(() => loadScriptText("CREATE SOURCE e (date VARCHAR, timestamp TIMESTAMP) WITH (connector = 'file', path = 'x.jsonl'); CREATE SINK s AS SELECT date, timestamp FROM e;", 'j.sql', process.cwd(), new Catalog()));
  const bad = diag("CREATE SINK s AS SELECT TIMESTAMP '2024-05-20 25:00' FROM raw;");
  assert.equal(bad.message, "'2024-05-20 25:00' is not a timestamp");
  assert.deepEqual([bad.column, bad.width], [35, 18]);
  assert.equal(diag("CREATE SINK s AS SELECT DATE '2024-05-20 10:00' FROM raw;").message, "'2024-05-20 10:00' is not a date");
  assert.equal(diag("CREATE SINK s AS SELECT DATE '2024-02-30' FROM raw;").message, "'2024-02-30' is not a date");
});

test("functions Sluice lacks say so, and 'did you mean' names only close, real functions", () => {
  const median = diag('CREATE SINK s AS SELECT sensor, PERCENTILE_DISC(value) FROM raw GROUP BY sensor;');
  assert.equal(median.message, 'PERCENTILE_DISC() is not supported yet');
  assert.match(median.hint ?? '', /^the aggregates are COUNT\(\), SUM\(\), AVG\(\)/);
  assert.doesNotMatch(median.hint ?? '', /did you mean/);
  assert.equal(diag('CREATE SINK s AS SELECT sensor, mode(value) FROM raw GROUP BY sensor;').message, 'MODE() is not supported yet');
  assert.equal(diag('CREATE SINK s AS SELECT lenght(sensor) FROM raw;').hint, 'did you mean LENGTH()?', 'a swap is one edit');
  assert.equal(diag('CREATE SINK s AS SELECT stdev(value) FROM raw;').hint, 'did you mean STDDEV()?');
  // Two edits from a 3-letter name is another function, not a typo.
  assert.equal(diag('CREATE SINK s AS SELECT log(value) FROM raw;').hint, undefined);
  const nth = diag('CREATE SINK s AS SELECT NTH_VALUE(value, 2) OVER (PARTITION BY sensor ORDER BY ts) FROM raw;');
  assert.equal(nth.message, 'window function NTH_VALUE() is not supported yet');
  assert.equal(nth.hint, 'the window functions are LAG, LEAD, FIRST_VALUE, LAST_VALUE and SUM/AVG/MIN/MAX/COUNT OVER (PARTITION BY k ORDER BY ts [frame])');
});

test('ORDER BY ... DESC in OVER: accepted for LAG and LEAD, refused plainly for a frame, without suggesting ASC', () => {
  assert.doesNotThrow(() => plan('CREATE SINK s AS SELECT LAG(value) OVER (PARTITION BY sensor ORDER BY ts DESC) FROM raw;'));
  const d = diag('CREATE SINK s AS SELECT SUM(value) OVER (PARTITION BY sensor ORDER BY ts DESC) FROM raw;');
  assert.equal(d.message, 'SUM OVER (... ORDER BY ts DESC) is not supported');
  assert.deepEqual([d.column, d.width], [36, 43]);
  assert.doesNotMatch(d.hint ?? '', /did you mean/);
  assert.doesNotThrow(() => plan('CREATE SINK s AS SELECT LAG(value) OVER (PARTITION BY sensor ORDER BY ts ASC) FROM raw;'));
});

test('window offsets: both forms accept one, normalise a negative one, and refuse one of a whole size or slide', () => {
  assert.match(plan('CREATE SINK s AS SELECT sensor, COUNT(*) FROM raw GROUP BY sensor, TUMBLE(ts, 1d, INTERVAL \'8\' HOUR);'), /TUMBLE\(ts, 1d, offset 8h\)/);
  assert.match(plan('CREATE SINK s AS SELECT sensor, COUNT(*) FROM raw GROUP BY sensor, TUMBLE(ts, 1d, -16h);'), /TUMBLE\(ts, 1d, offset 8h\)/);
  assert.match(plan("CREATE SINK s AS SELECT sensor, COUNT(*) FROM raw GROUP BY sensor, TUMBLE(ts, 1d, -INTERVAL '16' HOUR);"), /TUMBLE\(ts, 1d, offset 8h\)/);
  assert.match(plan('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY HOP(ts, 5s, 10s, 2s);'), /HOP\(ts, 5s, 10s, offset 2s\)/);
  assert.match(plan('CREATE SINK s AS SELECT * FROM TUMBLE(raw, ts, 10s, 3s);'), /TUMBLE\(ts, 10s, offset 3s\)/);
  assert.match(plan('CREATE SINK s AS SELECT * FROM HOP(raw, ts, 5s, 10s, -1s);'), /HOP\(ts, 5s, 10s, offset 4s\)/);
  // An offset of zero is the epoch alignment, printed as before.
  assert.match(plan('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY TUMBLE(ts, 10s, 0s);'), /TUMBLE\(ts, 10s\) /);

  const whole = diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY TUMBLE(ts, 10s, 10s);');
  assert.equal(whole.message, 'the TUMBLE offset 10s is not smaller than the window size 10s');
  assert.equal(whole.hint, 'an offset of whole sizes moves no window: leave it out');
  assert.deepEqual([whole.line, whole.column, whole.width], [3, 68, 3]);
  const over = diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY TUMBLE(ts, 10s, -13s);');
  assert.equal(over.message, 'the TUMBLE offset -13s is not smaller than the window size 10s');
  assert.equal(over.hint, 'windows start at offset + k * size, so use the remainder 7s');
  assert.equal(diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY HOP(ts, 5s, 10s, 7s);').message, 'the HOP offset 7s is not smaller than the window slide 5s');
  assert.equal(diag('CREATE SINK s AS SELECT * FROM HOP(raw, ts, 5s, 10s, 5s);').message, 'the HOP offset 5s is not smaller than the window slide 5s');
  const unitless = diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY TUMBLE(ts, 10s, 3);');
  assert.equal(unitless.message, 'the TUMBLE offset must be a duration');
  assert.equal(unitless.hint, 'add a unit: 3s for 3 seconds');
  assert.equal(diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY TUMBLE(ts, 10s, 1s, 2s);').message, 'TUMBLE takes 2 or 3 arguments');
  assert.equal(diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY SESSION(ts, 10s, 1s);').message, 'SESSION takes 2 arguments');
  assert.match(diag('CREATE SINK s AS SELECT * FROM TUMBLE(raw, ts, 10s, 1s, 1s);').message, /TUMBLE takes 3 or 4 arguments, got 5/);
});

test('CUMULATE: planned with its step, size and offset; a size that is not a multiple of the step is refused', () => {
  assert.match(plan('CREATE SINK s AS SELECT sensor, window_start, window_end, COUNT(*) FROM raw GROUP BY sensor, CUMULATE(ts, 1h, 1d);'), /WindowAggregate #\d+ CUMULATE\(ts, 1h, 1d\)/);
  assert.match(plan('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY CUMULATE(ts, 1h, 1d, -16h);'), /CUMULATE\(ts, 1h, 1d, offset 8h\)/);
  const d = diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY CUMULATE(ts, 3s, 10s);');
  assert.equal(d.message, 'the CUMULATE size 10s is not a multiple of its step 3s');
  assert.equal(d.hint, 'the windows grow by whole steps up to the size: e.g. CUMULATE(ts, 3s, 9s) or CUMULATE(ts, 3s, 12s)');
  assert.deepEqual([d.line, d.column, d.width], [3, 65, 7]);
  assert.equal(diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY CUMULATE(ts, 20s, 10s);').message, 'the CUMULATE step must not exceed its size');
  assert.equal(diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY CUMULATE(ts, 1ms, 1d);').message, 'a CUMULATE of size 1d in steps of 1ms puts a row into up to 86,400,000 windows; the limit is 10,000');
  assert.equal(diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY CUMULATE(ts, 1s, 10s, 10s);').message, 'the CUMULATE offset 10s is not smaller than the window size 10s');
  assert.equal(diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY CUMULATE(ts, 1s);').message, 'CUMULATE takes 3 or 4 arguments');
});

test('CUMULATE as a table function: planned like the GROUP BY form; grouping by window_start alone is refused', () => {
  assert.match(plan('CREATE SINK s AS SELECT window_start, window_end, COUNT(*) FROM CUMULATE(raw, ts, 2s, 10s) GROUP BY window_start, window_end;'), /CUMULATE\(ts, 2s, 10s\)/);
  assert.match(plan('CREATE SINK s AS SELECT sensor, window_start, window_end FROM CUMULATE(raw, ts, 2s, 10s, -1s);'), /CUMULATE\(ts, 2s, 10s, offset 9s\)/);
  const d = diag('CREATE SINK s AS SELECT window_start, COUNT(*) FROM CUMULATE(raw, ts, 2s, 10s) GROUP BY window_start;');
  assert.equal(d.message, 'a CUMULATE table function must be grouped by window_end: its windows of one cumulation share window_start');
  assert.equal(d.hint, 'GROUP BY window_start, window_end');
  assert.equal(diag('CREATE SINK s AS SELECT * FROM CUMULATE(raw, ts, 3s, 10s);').message, 'the CUMULATE size 10s is not a multiple of its step 3s');
  assert.match(diag('CREATE SINK s AS SELECT * FROM CUMULATE(raw, ts, 3s);').message, /CUMULATE takes 4 or 5 arguments, got 3/);
});

test('window_time: the event time of a windowed result, so a view over it can window again', () => {
  const view = 'CREATE VIEW v AS SELECT sensor, window_start, window_end, window_time, COUNT(*) AS n FROM raw GROUP BY sensor, TUMBLE(ts, 10s);\n';
  const p = plan(view + 'CREATE SINK s AS SELECT sensor, window_start, window_time, SUM(n) AS n FROM v GROUP BY sensor, TUMBLE(window_time, 1m);');
  assert.match(p, /WindowAggregate #\d+ TUMBLE\(window_time, 1m\)/);
  // The TVF form over a windowed subquery, and HAVING keeps the event time.
  assert.match(plan('CREATE SINK s AS SELECT window_start, COUNT(*) FROM TUMBLE((SELECT window_time FROM raw GROUP BY HOP(ts, 5s, 10s) HAVING COUNT(*) > 1), window_time, 1m) GROUP BY window_start;'), /TUMBLE\(window_time, 1m\)/);
  // window_end is not the event time.
  const d = diag(view + 'CREATE SINK s AS SELECT COUNT(*) FROM v GROUP BY TUMBLE(window_end, 1m);');
  assert.equal(d.message, "'window_end' has no watermark, so TUMBLE windows would never close");
  // An updating result has none.
  assert.match(diag('CREATE SINK s AS SELECT COUNT(*) FROM (SELECT window_time FROM raw GROUP BY TUMBLE(ts, 10s) EMIT CHANGES) GROUP BY TUMBLE(window_time, 1m);').message, /changelog/);
  // A SESSION result offers no window_time.
  assert.match(diag('CREATE SINK s AS SELECT window_time FROM raw GROUP BY SESSION(ts, 10s);').message, /window_time/);
});

test('CUMULATE EMIT CHANGES must select window_end, the only bound that tells its windows apart', () => {
  const d = diag('CREATE SINK s AS SELECT sensor, window_start, COUNT(*) FROM raw GROUP BY sensor, CUMULATE(ts, 1s, 4s) EMIT CHANGES;');
  assert.match(d.message, /an updating CUMULATE result must select window_end/);
  assert.equal(d.hint, 'add window_end to the SELECT list, or use EMIT FINAL');
  assert.match(plan('CREATE SINK s AS SELECT sensor, window_end, COUNT(*) FROM raw GROUP BY sensor, CUMULATE(ts, 1s, 4s) EMIT CHANGES;'), /emit=CHANGES/);
  assert.match(plan('CREATE SINK s AS SELECT sensor, window_start, COUNT(*) FROM raw GROUP BY sensor, CUMULATE(ts, 1s, 4s);'), /emit=FINAL/);
});
