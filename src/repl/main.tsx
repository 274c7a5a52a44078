// Starts the REPL on the terminal: a session with the demo sources (and a --file's statements),
// history from the home directory, and the ink app. Resolves when the user exits.

import { render } from 'ink';
import { Session } from './session.js';
import { History } from './history.js';
import { App } from './components/App.js';
import { includeFile } from './commands/include.js';
import { out, type Output } from './output.js';
import { DEMO_QUERY } from './demo.js';

export interface ReplOptions {
  readonly file?: string;
  readonly demo?: boolean;
}

export function banner(session: Session): Output[] {
  return [
    out.info(`Sluice ${'0.1.0'}: streaming SQL. Sources: ${session.catalog.relationNames().join(', ')}. \\help for help, \\q to quit.`),
    out.dim(`try: ${DEMO_QUERY}`),
  ];
}

export async function startRepl(options: ReplOptions = {}): Promise<void> {
  const session = new Session({ demo: options.demo ?? true });
  const initial = banner(session);
  if (options.file) initial.push(...includeFile(options.file, session));
  const app = render(<App session={session} history={new History()} initial={initial} />, {
    exitOnCtrlC: false,
    patchConsole: false,
    ...(process.stdout.isTTY ? { interactive: true } : {}),
  });
  await app.waitUntilExit();
  session.stopQuery();
}
