// `\help`: the commands, the statements and the keys.

import type { Command } from './command.js';
import { out } from '../output.js';

export const STATEMENT_HELP = [
  'statements (end with ;):',
  '  SELECT ... FROM sensors GROUP BY sensor, TUMBLE(ts, 10s);   run a query live',
  '  CREATE SOURCE / VIEW ...;  DROP SOURCE|VIEW|SINK name;',
  '  CREATE SINK name WITH (...) AS query;  starts it in the background until DROP SINK or \\q',
  '  SHOW SOURCES|VIEWS|SINKS|STATE;  DESCRIBE name;  EXPLAIN query;',
];

export const KEY_HELP = [
  'keys: Enter runs a statement ended by ; (or a \\command), otherwise starts a new line;',
  '  Ctrl-C stops the running query (twice on an empty prompt exits); Up/Down history;',
  '  Ctrl-R searches history; Tab completes keywords, names, columns and functions;',
  '  Ctrl-T shows or hides the watermark panel (\\watermarks, kept up to date).',
];

/** `\help` over the command list (commands/index.ts passes it: the list holds this command too). */
export function helpCommand(commands: () => readonly Command[]): Command {
  return {
    name: 'help',
    aliases: ['?', 'h'],
    usage: '\\help',
    summary: 'this list',
    run() {
      const width = Math.max(...commands().map((c) => c.usage.length));
      const cmds = commands().map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
      return [out.plain([...STATEMENT_HELP, 'commands:', ...cmds, ...KEY_HELP].join('\n'))];
    },
  };
}
