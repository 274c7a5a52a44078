// The shape of a backslash command: a data object with its name, usage and a run function
// over the session. One file per command under commands/, listed in commands/index.ts.

import type { Session } from '../session.js';
import type { Output } from '../output.js';

export interface Command {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** e.g. `\format table|json` */
  readonly usage: string;
  readonly summary: string;
  run(args: string, session: Session): Output[] | Promise<Output[]>;
}
