// `sluice` with no command (or with --file / --brokers): the interactive REPL. Loaded lazily so
// that `sluice run` never loads the UI.

import { UsageError } from './errors.js';

export const REPL_FLAGS = ['--file', '--brokers'];

export function isReplInvocation(args: readonly string[]): boolean {
  const first = args[0];
  return first === undefined || REPL_FLAGS.includes(first.split('=')[0]!);
}

export async function replCommand(args: readonly string[]): Promise<number> {
  let file: string | undefined;
  let brokers: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = inline ?? args[++i];
    if (!REPL_FLAGS.includes(flag)) throw new UsageError(`unknown option '${flag}' for the REPL (options: ${REPL_FLAGS.join(', ')})`);
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
    if (flag === '--file') file = value;
    if (flag === '--brokers') brokers = value;
  }
  const { startRepl } = await import('../repl/main.js');
  await startRepl({ ...(file ? { file } : {}), ...(brokers ? { brokers } : {}) });
  return 0;
}
