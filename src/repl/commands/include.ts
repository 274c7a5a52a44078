// `\i file.sql`: run a file's statements as if typed (DDL, SHOW, EXPLAIN; a query starts running).
// Relative paths in the file's WITH options resolve against the file's directory.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from './command.js';
import { out, type Output } from '../output.js';
import type { Session } from '../session.js';

export async function includeFile(file: string, session: Session): Promise<Output[]> {
  const full = session.resolvePath(file);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return [out.error(`error: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`)];
  }
  session.loadedFile = full;
  return [out.dim(`reading ${file}`), ...(await session.runScript(text, file, path.dirname(full)))];
}

export const includeCommand: Command = {
  name: 'i',
  aliases: ['include'],
  usage: '\\i FILE.sql',
  summary: "run a file's statements",
  run(args, session) {
    if (args === '') return [out.error('error: \\i needs a file name, e.g. \\i queries/quickstart.sql')];
    return includeFile(args, session);
  },
};
