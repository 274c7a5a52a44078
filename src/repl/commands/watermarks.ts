// `\watermarks`: each source's watermark and lag, and for the open windows of the running (or
// last) query why they are still open: waiting for the watermark, or held back by an idle input.

import type { Command } from './command.js';
import { out } from '../output.js';
import { watermarkReport } from '../status.js';

export const watermarksCommand: Command = {
  name: 'watermarks',
  aliases: ['w'],
  usage: '\\watermarks',
  summary: 'watermarks per source, and why open windows have not closed',
  run(_args, session) {
    const q = session.live ?? session.last;
    if (!q) return [out.dim('no query has run yet; watermarks belong to a running query')];
    const head = q.running ? 'running query' : 'last query (stopped)';
    return [out.plain([`${head}: ${q.sql}`, ...watermarkReport(q)].join('\n'))];
  },
};
