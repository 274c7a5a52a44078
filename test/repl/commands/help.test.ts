import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, text } from '../helpers.js';
import { COMMANDS } from '../../../src/repl/commands/index.js';

test('\\help lists every command and the keys', async () => {
  const t = text(await session().submit('\\help'));
  for (const c of COMMANDS) assert.ok(t.includes(c.usage), c.usage);
  assert.match(t, /Ctrl-C/);
  assert.match(t, /SHOW SOURCES/);
  assert.match(text(await session().submit('\\nope')), /unknown command \\nope/);
});
