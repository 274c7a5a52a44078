// Buffered, ordered text output to one file: the file sink and the side outputs. Text is queued
// synchronously and written in large chunks; flush() resolves once everything queued so far has
// been handed to the OS. A write error rejects the following flush/close. `bytes` counts the
// file's length including queued text: what a checkpoint records once the queue is flushed.

import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Guarantee } from '../connector.js';

const CHUNK = 1 << 20;

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
  /** File length in bytes once everything queued is written. */
  bytes: number;

  /**
   * Creates parent directories; `mode` 'w' truncates, 'a' appends. `truncateTo` (a checkpointed
   * length) first cuts the file back to that many bytes, rolling back output written after the
   * checkpoint, then appends. Throws when it cannot open.
   */
  constructor(file: string, mode: 'w' | 'a', truncateTo?: number) {
    this.path = file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (truncateTo !== undefined) {
      if (!fs.existsSync(file)) fs.writeFileSync(file, '');
      // WARNING: exactly-once rests on this: nothing after the checkpointed length survives.
      if (fs.statSync(file).size > truncateTo) fs.truncateSync(file, truncateTo);
      mode = 'a';
    }
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
