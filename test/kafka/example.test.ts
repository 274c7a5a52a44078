// examples/kafka/sensor-downsampling.sql end to end on the broker: `sluice produce` feeds the
// tutorial's messages, the job (made bounded, on fresh topic names) equals DuckDB under
// `compare`, and `sluice run` writes the tutorial's agg-temperature messages keyed by sensor.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { broker, readAll, unique } from './broker.js';

const run = promisify(execFile);
const CLI = path.resolve('bin/sluice.js');
const EXAMPLE = path.resolve('examples/kafka/sensor-downsampling.sql');

test('the Kafka downsampling example: produce, compare with DuckDB, run to agg-temperature', async () => {
  const brokers = await broker();
  const raw = unique('raw-temp-data');
  const agg = unique('agg-temperature');
  await run(process.execPath, [CLI, 'produce', raw, '--generator', 'sensors', '--count', '400', '--disorder', '800ms', '--partitions', '3', '--brokers', brokers]);
  const sql = fs
    .readFileSync(EXAMPLE, 'utf8')
    .replaceAll("'raw-temp-data", `'${raw}`)
    .replaceAll("'agg-temperature'", `'${agg}'`)
    .replace("idle_timeout = '5s',", "bounded = 'latest',");
  assert.ok(sql.includes("bounded = 'latest'"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kafka-example-'));
  const file = path.join(dir, 'job.sql');
  fs.writeFileSync(file, sql);
  const env = { ...process.env, SLUICE_BROKERS: brokers };

  const compared = await run(process.execPath, [CLI, 'compare', file], { env });
  assert.match(compared.stdout, /agg_temperature: equal \(\d+ rows\)/);

  await run(process.execPath, [CLI, 'run', file, '--fresh'], { env });
  const out = await readAll(agg);
  assert.ok(out.length >= 10, `${out.length} windows`);
  let count = 0;
  for (const m of out) {
    const v = JSON.parse(m.value!.toString()) as { sensor: string; time: string; temperature: { count: number; min: number; max: number; mean: number } };
    assert.equal(m.key!.toString(), v.sensor);
    assert.match(v.time, /^2024-05-20T10:\d\d:\d0\.000Z$/);
    assert.ok(v.temperature.min <= v.temperature.mean && v.temperature.mean <= v.temperature.max);
    count += v.temperature.count;
  }
  const late = (await readAll(`${raw}.late`)).length;
  assert.equal(count + late, 400, 'every reading is in a window or in the late topic');
});
