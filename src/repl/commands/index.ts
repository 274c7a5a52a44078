// The closed list of backslash commands and lookup by name or alias.

import type { Command } from './command.js';
import { compareCommand } from './compare.js';
import { describeCommand } from './describe.js';
import { formatCommand } from './format.js';
import { helpCommand } from './help.js';
import { includeCommand } from './include.js';
import { quitCommand } from './quit.js';
import { testCommand } from './test.js';
import { timingCommand } from './timing.js';
import { watermarksCommand } from './watermarks.js';

export type { Command } from './command.js';

export const COMMANDS: readonly Command[] = [
  helpCommand(() => COMMANDS),
  describeCommand,
  compareCommand,
  watermarksCommand,
  formatCommand,
  timingCommand,
  includeCommand,
  testCommand,
  quitCommand,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
