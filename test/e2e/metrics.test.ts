// `sluice run --metrics-port 0`: a slow bounded job serves Prometheus text on 127.0.0.1 while it
// runs; the scrape has the documented metric names with plausible values; Ctrl-C still stops it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');

const JOB = `CREATE SOURCE sensors WITH (connector = 'datagen', generator = 'sensors', rate = 100, count = 100000, start = 'now');
CREATE SINK agg WITH (connector = 'file', path = 'agg.jsonl') AS
SELECT sensor, window_start, COUNT(*) AS n FROM sensors GROUP BY sensor, TUMBLE(ts, 1s);
`;

function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('--metrics-port serves Prometheus metrics while the job runs', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-metrics-'));
  writeFileSync(path.join(dir, 'job.sql'), JOB);
  const child = spawn(process.execPath, [BIN, 'run', 'job.sql', '--metrics-port', '0', '--checkpoint-interval', '100ms'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no metrics address within 30 s; stderr: ${stderr}`)), 30_000);
      child.stderr.on('data', () => {
        const m = /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    let text = '';
    const deadline = Date.now() + 20_000;
    // Until some records are in and a periodic checkpoint was written.
    while (Date.now() < deadline) {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      text = await res.text();
      if ((sample(text, 'sluice_source_records_total', '{source="sensors"}') ?? 0) >= 50 && (sample(text, 'sluice_checkpoint_last_id') ?? 0) >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const [name, type] of [
      ['sluice_source_records_total', 'counter'],
      ['sluice_source_late_rows_total', 'counter'],
      ['sluice_source_dead_letters_total', 'counter'],
      ['sluice_source_watermark_seconds', 'gauge'],
      ['sluice_source_watermark_lag_seconds', 'gauge'],
      ['sluice_partition_watermark_seconds', 'gauge'],
      ['sluice_sink_rows_total', 'counter'],
      ['sluice_checkpoint_duration_seconds', 'gauge'],
      ['sluice_checkpoint_size_bytes', 'gauge'],
      ['sluice_state_rows', 'gauge'],
      ['sluice_state_bytes', 'gauge'],
      // The process's runtime (prom-client's collectors): memory, GC, event loop.
      ['process_resident_memory_bytes', 'gauge'],
      ['nodejs_heap_space_size_used_bytes', 'gauge'],
      ['nodejs_gc_duration_seconds', 'histogram'],
      ['nodejs_eventloop_lag_p99_seconds', 'gauge'],
    ] as const) {
      assert.ok(text.includes(`# TYPE ${name} ${type}\n`), `no ${name} ${type} in\n${text}`);
    }
    const records = sample(text, 'sluice_source_records_total', '{source="sensors"}')!;
    assert.ok(records >= 50 && records < 100_000, `records ${records}`);
    assert.equal(sample(text, 'sluice_source_late_rows_total', '{source="sensors"}'), 0);
    assert.equal(sample(text, 'sluice_source_dead_letters_total', '{source="sensors"}'), 0);
    const wm = sample(text, 'sluice_source_watermark_seconds', '{source="sensors"}')!;
    assert.ok(Math.abs(wm - Date.now() / 1000) < 3600, `watermark ${wm} is not near the wall clock`);
    assert.ok(sample(text, 'sluice_source_watermark_lag_seconds', '{source="sensors"}')! >= 0);
    assert.ok(sample(text, 'sluice_sink_rows_total', '{sink="agg"}')! >= 0);
    const ms = sample(text, 'sluice_checkpoint_duration_seconds')!;
    assert.ok(ms >= 0 && ms < 10, `checkpoint duration ${ms}`);
    assert.ok(sample(text, 'sluice_checkpoint_size_bytes')! > 0);
    assert.match(text, /^sluice_state_rows\{operator="\d+",table="[a-z]+"\} \d+$/m);
    assert.match(text, /^sluice_state_bytes\{operator="\d+",table="[a-z]+"\} \d+$/m);
    const rss = sample(text, 'process_resident_memory_bytes')!;
    assert.ok(rss > 20e6 && rss < 8e9, `resident memory ${rss}`);
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
  } finally {
    child.kill('SIGINT');
  }
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.match(stderr, /sluice: stopped after/);
});
