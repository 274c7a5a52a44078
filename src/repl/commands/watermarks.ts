// `\watermarks [sink]`: each source's watermark and lag, and for the open windows of the running
// (or last) query, or of a background sink's job, why they are still open: waiting for the
// watermark, or held back by an idle input or by a Kafka partition behind the others (each
// partition is listed with its watermark and whether idle). Ctrl-T shows the same as a live panel.

import type { Command } from './command.js';
import { out } from '../output.js';
import { watermarkReport } from '../status.js';
import { nearest } from '../../sql/diagnostics.js';

export const watermarksCommand: Command = {
  name: 'watermarks',
  aliases: ['w'],
  usage: '\\watermarks [sink]',
  summary: 'watermarks per source, and why open windows have not closed (Ctrl-T: live panel)',
  run(args, session) {
    if (args !== '') {
      const job = session.sinkJobs.get(args);
      if (!job) {
        const guess = nearest(args, [...session.sinkJobs.keys()]);
        return [out.error(`error: no sink named '${args}' is running${guess ? `; did you mean '${guess}'?` : ''} (SHOW SINKS lists them)`)];
      }
      return [out.plain([`sink ${job.name} (${job.state}):`, ...watermarkReport(job)].join('\n'))];
    }
    const q = session.live ?? session.last;
    const sinks = session.runningSinks.map((j) => j.name);
    const more = sinks.length > 0 ? [out.dim(`running sinks: ${sinks.join(', ')} (\\watermarks NAME for one)`)] : [];
    if (!q) return [out.dim('no query has run yet; watermarks belong to a running query'), ...more];
    const head = q.running ? 'running query' : 'last query (stopped)';
    return [out.plain([`${head}: ${q.sql}`, ...watermarkReport(q)].join('\n')), ...more];
  },
};
