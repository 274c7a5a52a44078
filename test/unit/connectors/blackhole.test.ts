// The blackhole sink: a job writing into it runs to the end and the sink counts every row
// (changelog rows included) while writing nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { Job } from '../../../src/exec/job.js';
import { sinkConnector } from '../../../src/connectors/registry.js';

test('a job into a blackhole sink counts its rows and writes nothing', async () => {
  assert.equal(sinkConnector('BLACKHOLE')?.name, 'blackhole');
  const sql = `
    CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 3000, seed = 7);
    CREATE SINK everything WITH (connector = 'blackhole') AS SELECT auction, price FROM bid;
    CREATE SINK per_bidder WITH (connector = 'blackhole') AS SELECT bidder, COUNT(*) AS n FROM bid GROUP BY bidder;`;
  const script = loadScriptText(sql, 'blackhole.sql', '/nonexistent', new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
  const summary = await new Job(plan).run();
  const rows = new Map(summary.metrics.sinks.map((s) => [s.name, s.rowsOut]));
  assert.equal(rows.get('everything'), 3000);
  // An updating result: its +I, -U and +U rows count too (one change per bidder and batch).
  assert.ok((rows.get('per_bidder') ?? 0) > 0, `per_bidder wrote ${rows.get('per_bidder')}`);
});

test('the blackhole sink refuses options it does not have', () => {
  const sql = `
    CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 10);
    CREATE SINK s WITH (connector = 'blackhole', path = 'x.jsonl') AS SELECT auction FROM bid;`;
  assert.throws(() => {
    const script = loadScriptText(sql, 'blackhole.sql', '/nonexistent', new Catalog());
    planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
  }, /path/);
});
