import { test } from 'node:test';
import assert from 'node:assert/strict';
import { highlightLines } from '../../src/repl/highlight.js';

test('runs carry the lexer categories, one array per line, with the cursor cell', () => {
  const lines = highlightLines("SELECT 'x', 10s\nFROM t", 22);
  assert.equal(lines.length, 2);
  assert.deepEqual(lines[0]!.filter((r) => r.category !== 'plain' && r.category !== 'punctuation').map((r) => [r.text, r.category]), [
    ['SELECT', 'keyword'],
    ["'x'", 'string'],
    ['10s', 'duration'],
  ]);
  const last = lines[1]![lines[1]!.length - 1]!;
  assert.equal(last.cursor, true);
  assert.equal(last.text, ' ');
  assert.equal(lines.flat().map((r) => r.text).join('').trim(), "SELECT 'x', 10sFROM t");
});
