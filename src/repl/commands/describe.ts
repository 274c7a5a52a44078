// `\d [name]`: delegates to SQL, `SHOW SOURCES` without a name and `DESCRIBE name` with one.

import type { Command } from './command.js';

export const describeCommand: Command = {
  name: 'd',
  usage: '\\d [name]',
  summary: 'list sources (SHOW SOURCES), or describe one (DESCRIBE name)',
  run(args, session) {
    return session.runScript(args === '' ? 'SHOW SOURCES' : `DESCRIBE ${args}`, undefined);
  },
};
