// `\q`: stop any running query and leave the REPL.

import type { Command } from './command.js';

export const quitCommand: Command = {
  name: 'q',
  aliases: ['quit', 'exit'],
  usage: '\\q',
  summary: 'stop the running query and the sinks (flushed and closed), and exit',
  run(_args, session) {
    session.stopQuery();
    session.exitRequested = true;
    return [];
  },
};
