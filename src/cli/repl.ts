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
  // The REPL reads keys from a terminal (ink puts it in raw mode); from a pipe or a file it would
  // die in ink with a stack trace. Statements in a file are a job: say how to run them.
  if (process.stdin.isTTY !== true) {
    throw new UsageError(
      'the REPL needs a terminal, and standard input is not one (a pipe or a file)\n' +
        'hint: run a file of statements as a job with `sluice run FILE.sql`, check one with `sluice explain FILE.sql`, ' +
        'or open the REPL in a terminal with its statements first: `sluice --file FILE.sql`',
    );
  }
  const { startRepl } = await import('../repl/main.js');
  await startRepl({ ...(file ? { file } : {}), ...(brokers ? { brokers } : {}) });
  return 0;
}
