// Buffered, ordered text output to one file: the file sink and the side outputs. Text is queued
// synchronously and written in large chunks; flush() resolves once everything queued so far has
// been handed to the OS. A write error rejects the following flush/close.

import * as fs from 'node:fs';
import * as path from 'node:path';

const CHUNK = 1 << 20;

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

  /** Creates parent directories; `mode` 'w' truncates, 'a' appends. Throws when it cannot open. */
  constructor(file: string, mode: 'w' | 'a') {
    this.path = file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, mode);
  }

  /** Queue text (callers include the newlines). */
  append(text: string): void {
    this.parts.push(text);
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
