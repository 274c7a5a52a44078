// `npm run bench`: events per second of the 10 s tumbling job (1,000 keys; COUNT, SUM, MIN,
// MAX, AVG) over JSON lines, end to end (file source -> engine -> file sink), against
// (1) a hand-written baseline in the same run: chunked reads, JSON.parse, a Map aggregation
//     with the same watermark rule, and the same JSON-lines output (the physical limit for
//     this job in Node), and (2) DuckDB running the batch query over the same file.
// Then the cost of durability: the engine with checkpoints into a state directory every
// BENCH_CHECKPOINT_MS (default 500 ms; each fsyncs the file outputs first), for this job and for
// a pass-through job that writes every event (where fsync has the most to write).
// Prints figures and ratios; never asserts. BENCH_EVENTS sets the input size.

import fs, { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { once } from 'node:events';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Catalog } from '../src/catalog/catalog.js';
import { loadScriptText } from '../src/cli/load.js';
import { planSinks } from '../src/plan/job.js';
import { Job } from '../src/exec/job.js';
import { CheckpointStore } from '../src/state/checkpoint.js';
import { planFingerprint } from '../src/state/fingerprint.js';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 2_000_000);
const KEYS = 1000;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const BASE_MS = Date.UTC(2024, 4, 20, 10, 0, 0);
const WINDOW_MS = 10_000;
const DELAY_MS = 1_000;
const CHECKPOINT_MS = Number(process.env['BENCH_CHECKPOINT_MS'] ?? 500);

/** Every fsync's duration, call to callback (file outputs are synced before each checkpoint): the machine's load hardly moves it. */
const fsyncs = { calls: 0, ms: 0 };
{
  const real = fs.fsync;
  fs.fsync = ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
    const t0 = performance.now();
    fsyncs.calls++;
    real(fd, (e) => {
      fsyncs.ms += performance.now() - t0;
      cb(e);
    });
  }) as typeof fs.fsync;
  syncBuiltinESMExports();
}

async function writeInput(file: string): Promise<void> {
  const out = createWriteStream(file);
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let buf = '';
  for (let i = 0; i < EVENTS; i++) {
    // ~2,000 events per second of event time, up to 500 ms out of order.
    const ts = BASE_MS + Math.floor(i / 2) - Math.floor(rnd() * 500);
    const sensor = `sensor-${Math.floor(rnd() * KEYS)}`;
    const value = Math.round(rnd() * 10000) / 100;
    buf += `{"sensor":"${sensor}","value":${value},"ts":${ts}}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.write(buf);
  out.end();
  await once(out, 'finish');
}

interface Acc {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** The hand-written baseline: what a careful Node programmer writes for this one job. */
async function baseline(input: string, output: string): Promise<number> {
  const out = createWriteStream(output);
  const windows = new Map<number, Map<string, Acc>>();
  let maxTs = -Infinity;
  let rest = '';
  let outBuf = '';
  const close = (wm: number) => {
    for (const [start, groups] of windows) {
      if (start + WINDOW_MS > wm) continue;
      for (const [sensor, a] of groups) {
        outBuf += JSON.stringify({ sensor, window_start: new Date(start).toISOString(), window_end: new Date(start + WINDOW_MS).toISOString(), cnt: a.count, total: a.sum, min_v: a.min, max_v: a.max, mean_v: a.sum / a.count }) + '\n';
      }
      windows.delete(start);
    }
  };
  for await (const chunk of createReadStream(input, { highWaterMark: 1 << 20, encoding: 'utf8' })) {
    const text = rest + (chunk as string);
    let pos = 0;
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      const o = JSON.parse(text.slice(pos, nl)) as { sensor: string; value: number; ts: number };
      pos = nl + 1;
      const start = o.ts - (o.ts % WINDOW_MS);
      if (start + WINDOW_MS <= maxTs - DELAY_MS) continue; // late
      if (o.ts > maxTs) maxTs = o.ts;
      let g = windows.get(start);
      if (!g) windows.set(start, (g = new Map()));
      const a = g.get(o.sensor);
      if (a) {
        a.count++;
        a.sum += o.value;
        if (o.value < a.min) a.min = o.value;
        if (o.value > a.max) a.max = o.value;
      } else g.set(o.sensor, { count: 1, sum: o.value, min: o.value, max: o.value });
    }
    rest = text.slice(pos);
    close(maxTs - DELAY_MS);
    if (outBuf.length > 0) {
      if (!out.write(outBuf)) await once(out, 'drain');
      outBuf = '';
    }
  }
  close(Infinity);
  out.write(outBuf);
  out.end();
  await once(out, 'finish');
  return EVENTS;
}

const AGG = `SELECT sensor, window_start, window_end, COUNT(*) AS cnt, SUM(value) AS total, MIN(value) AS min_v, MAX(value) AS max_v, AVG(value) AS mean_v
    FROM raw GROUP BY sensor, TUMBLE(ts, 10s)`;
const PASS = 'SELECT sensor, value, ts FROM raw WHERE value >= 0';

/** The engine on `query`; with `stateDir`, checkpointed there every CHECKPOINT_MS as `sluice run` does. */
async function engine(dir: string, input: string, output: string, query = AGG, stateDir?: string): Promise<number> {
  const sql = `
    CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
      WITH (connector = 'file', path = '${input}', format = 'jsonl');
    CREATE SINK agg WITH (connector = 'file', path = '${output}', format = 'jsonl') AS ${query};`;
  const script = loadScriptText(sql, 'bench.sql', dir, new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
  if (stateDir === undefined) return (await new Job(plan).run()).metrics.sources[0]!.recordsIn;
  rmSync(stateDir, { recursive: true, force: true });
  const store = await CheckpointStore.open(stateDir);
  try {
    const job = new Job(plan, { checkpoints: { target: store, fingerprint: planFingerprint(plan), intervalMs: CHECKPOINT_MS } });
    return (await job.run()).metrics.sources[0]!.recordsIn;
  } finally {
    store.close();
  }
}

async function duckdb(input: string): Promise<number> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const reader = await conn.runAndReadAll(`
    SELECT count(*) FROM (
      SELECT sensor, time_bucket(INTERVAL 10 SECOND, epoch_ms(ts)) AS w, count(*), sum(value), min(value), max(value), avg(value)
      FROM read_json('${input}', columns = {sensor: 'VARCHAR', value: 'DOUBLE', ts: 'BIGINT'}, format = 'newline_delimited')
      GROUP BY ALL)`);
  const rows = reader.getRowsJS();
  conn.closeSync();
  return Number(rows[0]![0]);
}

async function timed(fn: () => Promise<number>): Promise<{ seconds: number; n: number }> {
  globalThis.gc?.();
  const t0 = process.hrtime.bigint();
  const n = await fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, n };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
try {
  const input = path.join(dir, 'events.jsonl');
  process.stdout.write(`generating ${EVENTS.toLocaleString('en-US')} events over ${KEYS} keys ...\n`);
  await writeInput(input);
  const mb = statSync(input).size / 1e6;
  process.stdout.write(`input: ${mb.toFixed(0)} MB of JSON lines; job: 10 s tumbling COUNT/SUM/MIN/MAX/AVG by sensor; best of ${ROUNDS} rounds\n\n`);
  const best = { baseline: Infinity, engine: Infinity, duckdb: Infinity };
  let peakRss = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const b = await timed(() => baseline(input, path.join(dir, 'baseline.jsonl')));
    const e = await timed(() => engine(dir, input, path.join(dir, 'engine.jsonl')));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const d = await timed(() => duckdb(input));
    best.baseline = Math.min(best.baseline, b.seconds);
    best.engine = Math.min(best.engine, e.seconds);
    best.duckdb = Math.min(best.duckdb, d.seconds);
    process.stdout.write(`round ${r + 1}: baseline ${b.seconds.toFixed(2)} s, engine ${e.seconds.toFixed(2)} s, duckdb ${d.seconds.toFixed(2)} s\n`);
  }
  const rate = (s: number) => Math.round(EVENTS / s);
  const fmt = (n: number) => n.toLocaleString('en-US').padStart(12);
  process.stdout.write(`\n${'hand-written baseline'.padEnd(24)}${fmt(rate(best.baseline))} events/s\n`);
  process.stdout.write(`${'sluice engine'.padEnd(24)}${fmt(rate(best.engine))} events/s\n`);
  process.stdout.write(`${'duckdb batch query'.padEnd(24)}${fmt(rate(best.duckdb))} events/s\n\n`);
  const ratio = best.baseline / best.engine;
  process.stdout.write(`engine / baseline: ${ratio.toFixed(2)} (target >= 0.70: ${ratio >= 0.7 ? 'met' : 'NOT met'})\n`);
  process.stdout.write(`engine / duckdb:   ${(best.duckdb / best.engine).toFixed(2)}\n`);
  process.stdout.write(`peak RSS after the engine runs: ${(peakRss / 1e6).toFixed(0)} MB\n`);

  // Durability: checkpoints (file outputs fsynced before each) against none, same job.
  process.stdout.write(`\ncheckpoints every ${CHECKPOINT_MS} ms into a state directory, best of ${ROUNDS} rounds:\n`);
  for (const [name, query] of [['tumbling job', AGG], ['pass-through job (every event written)', PASS]] as const) {
    const best2 = { plain: Infinity, checkpointed: Infinity };
    fsyncs.calls = 0;
    fsyncs.ms = 0;
    for (let r = 0; r < ROUNDS; r++) {
      best2.plain = Math.min(best2.plain, (await timed(() => engine(dir, input, path.join(dir, 'plain.jsonl'), query))).seconds);
      best2.checkpointed = Math.min(best2.checkpointed, (await timed(() => engine(dir, input, path.join(dir, 'ckpt.jsonl'), query, path.join(dir, 'state')))).seconds);
    }
    const outMb = statSync(path.join(dir, 'ckpt.jsonl')).size / 1e6;
    process.stdout.write(`${name.padEnd(40)}${fmt(rate(best2.plain))} events/s without, ${fmt(rate(best2.checkpointed))} with checkpoints (${((best2.checkpointed / best2.plain - 1) * 100).toFixed(1)}%; ${outMb.toFixed(0)} MB written)\n`);
    process.stdout.write(`${''.padEnd(40)}fsync: ${Math.round(fsyncs.calls / ROUNDS)} calls per run, ${(fsyncs.ms / ROUNDS).toFixed(0)} ms per run in all (${(fsyncs.ms / ROUNDS / Math.max(1, fsyncs.calls / ROUNDS)).toFixed(1)} ms each)\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
