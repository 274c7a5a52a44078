// `sluice run FILE`: every sink of the file as one job. Exits 0 when bounded inputs are done;
// the first Ctrl-C stops cleanly (sinks flushed and closed), a second one exits at once.

import { loadScriptFile, planScript } from './load.js';
import { selectSinks } from './select-sinks.js';
import { Job } from '../exec/job.js';
import { formatSummary } from './summary.js';

export async function runCommand(file: string, opts: { sink?: string[]; format?: string }): Promise<number> {
  const script = loadScriptFile(file);
  const sinks = selectSinks(script, opts.sink, opts.format);
  const plan = planScript(script, sinks, { provenance: false });
  const controller = new AbortController();
  let interrupts = 0;
  const stop = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nsluice: stopping (Ctrl-C again to exit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const targets = sinks.map((s) => `${s.name} → ${s.options['connector']}${s.options['path'] ? ` ${s.options['path']}` : ''}`).join(', ');
  process.stderr.write(`sluice: running ${file}: ${targets}\n`);
  try {
    const job = new Job(plan, { signal: controller.signal });
    const summary = await job.run();
    process.stderr.write(formatSummary(summary));
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
