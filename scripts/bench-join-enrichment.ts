// The sensor-enrichment half of `npm run bench:join`: BENCH_EVENTS sensor readings (JSON lines,
// default 1M, over BENCH_SENSORS sensors, default 1,000) LEFT JOINed with a metadata CSV table
// (PRIMARY KEY sensor, every 20th sensor missing, so NULL-padded rows are written too), as in
// queries/sensor-enrichment.sql, through the engine and by a hand-written Node baseline: the
// CSV loaded into a Map, the readings streamed in 1 MB chunks, the same JSON-lines output.

import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import * as path from 'node:path';
import { Catalog } from '../src/catalog/catalog.js';
import { loadScriptText } from '../src/cli/load.js';
import { planSinks } from '../src/plan/job.js';
import { Job } from '../src/exec/job.js';

const SENSORS = Number(process.env['BENCH_SENSORS'] ?? 1000);
const BASE_MS = Date.UTC(2024, 4, 20, 10, 0, 0);
/** Event time advances 10 ms per reading, jittering back up to 2 s (the watermark is 5 s behind). */
const STEP_MS = 10;
const JITTER_MS = 2000;
const DELAY_MS = 5000;
const BUILDINGS = ['North', 'South', 'East', 'West'];

export const ENRICHMENT_JOB = 'readings r LEFT JOIN sensor_meta m ON r.sensor = m.sensor (a CSV lookup table)';

/** The readings file and the metadata CSV (a sensor whose number is a multiple of 20 is not listed). */
export async function writeEnrichmentInputs(dir: string, events: number): Promise<void> {
  let csv = 'sensor,building,floor,max_temp\n';
  for (let s = 0; s < SENSORS; s++) if (s % 20 !== 0) csv += `sensor-${s},${BUILDINGS[s % BUILDINGS.length]},${s % 10},${50 + (s % 40)}\n`;
  writeFileSync(path.join(dir, 'sensor-meta.csv'), csv);
  const out = createWriteStream(path.join(dir, 'readings.jsonl'));
  let seed = 424242;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let buf = '';
  for (let i = 0; i < events; i++) {
    const ts = BASE_MS + i * STEP_MS - Math.floor(rnd() * JITTER_MS);
    buf += `{"sensor":"sensor-${Math.floor(rnd() * SENSORS)}","value":${Math.floor(rnd() * 1000) / 10},"ts":${ts}}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.write(buf);
  out.end();
  await once(out, 'finish');
}

interface Reading {
  sensor: string;
  value: number;
  ts: number;
}

/** The hand-written baseline: what a careful Node programmer writes for this one lookup join. */
export async function enrichmentBaseline(dir: string, output: string): Promise<number> {
  // The CSV into a Map (values are plain, unquoted fields: this script wrote them).
  const meta = new Map<string, { building: string; floor: number; maxTemp: number }>();
  const csv = readFileSync(path.join(dir, 'sensor-meta.csv'), 'utf8').split('\n');
  for (let i = 1; i < csv.length; i++) {
    if (csv[i] === '') continue;
    const [sensor, building, floor, maxTemp] = csv[i]!.split(',') as [string, string, string, string];
    meta.set(sensor, { building, floor: Number(floor), maxTemp: Number(maxTemp) });
  }
  const out = createWriteStream(output);
  let maxTs = -Infinity;
  let late = 0;
  let events = 0;
  let rest = '';
  for await (const chunk of createReadStream(path.join(dir, 'readings.jsonl'), { highWaterMark: 1 << 20, encoding: 'utf8' })) {
    const text = rest + (chunk as string);
    let outBuf = '';
    let pos = 0;
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      const r = JSON.parse(text.slice(pos, nl)) as Reading;
      pos = nl + 1;
      events++;
      // Late rows (behind the watermark) are not joined, as the engine routes them to `late`.
      if (r.ts < maxTs - DELAY_MS) {
        late++;
        continue;
      }
      if (r.ts > maxTs) maxTs = r.ts;
      const m = meta.get(r.sensor);
      const head = `{"sensor":${JSON.stringify(r.sensor)},"ts":"${new Date(r.ts).toISOString()}","value":${r.value},`;
      outBuf += m === undefined
        ? `${head}"building":null,"floor":null,"over_max":null}\n`
        : `${head}"building":${JSON.stringify(m.building)},"floor":${m.floor},"over_max":${r.value > m.maxTemp}}\n`;
    }
    rest = text.slice(pos);
    if (outBuf.length > 0 && !out.write(outBuf)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  if (late > 0) process.stderr.write(`enrichment baseline: ${late} late rows\n`);
  return events;
}

export async function enrichmentEngine(dir: string, output: string): Promise<number> {
  const sql = `CREATE SOURCE readings (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${DELAY_MS / 1000}' SECOND)
      WITH (connector = 'file', path = '${path.join(dir, 'readings.jsonl')}', format = 'jsonl');
    CREATE TABLE sensor_meta (sensor VARCHAR, building VARCHAR, floor INT, max_temp DOUBLE, PRIMARY KEY (sensor))
      WITH (connector = 'file', path = '${path.join(dir, 'sensor-meta.csv')}', format = 'csv');
    CREATE SINK enriched WITH (connector = 'file', path = '${output}', format = 'jsonl') AS
    SELECT r.sensor, r.ts, r.value, m.building, m.floor, r.value > m.max_temp AS over_max
    FROM readings AS r LEFT JOIN sensor_meta AS m ON r.sensor = m.sensor;`;
  const script = loadScriptText(sql, 'bench-enrichment.sql', dir, new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
  const summary = await new Job(plan).run();
  // Only the readings count as events (the table's rows are reference data).
  return summary.metrics.sources.filter((s) => s.name === 'readings').reduce((n, s) => n + s.recordsIn, 0);
}
