import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, text } from '../helpers.js';

test('\\format switches between table and json', async () => {
  const s = session();
  assert.equal(text(await s.submit('\\format json')), 'format: json');
  assert.equal(s.format, 'json');
  assert.match(text(await s.submit('\\format csv')), /unknown format 'csv'/);
  await s.submit('\\format table');
  assert.equal(s.format, 'table');
});
