// The REPL on SQL nested past the limits: each of the four shapes of issue 10 is a diagnostic with
// a caret in the session (the statement path every REPL input takes), and the ink app shows it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { App } from '../../src/repl/components/App.js';
import { History } from '../../src/repl/history.js';
import { session, text, BOUNDED } from './helpers.js';

const SHAPES: Record<string, string> = {
  '150 parentheses': `SELECT ${'('.repeat(150)}value${')'.repeat(150)} FROM s;`,
  '2,000 nested CASE': `SELECT ${'CASE WHEN value > 0 THEN '.repeat(2000)}1${' ELSE 0 END'.repeat(2000)} FROM s;`,
  '500 nested subqueries': `SELECT value FROM ${'(SELECT value, ts FROM '.repeat(500)}s${')'.repeat(500)};`,
  '10,000 chained +': `SELECT ${Array.from({ length: 10_000 }, () => 'value').join(' + ')} FROM s;`,
};

for (const [name, sql] of Object.entries(SHAPES)) {
  test(`REPL: ${name} is a diagnostic`, async () => {
    const s = session(BOUNDED);
    const out = text(await s.submit(sql));
    assert.match(out, /error: the (statement|expression) nests too deeply/);
    assert.match(out, /\^/);
    assert.doesNotMatch(out, /RangeError|Invalid array length|Maximum call stack/);
  });
}

test('REPL app: 150 parentheses typed at the prompt show the diagnostic', async () => {
  const s = session(BOUNDED);
  const app = render(<App session={s} history={new History(undefined)} tickMs={20} />);
  app.stdin.write(SHAPES['150 parentheses']!);
  await new Promise((r) => setTimeout(r, 50));
  app.stdin.write('\r');
  const t0 = Date.now();
  while (!/nests too deeply/.test(app.frames.join('\n')) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
  const all = app.frames.join('\n');
  assert.match(all, /error: the statement nests too deeply: more than 64 levels/);
  assert.match(all, /hint: split it/);
  app.unmount();
});
