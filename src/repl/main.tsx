// Starts the REPL on the terminal: a session with the demo sources (and a --file's statements),
// history from the home directory, and the ink app. Resolves when the user exits, after the
// running query and every sink have stopped (sinks flushed and closed).

import { render } from 'ink';
import { Session } from './session.js';
import { History } from './history.js';
import { App } from './components/App.js';
import { includeFile } from './commands/include.js';
import { out, type Output } from './output.js';
import { DEMO_QUERY } from './demo.js';
import { sluiceVersion } from '../util/version.js';

export interface ReplOptions {
  readonly file?: string;
  readonly demo?: boolean;
  /** Default bootstrap brokers of the session's Kafka sources and sinks (`--brokers`). */
  readonly brokers?: string;
}

export function banner(session: Session): Output[] {
  return [
    out.info(`Sluice ${sluiceVersion()}: streaming SQL. Sources: ${session.catalog.relationNames().join(', ')}. \\help for help, \\q to quit.`),
    out.dim(`try: ${DEMO_QUERY}`),
  ];
}

export async function startRepl(options: ReplOptions = {}): Promise<void> {
  // The Kafka connector falls back to SLUICE_BROKERS for a source or sink without `brokers`.
  if (options.brokers !== undefined) process.env['SLUICE_BROKERS'] = options.brokers;
  const session = new Session({ demo: options.demo ?? true });
  const initial = banner(session);
  if (options.brokers !== undefined) initial.push(out.dim(`Kafka sources and sinks without a brokers option use ${options.brokers}`));
  if (options.file) initial.push(...(await includeFile(options.file, session)));
  const app = render(<App session={session} history={new History()} initial={initial} />, {
    exitOnCtrlC: false,
    patchConsole: false,
    ...(process.stdout.isTTY ? { interactive: true } : {}),
  });
  // A closed terminal or a kill ends the session as \q does, so sinks are still closed cleanly.
  const onSignal = (): void => app.unmount();
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  try {
    await app.waitUntilExit();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
  const running = session.runningSinks.length;
  if (running > 0) process.stdout.write(`stopping ${running === 1 ? '1 sink' : `${running} sinks`}…\n`);
  for (const o of await session.close()) process.stdout.write(`${o.text}\n`);
}
