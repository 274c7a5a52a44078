// Creating the directory an output file or the state goes into. Never Node's recursive mkdir:
// under a directory that refuses new entries (`/proc/nope/x.jsonl`) it loops forever at 100% CPU,
// freezing `run` and the REPL. Instead: walk up to the first existing ancestor, check that it is
// a writable directory, then create each missing level, one plain mkdir at a time.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Why `dir` cannot be made; the message names the directory and the ancestor at fault. */
export class DirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryError';
  }
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ?? (e instanceof Error ? e.message : String(e));
}

/** Makes `dir` (absolute or cwd-relative) and its missing parents; throws DirectoryError. */
export function ensureDir(dir: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOTDIR: a file on the way up, named when the walk reaches it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new DirectoryError(`cannot create directory ${target}: cannot read ${at} (${reason(e)})`);
    }
    if (st !== undefined) {
      if (!st.isDirectory()) throw new DirectoryError(`cannot create directory ${target}: ${at} exists and is not a directory`);
      if (missing.length === 0) return;
      try {
        fs.accessSync(at, fs.constants.W_OK | fs.constants.X_OK);
      } catch (e) {
        throw new DirectoryError(`cannot create directory ${target}: ${at} is not writable (${reason(e)})`);
      }
      break;
    }
    const up = path.dirname(at);
    if (up === at) throw new DirectoryError(`cannot create directory ${target}: no existing ancestor`);
    missing.push(at);
    at = up;
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    const d = missing[i]!;
    try {
      fs.mkdirSync(d);
    } catch (e) {
      // Made in the meantime by someone else: fine. Anything else (ENOENT under /proc, EACCES, EROFS) is final.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(d).isDirectory()) continue;
      throw new DirectoryError(`cannot create directory ${d}${d === target ? '' : ` (for ${target})`}: ${reason(e)} in ${path.dirname(d)}`);
    }
  }
}
