import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, SLOW, until } from '../helpers.js';

test('\\q stops the running query and asks to exit', async () => {
  const s = session(SLOW);
  await s.submit('SELECT sensor FROM slow;');
  assert.equal(s.live?.running, true);
  await s.submit('\\q');
  assert.equal(s.exitRequested, true);
  await until(() => s.live?.running === false);
});
