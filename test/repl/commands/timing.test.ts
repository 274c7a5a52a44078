import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, text } from '../helpers.js';

test('\\timing toggles a time line after each statement', async () => {
  const s = session();
  assert.match(text(await s.submit('\\timing')), /timing on/);
  assert.match(text(await s.submit('SHOW SOURCES;')), /time: [\d.]+ ms/);
  assert.match(text(await s.submit('\\timing off')), /timing off/);
  assert.doesNotMatch(text(await s.submit('SHOW SOURCES;')), /time:/);
});
