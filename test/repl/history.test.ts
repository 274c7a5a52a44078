import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { History } from '../../src/repl/history.js';

test('history persists multi-line entries across sessions and searches back', () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sluice-hist-')), 'h');
  const h = new History(file);
  h.add('SELECT 1\nFROM a;');
  h.add('SHOW SOURCES;');
  h.add('SHOW SOURCES;');
  h.add('DESCRIBE a;');
  const again = new History(file);
  assert.deepEqual(again.entries, ['SELECT 1\nFROM a;', 'SHOW SOURCES;', 'DESCRIBE a;']);
  assert.equal(again.search('from')?.entry, 'SELECT 1\nFROM a;');
  assert.equal(again.search('s')?.index, 2);
  assert.equal(again.search('s', 2)?.index, 1);
  assert.equal(again.search('zzz'), undefined);
});
