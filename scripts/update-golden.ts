// Regenerates the golden EXPLAIN plans of queries/*.sql (test/golden/plans). Review the diff.

import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { exampleQueries, goldenPath, GOLDEN_DIR } from '../test/helpers/queries.js';
import { loadScriptFile } from '../src/cli/load.js';
import { selectSinks } from '../src/cli/select-sinks.js';
import { planSinks } from '../src/plan/job.js';
import { explainPlan } from '../src/plan/explain.js';

mkdirSync(GOLDEN_DIR, { recursive: true });
for (const q of exampleQueries()) {
  if (q.fail || q.pending) continue;
  const script = loadScriptFile(q.file);
  const plan = explainPlan(planSinks(script.catalog, selectSinks(script, undefined), { provenance: false }));
  mkdirSync(path.dirname(goldenPath(q.name)), { recursive: true });
  writeFileSync(goldenPath(q.name), plan);
  process.stdout.write(`wrote ${goldenPath(q.name)}\n`);
}
