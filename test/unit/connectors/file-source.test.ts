// The file source: line splitting, positions, CRLF, a last line without newline, CSV headers,
// follow mode, and option errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConnectorError } from '../../../src/connectors/connector.js';
import type { SourceRecord } from '../../../src/connectors/connector.js';
import { compileSourceDecoder } from '../../../src/connectors/format/decode.js';
import { fileSource } from '../../../src/connectors/file/source.js';
import { T } from '../../../src/catalog/types.js';
import { collect, sourceDef, tempDir } from './helpers.js';

test('lines with positions: 1-based line numbers and byte offsets; CRLF, blanks, no final newline', async () => {
  const dir = tempDir();
  const text = '{"a":1}\r\n\n{"a":"é"}\n\r\n{"a":3}';
  fs.writeFileSync(path.join(dir, 'in.jsonl'), text);
  const reader = fileSource.open(sourceDef({ connector: 'file', path: 'in.jsonl' }, dir));
  assert.equal(reader.bounded, true);
  const { records } = await collect(reader);
  // Blank lines come through as empty records: the decoder calls them BLANK, the engine counts them.
  assert.deepEqual(
    records.map((r) => [r.value, r.position]),
    [
      ['{"a":1}', { file: 'in.jsonl', line: 1, offset: 0 }],
      ['', { file: 'in.jsonl', line: 2, offset: 9 }],
      ['{"a":"é"}', { file: 'in.jsonl', line: 3, offset: 10 }],
      ['', { file: 'in.jsonl', line: 4, offset: 21 }],
      ['{"a":3}', { file: 'in.jsonl', line: 5, offset: 23 }],
    ],
  );
  // Offsets are bytes: reading from them gives the line.
  const bytes = fs.readFileSync(path.join(dir, 'in.jsonl'));
  for (const r of records) {
    const off = r.position['offset'] as number;
    assert.equal(bytes.toString('utf8', off, off + Buffer.byteLength(r.value as string)), r.value);
  }
});

test('large files are batched by batch_size and keep every line', async () => {
  const dir = tempDir();
  const lines: string[] = [];
  for (let i = 0; i < 30_000; i++) lines.push(JSON.stringify({ i, pad: 'x'.repeat(i % 97) }));
  fs.writeFileSync(path.join(dir, 'big.jsonl'), `${lines.join('\n')}\n`);
  const reader = fileSource.open(sourceDef({ connector: 'file', path: 'big.jsonl', batch_size: '1000' }, dir));
  const { records, batches } = await collect(reader);
  assert.equal(records.length, 30_000);
  assert.ok(batches.every((n) => n <= 1000));
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    assert.equal(records[i]!.value, lines[i]);
    assert.equal(records[i]!.position['line'], i + 1);
    assert.equal(records[i]!.position['offset'], offset);
    offset += lines[i]!.length + 1;
  }
});

test('a line longer than the read buffer', async () => {
  const dir = tempDir();
  const long = JSON.stringify({ s: 'y'.repeat(3_000_000) });
  fs.writeFileSync(path.join(dir, 'long.jsonl'), `{"a":1}\n${long}\n{"a":2}`);
  const { records } = await collect(fileSource.open(sourceDef({ path: 'long.jsonl' }, dir)));
  assert.deepEqual(records.map((r) => (r.value as string).length), [7, long.length, 7]);
  assert.equal(records[2]!.position['offset'], 8 + long.length + 1);
});

test('CSV: the header is consumed and drives the decoder', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'r.csv'), 'sensor_id,temperature,timestamp\r\nsensor_1,20.13,1705305600017\r\n"sensor,2",,2024-05-20T10:00:00Z\r\n');
  const reader = fileSource.open(sourceDef({ path: 'r.csv' }, dir));
  const { records } = await collect(reader);
  assert.deepEqual(records.map((r) => r.position['line']), [2, 3]);
  const decode = compileSourceDecoder(reader, [
    { name: 'sensor_id', type: T.varchar },
    { name: 'temperature', type: T.double },
    { name: 'timestamp', type: T.timestamp },
  ], 'timestamp');
  assert.deepEqual(records.map((r) => decode(r.value)), [
    ['sensor_1', 20.13, 1705305600017000],
    ['sensor,2', null, 1716199200000000],
  ]);
});

test('follow mode picks up appended lines and stops on abort', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'grow.jsonl');
  fs.writeFileSync(file, '{"n":1}\n');
  const reader = fileSource.open(sourceDef({ path: 'grow.jsonl', follow: 'true' }, dir));
  assert.equal(reader.bounded, false);
  const seen: SourceRecord[] = [];
  const ac = new AbortController();
  let wake: () => void = () => {};
  const waitFor = (n: number): Promise<void> =>
    new Promise((resolve) => {
      wake = () => {
        if (seen.length >= n) resolve();
      };
      wake();
    });
  const running = reader.run((b) => {
    seen.push(...b);
    wake();
  }, ac.signal);
  await waitFor(1);
  fs.appendFileSync(file, '{"n":2}\n{"n":');
  await waitFor(2);
  fs.appendFileSync(file, '3}\n');
  await waitFor(3);
  ac.abort();
  await running;
  assert.deepEqual(seen.map((r) => [r.value, r.position['line'], r.position['offset']]), [
    ['{"n":1}', 1, 0],
    ['{"n":2}', 2, 8],
    ['{"n":3}', 3, 16],
  ]);
});

test('option errors name the option', () => {
  const dir = tempDir();
  const err = (options: Record<string, string>): ConnectorError => {
    try {
      fileSource.open(sourceDef(options, dir));
    } catch (e) {
      assert.ok(e instanceof ConnectorError);
      return e;
    }
    assert.fail('expected a ConnectorError');
  };
  const missing = err({ path: 'nope.jsonl' });
  assert.equal(missing.option, 'path');
  assert.match(missing.message, /file not found/);
  assert.match(missing.hint ?? '', /relative/);
  assert.equal(err({}).option, 'path');
  fs.writeFileSync(path.join(dir, 'x.jsonl'), '');
  assert.equal(err({ path: 'x.jsonl', format: 'xml' }).option, 'format');
  assert.equal(err({ path: 'x.jsonl', follow: 'yes' }).option, 'follow');
  assert.equal(err({ path: 'x.jsonl', batch_size: '0' }).option, 'batch_size');
});

test('a UTF-8 byte-order mark at the start of the file is not part of the first record', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'bom.jsonl'), '\ufeff{"a":1}\n{"a":2}\n');
  const { records } = await collect(fileSource.open(sourceDef({ connector: 'file', path: 'bom.jsonl' }, dir)));
  assert.deepEqual(records.map((r) => r.value), ['{"a":1}', '{"a":2}']);
  // Only at the start: one later in the file stays (and makes that record invalid JSON).
  fs.writeFileSync(path.join(dir, 'mid.jsonl'), '{"a":1}\n\ufeff{"a":2}\n');
  const mid = await collect(fileSource.open(sourceDef({ connector: 'file', path: 'mid.jsonl' }, dir)));
  assert.deepEqual(mid.records.map((r) => r.value), ['{"a":1}', '\ufeff{"a":2}']);
});
