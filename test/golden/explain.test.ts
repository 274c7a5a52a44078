// Golden EXPLAIN plans: every runnable queries/*.sql plans exactly as reviewed in
// test/golden/plans (regenerate with `npm run golden:update` and review the diff).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { exampleQueries, goldenPath } from '../helpers/queries.js';
import { loadScriptFile } from '../../src/cli/load.js';
import { selectSinks } from '../../src/cli/select-sinks.js';
import { planSinks } from '../../src/plan/job.js';
import { explainPlan } from '../../src/plan/explain.js';

for (const q of exampleQueries().filter((x) => !x.fail && !x.pending)) {
  test(`EXPLAIN ${q.name}.sql matches its golden plan`, () => {
    const script = loadScriptFile(q.file);
    const actual = explainPlan(planSinks(script.catalog, selectSinks(script, undefined), { provenance: false }));
    const file = goldenPath(q.name);
    assert.ok(existsSync(file), `no golden plan ${file}: run \`npm run golden:update\``);
    assert.equal(actual, readFileSync(file, 'utf8'), `plan of ${q.name}.sql changed: run \`npm run golden:update\` and review the diff`);
  });
}
