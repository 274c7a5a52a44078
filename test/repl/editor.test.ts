import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/repl/editor.js';

test('Enter runs a statement ended by ; or a command, and continues otherwise', () => {
  assert.equal(E.isComplete('SELECT 1 FROM s;'), true);
  assert.equal(E.isComplete('SELECT 1\nFROM s'), false);
  assert.equal(E.isComplete("SELECT ';"), false);
  assert.equal(E.isComplete('SELECT 1 FROM s; -- done'), true);
  assert.equal(E.isComplete('\\help'), true);
  assert.equal(E.isComplete('  '), true);
});

test('editing and moving across lines', () => {
  let b = E.insert(E.EMPTY, 'SELECT a\nFROM t');
  assert.deepEqual(E.cursorLine(b), { line: 1, lines: 2 });
  b = E.verticalMove(b, -1)!;
  assert.equal(b.cursor, 6);
  assert.equal(E.verticalMove(b, -1), undefined);
  assert.equal(E.home(b).cursor, 0);
  assert.equal(E.end(b).cursor, 8);
  assert.equal(E.backspace(b).text, 'SELEC a\nFROM t');
  assert.equal(E.deleteWord({ text: 'SELECT abc', cursor: 10 }).text, 'SELECT ');
});

test('a chunk holding Ctrl+letters splits into keystrokes; tab and line breaks stay text', () => {
  assert.deepEqual(E.splitKeystrokes('\x14\\q'), [{ ctrl: 't' }, { text: '\\q' }]);
  assert.deepEqual(E.splitKeystrokes('ab\x01c\x05'), [{ text: 'ab' }, { ctrl: 'a' }, { text: 'c' }, { ctrl: 'e' }]);
  assert.deepEqual(E.splitKeystrokes('SELECT 1\r\n\tFROM t;'), [{ text: 'SELECT 1\r\n\tFROM t;' }]);
  assert.deepEqual(E.splitKeystrokes('\x14'), [{ ctrl: 't' }]);
});
