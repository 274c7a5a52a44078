import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { session, text, until } from '../helpers.js';

test("\\i runs a file's statements; a query in it starts", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-i-'));
  const file = path.join(dir, 'job.sql');
  writeFileSync(file, "CREATE SOURCE f WITH (connector = 'datagen', generator = 'sensors', count = 50);\nCREATE VIEW v AS SELECT sensor FROM f;\nSELECT sensor FROM v;\n");
  const s = session();
  const t = text(await s.submit(`\\i ${file}`));
  assert.match(t, /created source f/);
  assert.match(t, /created view v/);
  await until(() => s.live?.running === false);
  assert.equal(s.live!.result.total, 50);
  assert.match(text(await s.submit('\\i /no/such.sql')), /no such file/);
  writeFileSync(file, 'SELECT nope FROM f;');
  assert.match(text(await s.submit(`\\i ${file}`)), /job\.sql:1:8[\s\S]*\^\^\^\^/);
});
