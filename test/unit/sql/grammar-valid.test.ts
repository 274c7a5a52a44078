// The grammar's and tokens' own validity, checked by Chevrotain's validations (ambiguous
// alternatives, left recursion, unreachable or shadowed tokens), which the lexer and parser skip
// at start-up (src/sql/lexer.ts, src/sql/parser.ts): a grammar change that breaks one fails here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeLexer } from '../../../src/sql/lexer.js';
import { SluiceParser } from '../../../src/sql/parser.js';

test('the tokens pass the lexer validations', () => {
  const lexer = makeLexer(true);
  assert.deepEqual(lexer.lexerDefinitionErrors, []);
});

test('the grammar passes the parser validations', () => {
  // performSelfAnalysis throws "Parser Definition Errors detected" on any.
  assert.doesNotThrow(() => new SluiceParser(true));
});
