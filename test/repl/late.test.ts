// Late rows are reported as they are dropped, each with the source it came from (the REPL plans
// without provenance, so the source is the one upstream of the operator that dropped it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { session, text, until } from './helpers.js';
import { drainLate } from '../../src/repl/finish.js';

test('a late row is reported with its source name and why it was dropped', async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sluice-late-')), 'in.jsonl');
  const at = (s: string, v: number) => JSON.stringify({ k: 'a', v, ts: `2024-05-20T10:00:${s}Z` });
  writeFileSync(file, [at('00', 1), at('20', 2), at('01', 3), at('21', 4)].join('\n') + '\n');
  const s = session(`CREATE SOURCE readings (k VARCHAR, v BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = '${file}', format = 'jsonl');`);
  await s.submit('CREATE VIEW vv AS SELECT k, v, ts FROM readings WHERE v > 0;');
  await s.submit('SELECT k, window_start, SUM(v) AS total FROM vv GROUP BY k, TUMBLE(ts, 10s);');
  const q = s.live!;
  await until(() => !q.running);
  const t = text(drainLate(q));
  assert.match(t, /^late: readings row at 10:00:01\.000 dropped: .*window.*10:00:00.*10:00:10/);
  assert.equal(q.lateTotal, 1);
});
