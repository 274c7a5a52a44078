// `sluice` with no command (or with --file / --brokers): the interactive REPL. Loaded lazily so
// that `sluice run` never loads the UI.

import { Command } from 'commander';
import { UsageError } from './errors.js';

export const REPL_FLAGS = ['--file', '--brokers'];

export function isReplInvocation(args: readonly string[]): boolean {
  const first = args[0];
  return first === undefined || REPL_FLAGS.includes(first.split('=')[0]!);
}

export async function replCommand(args: readonly string[]): Promise<number> {
  const cli = new Command('sluice')
    .description('the interactive REPL on the demo sources')
    .option('--file <file>', 'run the statements of a .sql file first')
    .option('--brokers <host:port>', 'the Kafka brokers of Kafka sources and sinks')
    .showHelpAfterError('(run `sluice --help` for usage)')
    .exitOverride()
    .parse([...args], { from: 'user' });
  const { file, brokers } = cli.opts<{ file?: string; brokers?: string }>();
  for (const [flag, value] of [['--file', file], ['--brokers', brokers]] as const) {
    if (value !== undefined && value.trim() === '') throw new UsageError(`${flag} needs a value`);
  }
  const { startRepl } = await import('../repl/main.js');
  await startRepl({ ...(file ? { file } : {}), ...(brokers ? { brokers } : {}) });
  return 0;
}
