// State benchmark, two shapes, each run once per budget in its own process so peak RSS is its own:
// - `minute`: BENCH_KEYS (default 10M) distinct VARCHAR keys, each once, in 1-minute tumbling
//   windows over 3 minutes (COUNT, SUM, MAX): windows close as the job runs.
// - `open`: BENCH_OPEN_EVENTS (default 4M) events over ~2.5M random BIGINT keys in one 1-day
//   TUMBLE (COUNT, SUM): every group stays open until the end, the worst case for a budget.
// - `skewed`: BENCH_SKEW_EVENTS (default 3M) events over BIGINT keys drawn Zipf-like (rank r of
//   BENCH_SKEW_KEYS, default 1M, with probability ~1/r: half the events on the 1,000 hottest), in
//   `GROUP BY k` without a window (COUNT, SUM): under a budget the coldest keys spill whole and a
//   key touched again is loaded back, so the eviction order decides how often that happens.
// Prints throughput, peak RSS, rows spilled and loaded back (keyed state), the heap each open group holds (no budget), and one mid-run
// checkpoint's duration and size. Figures only; nothing is asserted. BENCH_SHAPES=open (or
// minute) runs one shape; BENCH_BUDGETS=none,64MB picks the budgets; BENCH_CHECKPOINT=off skips the checkpoint.
// Under a budget it also prints how often the JS heap's unused memory was given back (state/heap-release.ts).
// BENCH_TRACE=1 prints resident memory by kind every 50 batches and at the sampled peak;
// BENCH_TRACE=close also every 100 ms of the close at end of input.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../src/catalog/catalog.js';
import { heapFlags, MALLOC_ENV } from '../src/cli/heap-cap.js';
import { loadScriptText } from '../src/cli/load.js';
import type { SinkWriter, SourceReader, SourceRecord } from '../src/connectors/connector.js';
import { Job } from '../src/exec/job.js';
import { planSinks } from '../src/plan/job.js';
import { CheckpointStore } from '../src/state/checkpoint.js';
import { planFingerprint } from '../src/state/fingerprint.js';
import { parseBytes } from '../src/util/units.js';
import type { SpillStore } from '../src/state/spill.js';

const TRACE = process.env['BENCH_TRACE'] !== undefined;
/** BENCH_CHECKPOINT=off: no mid-run checkpoint (what it adds to peak RSS and time). */
const MID_CHECKPOINT = process.env['BENCH_CHECKPOINT'] !== 'off';
const BATCH = 8192;
const BASE = Date.UTC(2024, 4, 20, 0, 0, 0);

interface Shape {
  readonly title: string;
  readonly events: number;
  readonly sql: string;
  readonly budgets: readonly string[];
  /** The value of event i. */
  record(i: number): Record<string, unknown>;
}

const MINUTE_KEYS = Number(process.env['BENCH_KEYS'] ?? 10_000_000);
const OPEN_EVENTS = Number(process.env['BENCH_OPEN_EVENTS'] ?? 4_000_000);
const SKEW_EVENTS = Number(process.env['BENCH_SKEW_EVENTS'] ?? 3_000_000);
const SKEW_KEYS = Number(process.env['BENCH_SKEW_KEYS'] ?? 1_000_000);
const LN_SKEW_KEYS = Math.log(SKEW_KEYS);

/** A 32-bit LCG on Math.imul (exact), so the open shape's keys are the same in every run. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
}

let openRandom = lcg(42);
let skewRandom = lcg(7);

const SHAPES: Readonly<Record<string, Shape>> = {
  minute: {
    title: `${MINUTE_KEYS.toLocaleString('en')} distinct keys, 1-minute tumbling windows (COUNT, SUM, MAX per key)`,
    events: MINUTE_KEYS,
    sql: `CREATE SOURCE bids (bidder VARCHAR, price BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'datagen');
CREATE SINK out AS SELECT bidder, window_start, COUNT(*) AS n, SUM(price) AS s, MAX(price) AS m FROM bids GROUP BY bidder, TUMBLE(ts, 1m);`,
    budgets: ['256MB', 'none'],
    // Each key once; event time spans 3 minutes, so about a third of the keys are open at a time.
    record: (i) => ({ bidder: `b${i}`, price: i % 1000, ts: BASE + 36_000_000 + Math.floor((i * 180_000) / MINUTE_KEYS) }),
  },
  open: {
    title: `${OPEN_EVENTS.toLocaleString('en')} events, random BIGINT keys (~${Math.round(OPEN_EVENTS * 0.632 / 1e5) / 10}M groups), one 1-day TUMBLE open to the end (COUNT, SUM)`,
    events: OPEN_EVENTS,
    sql: `CREATE SOURCE ev (k BIGINT, v BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'datagen');
CREATE SINK out AS SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY k, TUMBLE(ts, INTERVAL '1' DAY);`,
    budgets: ['none', '64MB', '256MB'],
    // Keys beyond the 31-bit small integers, as real ids are; 20 ms of event time per event.
    record: (i) => ({ k: Math.floor(openRandom() * OPEN_EVENTS) * 1_000_003, v: i % 1000, ts: BASE + i * 20 }),
  },
  skewed: {
    title: `${SKEW_EVENTS.toLocaleString('en')} events, Zipf-like BIGINT keys (rank r of ${SKEW_KEYS.toLocaleString('en')} with probability ~1/r), GROUP BY k without a window (COUNT, SUM)`,
    events: SKEW_EVENTS,
    sql: `CREATE SOURCE ev (k BIGINT, v BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'datagen');
CREATE SINK out AS SELECT k, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY k;`,
    budgets: ['none', '64MB'],
    // exp(u ln N) is log-uniform: rank r has probability ~1/(r ln N). Ranks scattered over the ids.
    record: (i) => ({ k: Math.floor(Math.exp(skewRandom() * LN_SKEW_KEYS)) * 1_000_003, v: i % 1000, ts: BASE + i * 20 }),
  },
};

async function child(shapeName: string, budget: number | undefined): Promise<void> {
  const shape = SHAPES[shapeName]!;
  openRandom = lcg(42);
  skewRandom = lcg(7);
  const script = loadScriptText(shape.sql, 'bench.sql', process.cwd(), new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-state-'));
  const store = await CheckpointStore.open(dir);
  const events = shape.events;
  let batches = 0;
  const total = Math.ceil(events / BATCH);
  let out = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = heapBytes();
  /** Heap and state rows in memory after the last batch, before end of input closes the windows. */
  let atEnd: { heap: number; rows: number } | undefined;
  const reader: SourceReader = {
    bounded: true,
    async run(emit) {
      for (let i = 0; i < events; ) {
        const n = Math.min(BATCH, events - i);
        const batch: SourceRecord[] = new Array(n);
        for (let j = 0; j < n; j++, i++) batch[j] = { value: shape.record(i), position: { index: i } };
        batches++;
        if (TRACE && batches % 50 === 0) {
          const m = process.memoryUsage();
          const st = job.metrics().state.map((t) => t.rows).join('/');
          const duck = await duckMemory(job);
          const lo = v8.getHeapSpaceStatistics().find((sp) => sp.space_name === 'large_object_space');
          process.stderr.write(`batch ${batches}: rss ${Math.round(m.rss / 2 ** 20)} MB (${rssParts()} [${smapsParts()}]) heap ${Math.round(m.heapUsed / 2 ** 20)}/${Math.round(m.heapTotal / 2 ** 20)} MB (large objects ${Math.round((lo?.space_size ?? 0) / 2 ** 20)} MB) ext ${Math.round(m.external / 2 ** 20)} MB duckdb ${duck}, memory rows ${st}\n`);
        }
        await emit(batch);
      }
      if (gc) {
        gc();
        atEnd = { heap: heapBytes() - heapBefore, rows: job.metrics().state.reduce((s, t) => s + t.rows, 0) };
      }
    },
  };
  const sink: SinkWriter = { write: (b) => void (out += b.rows.length), flush: async () => {}, close: async () => {} };
  let ckpt: { ms: number; bytes: number } | undefined;
  // Once, at the first batch boundary past half the input: the source may read a batch ahead of
  // the job, so an exact batch count can be passed between two looks (the unbudgeted run then
  // took no mid-run checkpoint at all).
  let midDone = false;
  const job = new Job(plan, {
    hooks: { sourceReader: () => reader, sinkWriter: () => sink },
    checkpoints: { target: store, fingerprint: planFingerprint(plan), due: () => MID_CHECKPOINT && !midDone && batches >= Math.floor(total / 2), onCheckpoint: (s) => void (s.id === 2 ? ((ckpt = s), (midDone = true)) : undefined) },
    ...(budget !== undefined ? { stateMemory: { bytes: budget, dir } } : {}),
  });
  // Under BENCH_TRACE, the moment of peak RSS (between the per-50-batch lines): heap then, and the batch.
  let closeTicks = 0;
  let peak = { rss: 0, heap: 0, heapTotal: 0, batch: 0, spaces: '', anon: '', ext: 0 };
  const sampler = TRACE
    ? setInterval(() => {
        const m = process.memoryUsage();
        if (m.rss > peak.rss) peak = { rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal, batch: batches, spaces: heapSpaces(), anon: `${rssParts()} [${smapsParts()}]`, ext: m.external };
        if (process.env['BENCH_TRACE'] === 'close' && batches === total && ++closeTicks % 5 === 0) process.stderr.write(`close +${closeTicks * 20} ms: rss ${Math.round(m.rss / 2 ** 20)} [${smapsParts()}] heap ${Math.round(m.heapUsed / 2 ** 20)}/${Math.round(m.heapTotal / 2 ** 20)} ext ${Math.round(m.external / 2 ** 20)}\n`);
      }, 20)
    : undefined;
  const t0 = performance.now();
  const cpu0 = (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
  await job.run();
  if (sampler) {
    clearInterval(sampler);
    const mb = (n: number): number => Math.round(n / 2 ** 20);
    process.stderr.write(`peak sampled rss ${mb(peak.rss)} MB at batch ${peak.batch} of ${total}: ${peak.anon}, heap ${mb(peak.heap)}/${mb(peak.heapTotal)} MB, ext ${mb(peak.ext)} MB, resident by space: ${peak.spaces}\n`);
  }
  const secs = (performance.now() - t0) / 1000;
  store.close();
  rmSync(dir, { recursive: true, force: true });
  const rssMB = process.resourceUsage().maxRSS / 1024;
  let keyedSpilled = 0;
  let keyedLoaded = 0;
  for (const { table } of jobState(job).tables) {
    const t = table as { rowsSpilledTotal?: number; rowsLoadedTotal?: number };
    keyedSpilled += t.rowsSpilledTotal ?? 0;
    keyedLoaded += t.rowsLoadedTotal ?? 0;
  }
  const bytesPerGroup = budget === undefined && atEnd !== undefined && atEnd.rows > 0 ? atEnd.heap / atEnd.rows : null;
  process.stdout.write(
    JSON.stringify({ budget: budget ?? null, events, rows: out, secs, cpuSecs: (process.cpuUsage().user + process.cpuUsage().system) / 1e6 - cpu0, eventsPerSec: events / secs, peakRssMB: rssMB, bytesPerGroup, openGroups: atEnd?.rows ?? null, checkpointMs: ckpt?.ms ?? null, checkpointMB: ckpt ? ckpt.bytes / 2 ** 20 : null, keyedSpilled, keyedLoaded, heapReleases: jobState(job).heapReleases.count, heapReleaseMs: jobState(job).heapReleases.ms }) + '\n',
  );
}

/** Anonymous and file-backed resident memory (Linux), to tell native allocations from mapped files. */
function rssParts(): string {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return `anon ${Math.round(kb('RssAnon') / 1024)} file ${Math.round(kb('RssFile') / 1024)}`;
  } catch {
    return '-';
  }
}

/** Resident anonymous memory by mapping size class (trace only): 256 KB mappings, [heap], the rest. */
function smapsParts(): string {
  try {
    const text = readFileSync('/proc/self/smaps', 'utf8');
    const acc = new Map<string, number>();
    let cls = '';
    for (const line of text.split('\n')) {
      const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) {
        const kb = (parseInt(head[2]!, 16) - parseInt(head[1]!, 16)) / 1024;
        const name = head[3] ?? '';
        cls = name.startsWith('/') ? '' : name !== '' ? name : kb === 256 ? '256K' : kb < 1024 ? '<1M' : kb % 1024 === 4 ? 'mmapchunk' : 'anon>=1M';
        continue;
      }
      const rss = /^Rss:\s+(\d+)/.exec(line);
      if (rss && cls !== '') acc.set(cls, (acc.get(cls) ?? 0) + Number(rss[1]));
    }
    return [...acc].filter(([, v]) => v >= 1024).map(([k, v]) => `${k} ${Math.round(v / 1024)}`).join(', ');
  } catch {
    return '-';
  }
}

/** V8's heap spaces' resident bytes (physical_space_size), in MB, the larger ones. */
function heapSpaces(): string {
  return v8
    .getHeapSpaceStatistics()
    .filter((sp) => sp.physical_space_size >= 2 ** 19)
    .map((sp) => `${sp.space_name.replace('_space', '')} ${Math.round(sp.physical_space_size / 2 ** 20)}`)
    .join(', ');
}

/** The JS heap in use plus ArrayBuffers (typed arrays' contents live outside the heap). */
function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** The job's state tables and DuckDB tier (private to Job; a benchmark may look). */
function jobState(job: Job): { store?: SpillStore; tables: Array<{ table: object }>; heapReleases: { count: number; ms: number } } {
  return (job as unknown as { state: { store?: SpillStore; tables: Array<{ table: object }>; heapReleases: { count: number; ms: number } } }).state;
}

/** DuckDB's own account of its memory (duckdb_memory(): buffer pool by tag) and its temp files, in MB. */
async function duckMemory(job: Job): Promise<string> {
  const store = jobState(job).store;
  if (store === undefined) return '-';
  const rows = (await store.conn.runAndReadAll('SELECT tag, memory_usage_bytes, temporary_storage_bytes FROM duckdb_memory()')).getRowsJS();
  const mb = (n: unknown): number => Math.round(Number(n ?? 0) / 2 ** 20);
  const total = rows.reduce((s, r) => s + Number(r[1] ?? 0), 0);
  const temp = rows.reduce((s, r) => s + Number(r[2] ?? 0), 0);
  const tags = rows.filter((r) => Number(r[1] ?? 0) >= 2 ** 20).map((r) => `${String(r[0]).toLowerCase()} ${mb(r[1])}`);
  return `${mb(total)} MB [${tags.join(', ')}] (temp ${mb(temp)} MB)`;
}

function parent(): void {
  const self = fileURLToPath(import.meta.url);
  const only = process.env['BENCH_SHAPES']?.split(',');
  const budgetsWanted = process.env['BENCH_BUDGETS']?.split(',');
  for (const [name, shape] of Object.entries(SHAPES)) {
    if (only && !only.includes(name)) continue;
    const results: Array<Record<string, number | null>> = [];
    for (const budget of budgetsWanted ?? shape.budgets) {
      const bytes = budget === 'none' ? undefined : parseBytes(budget)!;
      // Under a budget, the heap cap and malloc settings `sluice run` gives itself (cli/heap-cap.ts);
      // the no-budget run keeps V8's default growth (and --expose-gc, to weigh the open groups).
      const flags = bytes === undefined ? ['--max-old-space-size=16384', '--expose-gc'] : heapFlags(bytes);
      const env = bytes === undefined ? process.env : { ...MALLOC_ENV, ...process.env };
      const r = spawnSync(process.execPath, [...flags, self, 'child', name, budget], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      try {
        results.push(JSON.parse(line) as Record<string, number | null>);
      } catch {
        process.stdout.write(`${name}: run with budget ${budget} failed (status ${r.status}, signal ${r.signal})\n`);
      }
    }
    process.stdout.write(`${shape.title}\n`);
    const free = results.find((r) => r['budget'] === null);
    for (const r of results) {
      const budgetMB = r['budget'] === null ? undefined : Math.round((r['budget'] as number) / 2 ** 20);
      const rss = Math.round(r['peakRssMB'] as number);
      const perGroup = r['bytesPerGroup'] === null ? '' : `, ${Math.round(r['bytesPerGroup'] as number)} B heap per open group (JS heap and ArrayBuffers, after a GC) (${(r['openGroups'] as number).toLocaleString('en')} open)`;
      const over = budgetMB === undefined ? '' : ` (budget + ${rss - budgetMB} MB)`;
      const keyed = (r['keyedSpilled'] as number) > 0 ? `, keyed rows spilled ${(r['keyedSpilled'] as number).toLocaleString('en')} and loaded back ${(r['keyedLoaded'] as number).toLocaleString('en')}` : '';
      const releases = (r['heapReleases'] as number) > 0 ? `, heap released ${r['heapReleases']} times (${Math.round(r['heapReleaseMs'] as number)} ms)` : '';
      const ratio = budgetMB !== undefined && free ? `, ${((r['eventsPerSec'] as number) / (free['eventsPerSec'] as number)).toFixed(2)} of no budget's throughput` : '';
      process.stdout.write(
        `  budget ${budgetMB === undefined ? 'none ' : `${budgetMB} MB`}: ${Math.round(r['eventsPerSec'] as number).toLocaleString('en')} events/s, ${(r['secs'] as number).toFixed(1)} s (CPU ${(r['cpuSecs'] as number).toFixed(1)} s), peak RSS ${rss} MB${over}${perGroup}${keyed}${releases}${ratio}, ` +
          `mid-run checkpoint ${r['checkpointMs'] === null ? '-' : `${Math.round(r['checkpointMs'] as number)} ms, ${(r['checkpointMB'] as number).toFixed(1)} MB`}, ${r['rows']} rows out\n`,
      );
    }
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4] === 'none' ? undefined : parseBytes(process.argv[4]!));
else parent();
