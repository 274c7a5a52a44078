// CREATE SINK in the REPL: each sink runs as a background job of the session; SHOW SINKS shows
// its status, rows out and rejected rows; DROP SINK and the end of the session stop it cleanly
// (flushed and closed); a stdout sink's rows go to the scrollback; a sink that cannot start is
// not registered.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { session, text, until, BOUNDED, SLOW } from './helpers.js';

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'sluice-sinks-'));
const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

test('a file sink over bounded input runs to the end and reports it', async () => {
  const s = session(BOUNDED);
  const file = path.join(tmp(), 'out.jsonl');
  const t = text(await s.submit(`CREATE SINK k WITH (connector = 'file', path = '${file}') AS SELECT sensor, value FROM s;`));
  assert.match(t, /created sink k: running in the background, writing to file .*out\.jsonl/);
  const job = s.sinkJobs.get('k')!;
  await job.done;
  assert.equal(job.state, 'finished');
  assert.equal(lines(file).length, 400);
  await until(() => true);
  assert.match(text(s.drainNotices()), /sink k finished \(its inputs ended\) after [\d.]+s: 400 rows to file /);
  assert.match(text(await s.submit('SHOW SINKS;')), /k +finished +400 +0 +0 +[\d.]+s +file /);
});

test('DROP SINK stops a running sink; its file is flushed and closed', async () => {
  const s = session(SLOW);
  const file = path.join(tmp(), 'out.jsonl');
  await s.submit(`CREATE SINK k WITH (connector = 'file', path = '${file}') AS SELECT sensor, value FROM slow;`);
  const job = s.sinkJobs.get('k')!;
  await until(() => job.rowsOut >= 20);
  assert.match(text(await s.submit('DROP SOURCE slow;')), /cannot drop source slow: running sink k reads it; DROP SINK k first/);
  assert.match(text(await s.submit('SHOW SINKS;')), /^sink +status +rows out +late +dead +for +writes to\n[─ ]+\nk +running +\d+ +0 +0 /);
  const t = text(await s.submit('DROP SINK k;'));
  assert.match(t, /dropped sink k\nsink k stopped, flushed and closed after [\d.]+s: \d+ rows to file /);
  assert.equal(job.running, false);
  assert.equal(lines(file).length, job.rowsOut, 'every row the job wrote is in the file');
  assert.equal(s.sinkJobs.size, 0);
  assert.equal(s.catalog.sinks.size, 0);
  assert.match(text(await s.submit('SHOW SINKS;')), /no sinks/);
  assert.deepEqual(s.drainNotices(), [], 'a dropped sink reports nothing more');
});

test('a stdout sink prints its rows to the scrollback, prefixed by its name', async () => {
  const s = session(BOUNDED);
  await s.submit("CREATE SINK few AS SELECT sensor, value FROM s WHERE value > 99;");
  await s.sinkJobs.get('few')!.done;
  const t = text(s.drainNotices());
  const rows = t.split('\n').filter((l) => l.startsWith('few> '));
  assert.ok(rows.length > 0 && rows.length === s.sinkJobs.get('few')!.rowsOut, t);
  assert.match(rows[0]!, /^few> \{"sensor":"Sensor\d","value":(99|100)(\.\d+)?\}$/, rows[0]);
  assert.match(t, /sink few finished .*to the scrollback \(stdout\)/);
});

test('closing the session stops every sink cleanly; a sink that cannot start is not registered', async () => {
  const s = session(SLOW);
  const dir = tmp();
  await s.submit(`CREATE SINK a WITH (connector = 'file', path = '${path.join(dir, 'a.jsonl')}') AS SELECT sensor FROM slow;`);
  await s.submit(`CREATE SINK b WITH (connector = 'file', path = '${path.join(dir, 'b.jsonl')}') AS SELECT sensor, COUNT(*) AS n FROM slow GROUP BY sensor;`);
  await s.submit('SELECT * FROM slow;');
  await until(() => s.sinkJobs.get('b')!.rowsOut > 0);
  const a = s.sinkJobs.get('a')!;
  const t = text(await s.close());
  assert.match(t, /sink a stopped, flushed and closed/);
  assert.match(t, /sink b stopped, flushed and closed/);
  assert.equal(a.running, false);
  assert.equal(lines(path.join(dir, 'a.jsonl')).length, a.rowsOut);
  assert.equal(s.live?.running, false);

  writeFileSync(path.join(dir, 'plain'), '');
  const bad = text(await s.submit(`CREATE SINK c WITH (connector = 'file', path = '${path.join(dir, 'plain', 'x.jsonl')}') AS SELECT sensor FROM slow;`));
  assert.match(bad, /error: cannot open .*plain\/x\.jsonl for writing/);
  assert.equal(s.catalog.sinks.has('c'), false);
});
