// `\timing [on|off]`: print how long each statement or command took.

import type { Command } from './command.js';
import { out } from '../output.js';

export const timingCommand: Command = {
  name: 'timing',
  usage: '\\timing [on|off]',
  summary: 'print how long each statement took (toggles without an argument)',
  run(args, session) {
    if (args !== '' && args !== 'on' && args !== 'off') return [out.error(`error: \\timing takes on or off, not '${args}'`)];
    session.timing = args === '' ? !session.timing : args === 'on';
    return [out.dim(`timing ${session.timing ? 'on' : 'off'}`)];
  },
};
