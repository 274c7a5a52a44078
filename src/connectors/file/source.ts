// The `file` source: JSON lines or CSV, read in large chunks and split on '\n' ('\r\n' and a
// last line without newline handled, a UTF-8 byte-order mark at the start of the file dropped);
// with follow = 'true' it tails the file until aborted. Blank lines are passed on: the decoders
// call them BLANK and the engine skips and counts them (one rule with Kafka values). Records are the line text; position { file, line (1-based), offset (bytes) }.
// CSV: the first non-blank line is the header; it is not emitted but kept in `csvHeader`, and the
// reader's decoder() maps fields by it (the engine gets it via compileSourceDecoder).
// Checkpoints: position() is { offset, line } of the next unread line (and the CSV header); a
// reader opened with it resumes there.

import * as fs from 'node:fs';
import type { Column, SourceDef } from '../../catalog/catalog.js';
import { ConnectorError, isBlank } from '../connector.js';
import type { RecordDecoder, RecordPosition, ResumePosition, SourceConnector, SourceReader, SourceRecord } from '../connector.js';
import { compileCsvDecoder, parseCsvHeader } from '../format/csv.js';
import { compileDecoder } from '../format/decode.js';
import { boolOption, choiceOption, intOption, requiredOption, resolvePath } from '../options.js';
import { abortableSleep } from '../sleep.js';

export type FileFormat = 'jsonl' | 'csv';

const READ_SIZE = 1 << 20;
const FOLLOW_POLL_MS = 50;

export interface FileReaderOptions {
  /** Absolute path to read. */
  readonly file: string;
  /** The path as written in the options, reported in positions. */
  readonly label: string;
  readonly format: FileFormat;
  readonly follow: boolean;
  readonly batchSize: number;
  /** Start at this byte offset and line count (a checkpointed position), not at the top. */
  readonly resume?: FileResume;
}

export interface FileResume {
  readonly offset: number;
  readonly line: number;
  readonly header?: string[];
}

/** A checkpointed file position, or undefined when `p` is not one. */
export function fileResume(p: ResumePosition | undefined): FileResume | undefined {
  if (p === undefined || typeof p['offset'] !== 'number' || typeof p['line'] !== 'number') return undefined;
  const h = p['header'];
  return { offset: p['offset'], line: p['line'], ...(Array.isArray(h) ? { header: h.map(String) } : {}) };
}


/** A line and where it is; the position object is built only when asked for (dead letters, late rows). */
class FileRecord implements SourceRecord {
  constructor(
    readonly value: string,
    private readonly file: string,
    private readonly line: number,
    private readonly offset: number,
  ) {}
  get position(): RecordPosition {
    return { file: this.file, line: this.line, offset: this.offset };
  }
}

export class FileReader implements SourceReader {
  readonly bounded: boolean;
  readonly options: FileReaderOptions;
  /** CSV: the header's field names, set once the header line has been read. */
  csvHeader: string[] | undefined;
  private resumeAt: FileResume;

  constructor(options: FileReaderOptions) {
    this.options = options;
    this.bounded = !options.follow;
    this.resumeAt = options.resume ?? { offset: 0, line: 0 };
    this.csvHeader = options.resume?.header;
  }

  position(): ResumePosition {
    return { ...this.resumeAt };
  }

  decoder(columns: readonly Column[], eventTime: string | undefined): RecordDecoder {
    if (this.options.format !== 'csv') return compileDecoder(columns, eventTime);
    // The header is read before the first record is emitted, so it is known at the first call.
    let inner: RecordDecoder | undefined;
    return (value) => {
      inner ??= compileCsvDecoder(columns, eventTime, this.csvHeader ?? []);
      return inner(value);
    };
  }

  async run(emit: (records: SourceRecord[]) => void | Promise<void>, signal: AbortSignal): Promise<void> {
    const { file, label, follow, batchSize } = this.options;
    const csv = this.options.format === 'csv';
    const fh = await fs.promises.open(file, 'r');
    try {
      let buf = Buffer.allocUnsafe(READ_SIZE);
      const start = this.resumeAt;
      let filled = 0; // bytes of an unfinished line kept at the front of buf
      let filePos = start.offset; // file offset of buf[filled]
      let bufStart = start.offset; // file offset of buf[0]
      let lineNo = start.line;
      let next = start.offset; // file offset after the last line taken
      let batch: SourceRecord[] = [];

      const take = (text: string, offset: number, end: number): void => {
        lineNo++;
        next = end;
        let len = text.length;
        if (len > 0 && text.charCodeAt(len - 1) === 13) len--;
        // A byte-order mark (editors on Windows write one) is not part of the first record.
        const from = offset === 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
        const line = len === text.length && from === 0 ? text : text.slice(from, len);
        if (csv && this.csvHeader === undefined && !isBlank(line)) {
          this.csvHeader = parseCsvHeader(line);
          return;
        }
        batch.push(new FileRecord(line, label, lineNo, offset));
      };
      const flushBatch = async (): Promise<void> => {
        if (batch.length === 0) return;
        const out = batch;
        batch = [];
        this.resumeAt = { offset: next, line: lineNo, ...(this.csvHeader ? { header: this.csvHeader } : {}) };
        await emit(out);
      };

      while (!signal.aborted) {
        if (filled === buf.length) {
          // A line longer than the buffer: grow it.
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
        }
        const { bytesRead } = await fh.read(buf, filled, buf.length - filled, filePos);
        if (bytesRead === 0) {
          if (!follow) {
            if (filled > 0) take(buf.toString('utf8', 0, filled), bufStart, bufStart + filled);
            filled = 0;
            await flushBatch();
            break;
          }
          await flushBatch();
          await abortableSleep(FOLLOW_POLL_MS, signal);
          continue;
        }
        filePos += bytesRead;
        const end = filled + bytesRead;
        const lastNl = buf.lastIndexOf(10, end - 1);
        if (lastNl < filled) {
          filled = end; // no complete line yet
          continue;
        }
        // Lines in buf[0, lastNl]; decode them in one call when they are pure ASCII.
        const text = buf.toString('utf8', 0, lastNl + 1);
        if (text.length === lastNl + 1) {
          let from = 0;
          while (from <= lastNl) {
            const nl = text.indexOf('\n', from);
            take(text.slice(from, nl), bufStart + from, bufStart + nl + 1);
            from = nl + 1;
            if (batch.length >= batchSize) await flushBatch();
          }
        } else {
          let from = 0;
          while (from <= lastNl) {
            const nl = buf.indexOf(10, from);
            take(buf.toString('utf8', from, nl), bufStart + from, bufStart + nl + 1);
            from = nl + 1;
            if (batch.length >= batchSize) await flushBatch();
          }
        }
        // Keep the unfinished tail at the front.
        const rest = end - (lastNl + 1);
        if (rest > 0) buf.copy(buf, 0, lastNl + 1, end);
        bufStart += lastNl + 1;
        filled = rest;
      }
      if (!signal.aborted) await flushBatch();
    } finally {
      await fh.close();
    }
  }
}

const FORMATS = ['jsonl', 'json', 'csv'] as const;

export const fileSource: SourceConnector = {
  name: 'file',
  options: ['connector', 'path', 'format', 'follow', 'batch_size', 'dead_letter', 'late'],
  identity: ['connector', 'path', 'format', 'dead_letter', 'late'],
  open(def: SourceDef, resume?: ResumePosition): SourceReader {
    const o = def.options;
    const label = requiredOption(o, 'path', 'data.jsonl');
    const file = resolvePath(def.baseDir, label);
    const fallback = label.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl';
    const format = choiceOption(o, 'format', FORMATS, fallback);
    const follow = boolOption(o, 'follow', false);
    const batchSize = intOption(o, 'batch_size', 4096, 1);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new ConnectorError(`file not found: ${file}`, 'path', `relative paths are resolved against the script's directory (${def.baseDir})`);
    }
    if (!stat.isFile()) throw new ConnectorError(`not a file: ${file}`, 'path', 'point path at a .jsonl or .csv file');
    const at = fileResume(resume);
    // A file shorter than what the checkpoint had read was replaced or cut: no offset in it means the same line.
    if (at && at.offset > stat.size) {
      throw new ConnectorError(`${file} is ${stat.size} bytes long, but the checkpoint had read ${at.offset} bytes of it (${at.line} lines): it was replaced or cut short since`, 'path', 'run with --fresh to read it again from the start');
    }
    return new FileReader({ file, label, format: format === 'csv' ? 'csv' : 'jsonl', follow, batchSize, ...(at ? { resume: at } : {}) });
  },
};
