// `npm run bench:join`: events per second of an interval join of two streams (BENCH_EVENTS per
// side, default 1M; 1,000 keys; `r.ts BETWEEN l.ts - 1 minute AND l.ts + 1 minute`), JSON lines
// in and out, through the engine against a hand-written Node baseline of the same join in the
// same run: both files read in alternating 1 MB chunks, JSON.parse, a Map of buffered rows per
// key and side, pairs probed on arrival, rows evicted once the join's watermark (the minimum
// of the left watermark and the right one minus the upper bound) passes their expiry, the same
// JSON-lines output. Also the sensor-enrichment join (scripts/bench-join-enrichment.ts);
// BENCH_JOIN=interval|enrichment|both (default both). Each run is its own child process, so its
// peak RSS is its own. Prints figures and the ratio (target >= 0.6); never asserts. Not part of
// `npm test`.

import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../src/catalog/catalog.js';
import { loadScriptText } from '../src/cli/load.js';
import { planSinks } from '../src/plan/job.js';
import { Job } from '../src/exec/job.js';
import { ENRICHMENT_JOB, enrichmentBaseline, enrichmentEngine, writeEnrichmentInputs } from './bench-join-enrichment.js';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const KEYS = 1000;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const BASE_MS = Date.UTC(2024, 4, 20, 10, 0, 0);
/** Event time advances 100 ms per event (10 per second per stream), jittering back up to 2 s. */
const STEP_MS = 100;
const JITTER_MS = 2000;
const DELAY_MS = 5000;
const BOUND_MS = 60_000;

async function writeInput(file: string, seed0: number): Promise<void> {
  const out = createWriteStream(file);
  let seed = seed0;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let buf = '';
  for (let i = 0; i < EVENTS; i++) {
    const ts = BASE_MS + i * STEP_MS - Math.floor(rnd() * JITTER_MS);
    buf += `{"k":"key-${Math.floor(rnd() * KEYS)}","v":${Math.floor(rnd() * 1000)},"ts":${ts}}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.write(buf);
  out.end();
  await once(out, 'finish');
}

interface Ev {
  k: string;
  v: number;
  ts: number;
}

/** The hand-written baseline: what a careful Node programmer writes for this one join. */
async function baseline(left: string, right: string, output: string): Promise<number> {
  const out = createWriteStream(output);
  // Per key, per side, the rows still waiting (arrival order).
  const waiting = new Map<string, { l: Ev[]; r: Ev[] }>();
  const maxTs = [-Infinity, -Infinity];
  let outBuf = '';
  let late = 0;
  const line = (l: Ev, r: Ev) => `{"k":${JSON.stringify(l.k)},"v":${l.v},"rv":${r.v},"ts":"${new Date(l.ts).toISOString()}","rts":"${new Date(r.ts).toISOString()}"}\n`;
  const onRow = (side: 0 | 1, e: Ev) => {
    if (e.ts < maxTs[side]! - DELAY_MS) {
      late++;
      return;
    }
    if (e.ts > maxTs[side]!) maxTs[side] = e.ts;
    let w = waiting.get(e.k);
    if (w === undefined) waiting.set(e.k, (w = { l: [], r: [] }));
    if (side === 0) {
      for (const r of w.r) if (r.ts >= e.ts - BOUND_MS && r.ts <= e.ts + BOUND_MS) outBuf += line(e, r);
      w.l.push(e);
    } else {
      for (const l of w.l) if (e.ts >= l.ts - BOUND_MS && e.ts <= l.ts + BOUND_MS) outBuf += line(l, e);
      w.r.push(e);
    }
  };
  const evict = () => {
    // A left row waits until the join's watermark passes it; a right row until it passes ts + bound.
    const wm = Math.min(maxTs[0]! - DELAY_MS, maxTs[1]! - DELAY_MS - BOUND_MS);
    for (const [k, w] of waiting) {
      if (w.l.length > 0 && w.l[0]!.ts < wm) w.l = w.l.filter((e) => e.ts >= wm);
      if (w.r.length > 0 && w.r[0]!.ts + BOUND_MS < wm) w.r = w.r.filter((e) => e.ts + BOUND_MS >= wm);
      if (w.l.length === 0 && w.r.length === 0) waiting.delete(k);
    }
  };
  const readers = [left, right].map((f) => createReadStream(f, { highWaterMark: 1 << 20, encoding: 'utf8' })[Symbol.asyncIterator]());
  const rest = ['', ''];
  const done = [false, false];
  while (!done[0] || !done[1]) {
    for (const side of [0, 1] as const) {
      if (done[side]) continue;
      const next = await readers[side]!.next();
      if (next.done) {
        done[side] = true;
        continue;
      }
      const text = rest[side]! + (next.value as string);
      let pos = 0;
      for (;;) {
        const nl = text.indexOf('\n', pos);
        if (nl < 0) break;
        onRow(side, JSON.parse(text.slice(pos, nl)) as Ev);
        pos = nl + 1;
      }
      rest[side] = text.slice(pos);
      evict();
      if (outBuf.length > 0) {
        if (!out.write(outBuf)) await once(out, 'drain');
        outBuf = '';
      }
    }
  }
  out.end();
  await once(out, 'finish');
  if (late > 0) process.stderr.write(`baseline: ${late} late rows\n`);
  return 2 * EVENTS;
}

async function engine(dir: string, left: string, right: string, output: string): Promise<number> {
  const src = (name: string, file: string) =>
    `CREATE SOURCE ${name} (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${DELAY_MS / 1000}' SECOND) WITH (connector = 'file', path = '${file}', format = 'jsonl');\n`;
  const sql = `${src('l', left)}${src('r', right)}
    CREATE SINK j WITH (connector = 'file', path = '${output}', format = 'jsonl') AS
    SELECT l.k, l.v, r.v AS rv, l.ts, r.ts AS rts FROM l JOIN r
      ON l.k = r.k AND r.ts BETWEEN l.ts - INTERVAL '1' MINUTE AND l.ts + INTERVAL '1' MINUTE;`;
  const script = loadScriptText(sql, 'bench-join.sql', dir, new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
  const summary = await new Job(plan).run();
  return summary.metrics.sources.reduce((n, s) => n + s.recordsIn, 0);
}

function lines(file: string): number {
  const buf = readFileSync(file);
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** One benchmark: its inputs, its two runs, and what its output lines are called. */
interface Bench {
  readonly title: string;
  /** Input events of one run (the rate's numerator). */
  readonly events: number;
  /** What one output line is, for the report ('pairs', 'rows'). */
  readonly unit: string;
  prepare(dir: string): Promise<string>;
  run(which: string, dir: string, output: string): Promise<number>;
}

const BENCHES: Record<'interval' | 'enrichment', Bench> = {
  interval: {
    title: 'interval join',
    events: 2 * EVENTS,
    unit: 'pairs',
    async prepare(dir) {
      process.stdout.write(`generating 2 × ${EVENTS.toLocaleString('en-US')} events over ${KEYS} keys ...\n`);
      await writeInput(path.join(dir, 'left.jsonl'), 12345);
      await writeInput(path.join(dir, 'right.jsonl'), 54321);
      const mb = (statSync(path.join(dir, 'left.jsonl')).size + statSync(path.join(dir, 'right.jsonl')).size) / 1e6;
      return `input: ${mb.toFixed(0)} MB of JSON lines; job: l JOIN r ON l.k = r.k AND r.ts BETWEEN l.ts - 1 minute AND l.ts + 1 minute`;
    },
    run(which, dir, output) {
      const [left, right] = ['left.jsonl', 'right.jsonl'].map((f) => path.join(dir, f)) as [string, string];
      return which === 'engine' ? engine(dir, left, right, output) : baseline(left, right, output);
    },
  },
  enrichment: {
    title: 'sensor-enrichment join',
    events: EVENTS,
    unit: 'rows',
    async prepare(dir) {
      process.stdout.write(`generating ${EVENTS.toLocaleString('en-US')} sensor readings and a metadata CSV ...\n`);
      await writeEnrichmentInputs(dir, EVENTS);
      const mb = statSync(path.join(dir, 'readings.jsonl')).size / 1e6;
      const kb = statSync(path.join(dir, 'sensor-meta.csv')).size / 1e3;
      return `input: ${mb.toFixed(0)} MB of JSON lines and a ${kb.toFixed(0)} kB CSV; job: ${ENRICHMENT_JOB}`;
    },
    run(which, dir, output) {
      return which === 'engine' ? enrichmentEngine(dir, output) : enrichmentBaseline(dir, output);
    },
  },
};

/** One measured run in this (child) process: prints {seconds, events, rows, rssMb} as JSON. */
async function child(bench: Bench, which: string, dir: string): Promise<void> {
  const output = path.join(dir, `${which}.out.jsonl`);
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const events = await bench.run(which, dir, output);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds, events, rows: lines(output), rssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

interface Run {
  seconds: number;
  /** CPU time (user + system) of the run: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  events: number;
  rows: number;
  rssMb: number;
}

function measure(name: string, which: string, dir: string): Run {
  const args = [...(process.env['BENCH_PROFILE'] && which === 'engine' ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE']}`] : []), fileURLToPath(import.meta.url), 'child', name, which, dir];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${name} ${which} run failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Run;
}

async function report(name: string, bench: Bench): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `sluice-bench-join-${name}-`));
  try {
    process.stdout.write(`== ${bench.title} ==\n`);
    const input = await bench.prepare(dir);
    process.stdout.write(`${input}; best of ${ROUNDS} rounds, each run in its own process\n\n`);
    const best = { baseline: Infinity, engine: Infinity };
    const cpu = { baseline: Infinity, engine: Infinity };
    const rss = { baseline: 0, engine: 0 };
    const rows = { baseline: 0, engine: 0 };
    const u = bench.unit;
    for (let r = 0; r < ROUNDS; r++) {
      const b = measure(name, 'baseline', dir);
      const e = measure(name, 'engine', dir);
      best.baseline = Math.min(best.baseline, b.seconds);
      best.engine = Math.min(best.engine, e.seconds);
      cpu.baseline = Math.min(cpu.baseline, b.cpuSeconds);
      cpu.engine = Math.min(cpu.engine, e.cpuSeconds);
      rss.baseline = Math.max(rss.baseline, b.rssMb);
      rss.engine = Math.max(rss.engine, e.rssMb);
      rows.baseline = b.rows;
      rows.engine = e.rows;
      process.stdout.write(`round ${r + 1}: baseline ${b.seconds.toFixed(2)} s (CPU ${b.cpuSeconds.toFixed(2)} s, ${b.rows.toLocaleString('en-US')} ${u}), engine ${e.seconds.toFixed(2)} s (CPU ${e.cpuSeconds.toFixed(2)} s, ${e.rows.toLocaleString('en-US')} ${u}, ${e.events.toLocaleString('en-US')} events in)\n`);
    }
    const rate = (s: number) => Math.round(bench.events / s);
    const fmt = (n: number) => n.toLocaleString('en-US').padStart(12);
    process.stdout.write(`\n${'hand-written baseline'.padEnd(24)}${fmt(rate(best.baseline))} events/s (${fmt(rate(cpu.baseline))} per CPU second)   peak RSS ${rss.baseline.toFixed(0)} MB\n`);
    process.stdout.write(`${'sluice engine'.padEnd(24)}${fmt(rate(best.engine))} events/s (${fmt(rate(cpu.engine))} per CPU second)   peak RSS ${rss.engine.toFixed(0)} MB\n\n`);
    const ratio = best.baseline / best.engine;
    process.stdout.write(`engine / baseline: ${ratio.toFixed(2)} (target >= 0.60: ${ratio >= 0.6 ? 'met' : 'NOT met'}); by CPU time ${(cpu.baseline / cpu.engine).toFixed(2)}\n`);
    if (rows.baseline !== rows.engine) process.stdout.write(`WARNING: the baseline wrote ${rows.baseline} ${u} and the engine ${rows.engine}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') {
  const name = process.argv[3];
  if (name !== 'interval' && name !== 'enrichment') throw new Error(`unknown benchmark '${name}'`);
  await child(BENCHES[name], process.argv[4]!, process.argv[5]!);
} else {
  const which = process.env['BENCH_JOIN'] ?? 'both';
  if (which !== 'interval' && which !== 'enrichment' && which !== 'both') throw new Error(`BENCH_JOIN must be interval, enrichment or both, not '${which}'`);
  const names: readonly (keyof typeof BENCHES)[] = which === 'both' ? ['interval', 'enrichment'] : [which];
  for (const [i, name] of names.entries()) {
    if (i > 0) process.stdout.write('\n');
    await report(name, BENCHES[name]);
  }
}
