// Buffered, ordered text output to one file: the file sink and the side outputs. Text is queued
// synchronously and written in large chunks; flush() resolves once everything queued so far has
// been handed to the OS, sync() once it is on the disk (fsync; checkpoints call it before they
// record the length). A write error rejects the following flush/close. `bytes` counts the file's
// length including queued text: what a checkpoint records once the queue is flushed. A resumed
// file shorter than its checkpointed length is refused (OutputCutShortError), never appended to.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureDir } from '../../util/dirs.js';

import type { Guarantee } from '../connector.js';

const CHUNK = 1 << 20;

/**
 * A resumed output file holds less than its checkpoint recorded: rows the checkpoint counts as
 * written are gone (the machine crashed before they reached the disk, or the file was cut or
 * replaced), and appending would leave a hole and a mangled line.
 */
export class OutputCutShortError extends Error {
  constructor(
    readonly file: string,
    readonly length: number | undefined,
    readonly checkpointed: number,
  ) {
    super(
      `cannot resume: ${file} ${length === undefined ? 'is missing' : `is ${length} bytes long`}, but the checkpoint recorded ${checkpointed} bytes of output in it, so output the job counts as written is lost (the file was cut short, e.g. by a crash of the machine before it reached the disk, or replaced). ` +
        'Run with --fresh to write the output again from the start of the inputs',
    );
    this.name = 'OutputCutShortError';
  }
}

function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (e) => (e ? reject(e) : resolve())));
}

/** Makes a new file's directory entry durable (a file fsynced in a directory that was not may vanish in a crash). */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the file's own fsync is all they offer.
  } finally {
    await fh.close();
  }
}

/**
 * The guarantee of a file written through a LineFileWriter (file sinks, file side outputs): with
 * checkpoints, a restore cuts it back to its checkpointed length and the job writes the rest again.
 */
export function fileGuarantee(checkpoints: boolean): Guarantee {
  return checkpoints ? { level: 'exactly_once', how: 'file truncated to checkpoint' } : { level: 'none', how: 'no checkpoints' };
}

function writeAll(fd: number, text: string): Promise<void> {
  const buf = Buffer.from(text, 'utf8');
  return new Promise((resolve, reject) => {
    const step = (off: number): void => {
      fs.write(fd, buf, off, buf.length - off, null, (err, n) => {
        if (err) reject(err);
        else if (off + n < buf.length) step(off + n);
        else resolve();
      });
    };
    step(0);
  });
}

export class LineFileWriter {
  readonly path: string;
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** The file was created (or its length reset) by this writer: its directory entry is synced with it once. */
  private syncDir: boolean;
  /** File length in bytes once everything queued is written. */
  bytes: number;

  /**
   * Creates parent directories (checked first: util/dirs.ts); `mode` 'w' truncates, 'a' appends. `truncateTo` (a checkpointed
   * length) first cuts the file back to that many bytes, rolling back output written after the
   * checkpoint, then appends. Throws when it cannot open.
   */
  constructor(file: string, mode: 'w' | 'a', truncateTo?: number) {
    this.path = file;
    ensureDir(path.dirname(file));
    const existed = fs.existsSync(file);
    if (truncateTo !== undefined) {
      const length = existed ? fs.statSync(file).size : undefined;
      // WARNING: exactly-once rests on this: the file holds exactly its checkpointed length before appending.
      if ((length ?? 0) < truncateTo) throw new OutputCutShortError(file, length, truncateTo);
      if (!existed) fs.writeFileSync(file, '');
      if (length !== undefined && length > truncateTo) fs.truncateSync(file, truncateTo);
      mode = 'a';
    }
    this.syncDir = !existed;
    this.fd = fs.openSync(file, mode);
    this.bytes = mode === 'a' ? fs.fstatSync(this.fd).size : 0;
  }

  /** Queue text (callers include the newlines). */
  append(text: string): void {
    this.parts.push(text);
    this.bytes += Buffer.byteLength(text, 'utf8');
    this.size += text.length;
    if (this.size >= CHUNK) this.drain();
  }

  private drain(): void {
    if (this.parts.length === 0) return;
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.size = 0;
    const fd = this.fd;
    this.chain = this.chain.then(() => writeAll(fd, text));
  }

  flush(): Promise<void> {
    this.drain();
    return this.chain;
  }

  /** flush(), then fsync: what was queued is on the disk (and a new file's directory entry with it). */
  async sync(): Promise<void> {
    await this.flush();
    await fsyncFd(this.fd);
    if (this.syncDir) {
      await fsyncDir(path.dirname(this.path));
      this.syncDir = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      await new Promise<void>((resolve) => fs.close(this.fd, () => resolve()));
    }
  }
}
