// The file and stdout sinks and the side outputs: exact lines, truncation, table alignment.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import type { Column } from '../../../src/catalog/catalog.js';
import { struct, T } from '../../../src/catalog/types.js';
import { fileSink } from '../../../src/connectors/file/sink.js';
import { createStdoutSink } from '../../../src/connectors/stdout/sink.js';
import { openSideOutput } from '../../../src/connectors/side-output.js';
import { sinkConnector, sinkConnectorNames, sourceConnector, sourceConnectorNames } from '../../../src/connectors/registry.js';
import { Op } from '../../../src/exec/operator.js';
import { sinkDef, tempDir } from './helpers.js';

const cols: Column[] = [
  { name: 'sensor', type: T.varchar },
  { name: 'window_end', type: T.timestamp },
  { name: 'temperature', type: struct([{ name: 'count', type: T.bigint }, { name: 'mean', type: T.double }]) },
];
const t = Date.UTC(2024, 4, 20, 10, 0, 10) * 1000;

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

test('file sink: exact JSON lines, truncates at open, creates directories', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'nested', 'deeper', 'out.jsonl');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'old content\n');
  const w = fileSink.open(sinkDef({ connector: 'file', path: 'nested/deeper/out.jsonl' }, dir), cols, false);
  assert.equal(fs.readFileSync(file, 'utf8'), '');
  w.write({ rows: [['Sensor1', t, { count: 2, mean: 41.5 }]], ops: null });
  w.write({ rows: [['Sensor2', t, null], [null, null, { count: 1, mean: 3 }]], ops: null });
  await w.flush();
  assert.equal(
    fs.readFileSync(file, 'utf8'),
    '{"sensor":"Sensor1","window_end":"2024-05-20T10:00:10.000Z","temperature":{"count":2,"mean":41.5}}\n' +
      '{"sensor":"Sensor2","window_end":"2024-05-20T10:00:10.000Z","temperature":null}\n' +
      '{"sensor":null,"window_end":null,"temperature":{"count":1,"mean":3}}\n',
  );
  await w.close();
  const fresh = path.join(dir, 'made', 'here.jsonl');
  const w2 = fileSink.open(sinkDef({ path: fresh }, dir), [{ name: 'n', type: T.int }], true);
  w2.write({ rows: [[1], [1], [2]], ops: [Op.Insert, Op.UpdateBefore, Op.UpdateAfter] });
  await w2.close();
  assert.equal(fs.readFileSync(fresh, 'utf8'), '{"op":"+I","n":1}\n{"op":"-U","n":1}\n{"op":"+U","n":2}\n');
});

test('file sink: many rows in order', async () => {
  const dir = tempDir();
  const w = fileSink.open(sinkDef({ path: 'many.jsonl' }, dir), [{ name: 'i', type: T.int }], false);
  for (let b = 0; b < 100; b++) w.write({ rows: Array.from({ length: 1000 }, (_, i) => [b * 1000 + i]), ops: null });
  await w.close();
  const lines = fs.readFileSync(path.join(dir, 'many.jsonl'), 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 100_000);
  assert.ok(lines.every((l, i) => l === `{"i":${i}}`));
});

test('stdout sink: JSON lines by default when not a terminal', async () => {
  const out = new Capture();
  const w = createStdoutSink(out).open(sinkDef({}), [{ name: 'n', type: T.int }], false);
  w.write({ rows: [[1], [2]], ops: null });
  await w.flush();
  assert.equal(out.text, '{"n":1}\n{"n":2}\n');
});

test('stdout sink: aligned table with the header once, long values cut', async () => {
  const out = new Capture();
  out.isTTY = true; // a terminal defaults to the table
  const columns: Column[] = [
    { name: 'sensor', type: T.varchar },
    { name: 'n', type: T.bigint },
    { name: 'ts', type: T.timestamp },
  ];
  const w = createStdoutSink(out).open(sinkDef({}), columns, true);
  w.write({ rows: [['Sensor1', 5, t], ['S2', 12345, null]], ops: [Op.Insert, Op.UpdateAfter] });
  w.write({ rows: [['a much longer sensor name', 1, t]], ops: null });
  await w.flush();
  assert.equal(
    out.text,
    [
      'op  sensor       n  ts',
      '--  -------  -----  ------------------------',
      '+I  Sensor1      5  2024-05-20T10:00:10.000Z',
      '+U  S2       12345  NULL',
      '+I  a much…      1  2024-05-20T10:00:10.000Z',
      '',
    ].join('\n'),
  );
  const jsonOut = new Capture();
  jsonOut.isTTY = true;
  const j = createStdoutSink(jsonOut).open(sinkDef({ format: 'jsonl' }), columns, false);
  j.write({ rows: [['x', 1, null]], ops: null });
  await j.flush();
  assert.equal(jsonOut.text, '{"sensor":"x","n":1,"ts":null}\n');
});

test('side outputs append JSON lines, creating directories', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'dlq', 'dead.jsonl');
  const s = openSideOutput(file);
  s.write({ source: 'raw', reason: 'not valid JSON', position: { file: 'in.jsonl', line: 3, offset: 10 } });
  await s.close();
  const s2 = openSideOutput(file);
  s2.write({ n: 2 });
  await s2.flush();
  await s2.close();
  assert.equal(fs.readFileSync(file, 'utf8'), '{"source":"raw","reason":"not valid JSON","position":{"file":"in.jsonl","line":3,"offset":10}}\n{"n":2}\n');
});

test('registry lists and finds the connectors', () => {
  assert.deepEqual(sourceConnectorNames(), ['file', 'datagen', 'kafka', 'http']);
  assert.deepEqual(sinkConnectorNames(), ['file', 'stdout', 'kafka', 'blackhole']);
  assert.equal(sourceConnector('FILE')?.name, 'file');
  assert.equal(sinkConnector('stdout')?.name, 'stdout');
  assert.equal(sourceConnector('KAFKA')?.name, 'kafka');
  assert.equal(sourceConnector('pulsar'), undefined);
  for (const o of ['connector', 'path', 'format', 'follow', 'batch_size', 'dead_letter', 'late']) assert.ok(sourceConnector('file')!.options.includes(o));
  for (const o of ['generator', 'count', 'rate', 'seed', 'start', 'sensors', 'disorder', 'batch_size']) assert.ok(sourceConnector('datagen')!.options.includes(o));
  for (const o of ['path', 'format']) assert.ok(sinkConnector('file')!.options.includes(o));
});
