// Nexmark q0-q9, q11 and q12 live in queries/nexmark/ (test/golden/queries.test.ts compares each
// with DuckDB, explain.test.ts pins its plan). The ones written ahead of the features they need
// are PENDING: each must still get its diagnostic, so that this test fails the day one plans
// and it is moved into the compared set.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { exampleQueries, PENDING, QUERIES_DIR } from '../helpers/queries.js';
import { loadScriptFile } from '../../src/cli/load.js';
import { selectSinks } from '../../src/cli/select-sinks.js';
import { planSinks } from '../../src/plan/job.js';
import { SqlError } from '../../src/sql/diagnostics.js';

const SUITE = ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8', 'q9', 'q11', 'q12'];

test('queries/nexmark holds every query of the suite, each saying how it departs from Flink', () => {
  for (const q of SUITE) {
    const file = path.join(QUERIES_DIR, 'nexmark', `${q}.sql`);
    assert.ok(existsSync(file), `missing ${file}`);
  }
  const names = exampleQueries().map((q) => q.name);
  for (const q of SUITE) assert.ok(names.includes(`nexmark/${q}`), `nexmark/${q} is not an example job`);
});

for (const [name, expected] of Object.entries(PENDING)) {
  test(`${name}.sql is pending: it gets '${expected}' until its feature lands`, () => {
    assert.throws(
      () => {
        const s = loadScriptFile(path.join(QUERIES_DIR, `${name}.sql`));
        planSinks(s.catalog, selectSinks(s, undefined), { provenance: false });
      },
      (e: unknown) => {
        assert.ok(e instanceof SqlError, `expected a diagnostic, got ${String(e)}`);
        const text = e.render();
        assert.ok(text.includes(expected), `${name} now fails differently (or plans): update PENDING in test/helpers/queries.ts\n${text}`);
        assert.match(text, /\^/, 'diagnostic has a caret');
        return true;
      },
    );
  });
}
