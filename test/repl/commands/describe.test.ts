import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, text, BOUNDED } from '../helpers.js';

test('\\d delegates to SHOW SOURCES and DESCRIBE', async () => {
  const s = session(BOUNDED);
  assert.match(text(await s.submit('\\d')), /^s {2}\(datagen, watermark on ts\)/);
  const d = text(await s.submit('\\d s'));
  assert.match(d, /source s/);
  assert.match(d, /ts +TIMESTAMP +\(event time, watermark delay 0.8s\)/);
  assert.match(text(await s.submit('\\d sx')), /no source, view or sink named 'sx'[\s\S]*did you mean 's'/);
});
