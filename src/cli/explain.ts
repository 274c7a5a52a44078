// `sluice explain FILE`: the physical plan of the file's sinks.

import { loadScriptFile, planScript } from './load.js';
import { selectSinks } from './select-sinks.js';
import { explainPlan } from '../plan/explain.js';

export function explainCommand(file: string, opts: { sink?: string[] }): number {
  const script = loadScriptFile(file);
  const sinks = selectSinks(script, opts.sink);
  process.stdout.write(explainPlan(planScript(script, sinks, { provenance: false })));
  return 0;
}
