// The token vocabulary: categories for highlighting, durations vs names, comments.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KEYWORDS, RESERVED_KEYWORDS, tokenize } from '../../../src/sql/index.js';

const cats = (sql: string): string[] => tokenize(sql).map((t) => `${t.category}:${t.image}`);

describe('tokenize', () => {
  it('reports categories, comments included, in source order', () => {
    assert.deepEqual(cats("select \"A\", 'x', 1.5, 10s -- c\n/* b */ + :: ( ;"), [
      'keyword:select',
      'identifier:"A"',
      'punctuation:,',
      "string:'x'",
      'punctuation:,',
      'number:1.5',
      'punctuation:,',
      'duration:10s',
      'comment:-- c',
      'comment:/* b */',
      'operator:+',
      'operator:::',
      'punctuation:(',
      'punctuation:;',
    ]);
  });

  it('an unclosed /* is one comment token to the end (highlighted so while it is being typed)', () => {
    assert.deepEqual(cats('select a /* not closed\n+ b'), ['keyword:select', 'identifier:a', 'comment:/* not closed\n+ b']);
    assert.deepEqual(cats('a /* closed */ /'), ['identifier:a', 'comment:/* closed */', 'operator:/']);
  });

  it('does not swallow names that start like durations', () => {
    assert.deepEqual(cats('10sensors 5min 1d 500ms 2m3'), [
      'number:10',
      'identifier:sensors',
      'number:5',
      'identifier:min',
      'duration:1d',
      'duration:500ms',
      'number:2',
      'identifier:m3',
    ]);
  });

  it('keywords are case-insensitive and do not swallow longer names', () => {
    assert.deepEqual(cats('FROM from_x Int interval intervals'), ['keyword:FROM', 'identifier:from_x', 'keyword:Int', 'keyword:interval', 'identifier:intervals']);
  });

  it('operators', () => {
    assert.deepEqual(cats('a<>b!=c<=d>=e||f<g>h=i%j'), [
      'identifier:a', 'operator:<>', 'identifier:b', 'operator:!=', 'identifier:c', 'operator:<=', 'identifier:d',
      'operator:>=', 'identifier:e', 'operator:||', 'identifier:f', 'operator:<', 'identifier:g', 'operator:>',
      'identifier:h', 'operator:=', 'identifier:i', 'operator:%', 'identifier:j',
    ]);
  });

  it('exports the keyword list with a small reserved set', () => {
    assert.ok(KEYWORDS.includes('SELECT') && KEYWORDS.includes('TIMESTAMP') && KEYWORDS.includes('TUMBLE'));
    assert.ok(RESERVED_KEYWORDS.has('FROM'));
    for (const name of ['TIMESTAMP', 'KEY', 'SOURCE', 'TUMBLE', 'SECOND', 'STATE']) assert.ok(!RESERVED_KEYWORDS.has(name), name);
  });
});
