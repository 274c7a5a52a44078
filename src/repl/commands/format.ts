// `\format table|json`: how query results are shown (aligned table or JSON lines).

import type { Command } from './command.js';
import { out } from '../output.js';

export const formatCommand: Command = {
  name: 'format',
  usage: '\\format table|json',
  summary: 'show results as an aligned table or as JSON lines',
  run(args, session) {
    if (args === '') return [out.dim(`format: ${session.format}`)];
    if (args !== 'table' && args !== 'json') return [out.error(`error: unknown format '${args}'; use \\format table or \\format json`)];
    session.format = args;
    return [out.dim(`format: ${args}`)];
  },
};
