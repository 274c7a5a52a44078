// POST /api/compare on a job whose streaming answer really differs from DuckDB's: AVG of DOUBLEs
// that cancel (1e20, 1, -1e20). The engine's compensated sum keeps the 1 (AVG 1/3); DuckDB's plain
// sum loses it (AVG 0). The answer must say the sink is not equal, list the row only DuckDB has
// ("missing") and the row only the engine has ("unexpected"), and name the differing column;
// the other sink of the job stays equal. (Should the oracle ever sum the same way, pick another
// case: this test pins how a difference is reported, not which one.)

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { request, serve, type TestServer } from './helpers.js';

let s: TestServer;
before(async () => {
  s = await serve();
});
after(async () => {
  await s.close();
});

test('POST /api/compare reports the rows and the column where the stream and DuckDB differ', async () => {
  const input = path.join(s.dir, 'cancel.jsonl');
  fs.writeFileSync(input, ['{"k":"a","v":1e20}', '{"k":"a","v":1}', '{"k":"a","v":-1e20}', '{"k":"b","v":2}', '{"k":"b","v":4}'].join('\n') + '\n');
  const sql = `CREATE SOURCE t (k VARCHAR, v DOUBLE) WITH (connector = 'file', path = '${input}', format = 'json');
CREATE SINK averages WITH (connector = 'stdout') AS SELECT k, AVG(v) AS m FROM t GROUP BY k;
CREATE SINK counts WITH (connector = 'stdout') AS SELECT k, COUNT(*) AS n FROM t GROUP BY k;`;
  const r = await request(s.base, 'POST', '/api/compare', { sql });
  assert.equal(r.status, 200, r.text);
  const [averages, counts] = r.json.sinks;
  assert.equal(averages.name, 'averages');
  assert.equal(averages.equal, false);
  assert.deepEqual(averages.missing, [['a', 0]], 'the row only DuckDB has');
  assert.deepEqual(averages.unexpected, [['a', 1 / 3]], 'the row only the engine has');
  assert.match(averages.note, /engine row \{k: 'a', m: 0\.333.*\} has no match in DuckDB; nearest DuckDB row differs in m: 0$/);
  assert.deepEqual(counts, { name: 'counts', equal: true, missing: [], unexpected: [] });
});
