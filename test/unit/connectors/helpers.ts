// Shared helpers for the connector tests: temp dirs, fake definitions, collecting a reader.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SinkDef, SourceDef } from '../../../src/catalog/catalog.js';
import type { SourceReader, SourceRecord } from '../../../src/connectors/connector.js';

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-conn-'));
}

const span = { start: 0, end: 0, line: 1, column: 1 } as unknown as SourceDef['span'];

export function sourceDef(options: Record<string, string>, baseDir = os.tmpdir()): SourceDef {
  return { name: 'src', columns: [], options, span, baseDir, sourceText: '' };
}

export function sinkDef(options: Record<string, string>, baseDir = os.tmpdir()): SinkDef {
  return { name: 'out', options, query: undefined as unknown as SinkDef['query'], span, baseDir, sourceText: '' };
}

/** Runs a bounded reader to the end; returns the records and the batch sizes. */
export async function collect(reader: SourceReader): Promise<{ records: SourceRecord[]; batches: number[] }> {
  const records: SourceRecord[] = [];
  const batches: number[] = [];
  await reader.run((b) => {
    batches.push(b.length);
    for (const r of b) records.push(r);
  }, new AbortController().signal);
  return { records, batches };
}
