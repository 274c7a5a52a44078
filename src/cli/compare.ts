// `sluice compare FILE`: the streaming answer against DuckDB's batch answer, per sink.

import { loadScriptFile } from './load.js';
import { selectSinks } from './select-sinks.js';
import { checkJob, UnboundedInputError } from '../oracle/check-job.js';
import { renderComparison } from '../oracle/index.js';
import { UsageError } from './errors.js';
import { SqlError } from '../sql/diagnostics.js';

export async function compareCommand(file: string, opts: { sink?: string[]; showSql?: boolean }): Promise<number> {
  const script = loadScriptFile(file);
  const sinks = selectSinks(script, opts.sink);
  let result;
  try {
    result = await checkJob(script.catalog, sinks);
  } catch (e) {
    if (e instanceof UnboundedInputError) throw new UsageError(e.message);
    if (e instanceof SqlError && e.file === undefined) throw e.withFile(script.file);
    throw e;
  }
  if (opts.showSql) {
    for (const c of result.comparisons) process.stdout.write(`-- ${c.sink}\n${c.sql}\n\n`);
  }
  process.stdout.write(renderComparison([...result.comparisons], { color: process.stdout.isTTY === true }) + '\n');
  for (const n of result.summary.notes) process.stderr.write(`note: ${n}\n`);
  // DuckDB joins every row; a join under state_ttl has forgotten some, so a difference is expected.
  if (result.plan.nodes.some((n) => n.kind === 'regularJoin' && n.ttlMicros !== undefined)) {
    process.stderr.write(`note: SET state_ttl drops the state of idle join keys, which DuckDB's join does not model: a difference here may be the TTL's doing (compare without state_ttl to check the join itself)\n`);
  }
  return result.comparisons.every((c) => c.equal) ? 0 : 1;
}
