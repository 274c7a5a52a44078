// State benchmark: BENCH_KEYS (default 10M) distinct keys in 1-minute tumbling windows, once under
// a 256 MB state budget (windows spill to DuckDB) and once with no budget, each in its own
// process so peak RSS is its own. Prints throughput, peak RSS, and one mid-run checkpoint's
// duration and size. Figures only; nothing is asserted.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../src/catalog/catalog.js';
import { heapFlags } from '../src/cli/heap-cap.js';
import { loadScriptText } from '../src/cli/load.js';
import type { SinkWriter, SourceReader, SourceRecord } from '../src/connectors/connector.js';
import { Job } from '../src/exec/job.js';
import { planSinks } from '../src/plan/job.js';
import { CheckpointStore } from '../src/state/checkpoint.js';
import { planFingerprint } from '../src/state/fingerprint.js';
import type { SpillStore } from '../src/state/spill.js';

const KEYS = Number(process.env['BENCH_KEYS'] ?? 10_000_000);
const BATCH = 8192;
const TRACE = process.env['BENCH_TRACE'] !== undefined;
const BASE = Date.UTC(2024, 4, 20, 10, 0, 0);

async function child(budget: number | undefined): Promise<void> {
  const sql = `CREATE SOURCE bids (bidder VARCHAR, price BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'datagen');
CREATE SINK out AS SELECT bidder, window_start, COUNT(*) AS n, SUM(price) AS s, MAX(price) AS m FROM bids GROUP BY bidder, TUMBLE(ts, 1m);`;
  const script = loadScriptText(sql, 'bench.sql', process.cwd(), new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-state-'));
  const store = await CheckpointStore.open(dir);
  let batches = 0;
  const total = Math.ceil(KEYS / BATCH);
  let out = 0;
  // Each key once; event time spans 3 minutes, so about a third of the keys are open at a time.
  const reader: SourceReader = {
    bounded: true,
    async run(emit) {
      for (let i = 0; i < KEYS; ) {
        const n = Math.min(BATCH, KEYS - i);
        const batch: SourceRecord[] = new Array(n);
        for (let j = 0; j < n; j++, i++) batch[j] = { value: { bidder: `b${i}`, price: i % 1000, ts: BASE + Math.floor((i * 180_000) / KEYS) }, position: { index: i } };
        batches++;
        if (TRACE && batches % 50 === 0) {
          const m = process.memoryUsage();
          const st = job.metrics().state.map((t) => t.rows).join('/');
          const duck = await duckMemory(job);
          const lo = v8.getHeapSpaceStatistics().find((sp) => sp.space_name === 'large_object_space');
          process.stderr.write(`batch ${batches}: rss ${Math.round(m.rss / 2 ** 20)} MB heap ${Math.round(m.heapUsed / 2 ** 20)}/${Math.round(m.heapTotal / 2 ** 20)} MB (large objects ${Math.round((lo?.space_size ?? 0) / 2 ** 20)} MB) ext ${Math.round(m.external / 2 ** 20)} MB duckdb ${duck}, memory rows ${st}\n`);
        }
        await emit(batch);
      }
    },
  };
  const sink: SinkWriter = { write: (b) => void (out += b.rows.length), flush: async () => {}, close: async () => {} };
  let ckpt: { ms: number; bytes: number } | undefined;
  const job = new Job(plan, {
    hooks: { sourceReader: () => reader, sinkWriter: () => sink },
    checkpoints: { target: store, fingerprint: planFingerprint(plan), due: () => batches === Math.floor(total / 2), onCheckpoint: (s) => void (s.id === 2 ? (ckpt = s) : undefined) },
    ...(budget !== undefined ? { stateMemory: { bytes: budget, dir } } : {}),
  });
  // Under BENCH_TRACE, the moment of peak RSS (between the per-50-batch lines): heap then, and the batch.
  let peak = { rss: 0, heap: 0, heapTotal: 0, batch: 0 };
  const sampler = TRACE
    ? setInterval(() => {
        const m = process.memoryUsage();
        if (m.rss > peak.rss) peak = { rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal, batch: batches };
      }, 20)
    : undefined;
  const t0 = performance.now();
  await job.run();
  if (sampler) {
    clearInterval(sampler);
    const mb = (n: number): number => Math.round(n / 2 ** 20);
    process.stderr.write(`peak sampled rss ${mb(peak.rss)} MB at batch ${peak.batch} of ${total}: heap ${mb(peak.heap)}/${mb(peak.heapTotal)} MB\n`);
  }
  const secs = (performance.now() - t0) / 1000;
  store.close();
  rmSync(dir, { recursive: true, force: true });
  const rssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ budget: budget ?? null, events: KEYS, rows: out, secs, eventsPerSec: KEYS / secs, peakRssMB: rssMB, checkpointMs: ckpt?.ms ?? null, checkpointMB: ckpt ? ckpt.bytes / 2 ** 20 : null }) + '\n');
}

/** DuckDB's own account of its memory (duckdb_memory(): buffer pool by tag) and its temp files, in MB. */
async function duckMemory(job: Job): Promise<string> {
  const store = (job as unknown as { spillStore?: SpillStore }).spillStore;
  if (store === undefined) return '-';
  const r = (await store.conn.runAndReadAll('SELECT sum(memory_usage_bytes), sum(temporary_storage_bytes) FROM duckdb_memory()')).getRowsJS()[0];
  return `${Math.round(Number(r?.[0] ?? 0) / 2 ** 20)} MB (temp ${Math.round(Number(r?.[1] ?? 0) / 2 ** 20)} MB)`;
}

function parent(): void {
  const self = fileURLToPath(import.meta.url);
  const results: Array<Record<string, number | null>> = [];
  for (const budget of ['256MB', 'none']) {
    // Under a budget, the heap cap and malloc arenas `sluice run` gives itself (cli/heap-cap.ts);
    // the no-budget run keeps V8's default growth.
    const flags = budget === 'none' ? ['--max-old-space-size=16384'] : heapFlags(256 * 2 ** 20);
    const env = budget === 'none' ? process.env : { MALLOC_ARENA_MAX: '2', ...process.env };
    const r = spawnSync(process.execPath, [...flags, self, 'child', budget], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      results.push(JSON.parse(line) as Record<string, number | null>);
    } catch {
      process.stdout.write(`run with budget ${budget} failed (status ${r.status}, signal ${r.signal})\n`);
    }
  }
  process.stdout.write(`${KEYS.toLocaleString('en')} distinct keys, 1-minute tumbling windows (COUNT, SUM, MAX per key)\n`);
  for (const r of results) {
    process.stdout.write(
      `  budget ${r['budget'] === null ? 'none ' : `${Math.round((r['budget'] as number) / 2 ** 20)} MB`}: ${Math.round(r['eventsPerSec'] as number).toLocaleString('en')} events/s, ${(r['secs'] as number).toFixed(1)} s, peak RSS ${Math.round(r['peakRssMB'] as number)} MB, ` +
        `mid-run checkpoint ${r['checkpointMs'] === null ? '-' : `${Math.round(r['checkpointMs'] as number)} ms, ${(r['checkpointMB'] as number).toFixed(1)} MB`}, ${r['rows']} rows out\n`,
    );
  }
  const [a, b] = results;
  if (a && b) process.stdout.write(`  throughput with budget / without: ${((a['eventsPerSec'] as number) / (b['eventsPerSec'] as number)).toFixed(2)}\n`);
}

if (process.argv[2] === 'child') await child(process.argv[3] === 'none' ? undefined : 256 * 2 ** 20);
else parent();
