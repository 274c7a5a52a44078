// Every example job in queries/ either is rejected with its expected diagnostic
// (`-- fail: ...`) or, when its inputs are bounded, gives DuckDB's answer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleQueries } from '../helpers/queries.js';
import { loadScriptFile } from '../../src/cli/load.js';
import { selectSinks } from '../../src/cli/select-sinks.js';
import { planSinks } from '../../src/plan/job.js';
import { checkJob } from '../../src/oracle/check-job.js';
import { renderComparison } from '../../src/oracle/index.js';
import { SqlError } from '../../src/sql/diagnostics.js';
import { sourceConnector } from '../../src/connectors/registry.js';

for (const q of exampleQueries().filter((x) => !x.pending)) {
  if (q.fail) {
    test(`${q.name}.sql is rejected with '${q.fail}'`, () => {
      assert.throws(
        () => {
          const s = loadScriptFile(q.file);
          planSinks(s.catalog, selectSinks(s, undefined), { provenance: false });
        },
        (e: unknown) => {
          assert.ok(e instanceof SqlError, `expected a diagnostic, got ${String(e)}`);
          const text = e.render();
          assert.ok(text.includes(q.fail!), `diagnostic lacks '${q.fail}':\n${text}`);
          assert.match(text, /\^/, 'diagnostic has a caret');
          return true;
        },
      );
    });
    continue;
  }
  const script = loadScriptFile(q.file);
  const bounded = [...script.catalog.sources.values()].every((s) => sourceConnector(s.options['connector']!)!.open(s).bounded);
  test(`${q.name}.sql gives DuckDB's answer`, { skip: bounded ? false : 'unbounded source (explain only)' }, async () => {
    const result = await checkJob(script.catalog, selectSinks(script, undefined));
    for (const c of result.comparisons) {
      assert.ok(c.engineRows > 0, `${q.name}/${c.sink}: the engine produced no rows`);
      assert.ok(c.equal, renderComparison([c]));
    }
  });
}
