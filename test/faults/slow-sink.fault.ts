// Scenario: a slow Kafka sink. The broker limits every producer to 1 MB/s (a client quota) and a
// job writes 2M generated rows to it; for WINDOW_S seconds the suite samples what the source has
// read (metrics endpoint), what reached the topic, and the job's resident memory. Queued output
// must be bounded (backpressure pauses the source), so the peak RSS stays under RSS_LIMIT_MB
// (SLUICE_FAULTS_RSS_LIMIT_MB overrides) however far the sink falls behind. A small run without
// the quota gives the job's baseline RSS for comparison.

import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { unique } from '../kafka/broker.js';
import { brokerUp, limitProducers, topicRecords } from './broker.js';
import { say, scenario, sleep, tempDir, waitFor } from './harness.js';
import { Job, describeExit, logLines } from './job.js';

const ROWS = 2_000_000;
/** How long the job runs against the slow sink (SLUICE_FAULTS_SLOW_WINDOW_S overrides). */
const WINDOW_S = Number(process.env['SLUICE_FAULTS_SLOW_WINDOW_S'] ?? 120);
/**
 * The documented bound on an at-least-once pass-through job's peak RSS whatever its sink's speed
 * (README, Kafka, "Slow sinks": 640 MB, what the same job peaks at with no quota).
 */
const RSS_LIMIT_MB = Number(process.env['SLUICE_FAULTS_RSS_LIMIT_MB'] ?? 640);

/** Makes each message ~450 bytes, so the engine outruns a 1 MB/s sink many times over. */
const PAD = 'x'.repeat(400);

function sql(topic: string, count: number): string {
  return `CREATE SOURCE raw WITH (connector = 'datagen', generator = 'sensors', sensors = '1000', count = '${count}', seed = '7');
CREATE SINK out WITH (connector = 'kafka', topic = '${topic}') AS SELECT sensor, value, ts, '${PAD}' AS pad FROM raw;
`;
}

async function sourceRecords(port: number | undefined): Promise<number | undefined> {
  if (port === undefined) return undefined;
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const m = /^sluice_source_records_total\{[^}]*\} (\d+)/m.exec(text);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

scenario('slow sink (1 MB/s quota), 2M rows', 300_000, async () => {
  await brokerUp();
  const dir = tempDir('slow');

  // Baseline: a small run, sink unthrottled.
  const small = unique('fault-slow-base');
  writeFileSync(path.join(dir, 'base.sql'), sql(small, 20_000));
  const base = await new Job(dir, 'base.sql', { stateDir: path.join(dir, 'base-state') }).done(120_000);
  if (base.code !== 0) throw new Error(`the baseline run failed: ${describeExit(base)}`);
  say(`baseline: 20000 rows unthrottled, peak RSS ${base.peakRssMb} MB`);

  const topic = unique('fault-slow');
  writeFileSync(path.join(dir, 'slow.sql'), sql(topic, ROWS));
  const lift = await limitProducers(1_048_576);
  const samples: string[] = [];
  let read = 0;
  let delivered = 0;
  let peak = 0;
  const peaks: number[] = [];
  let ended = '';
  try {
    const job = new Job(dir, 'slow.sql', { stateDir: path.join(dir, 'slow-state'), args: ['--metrics-port', '0'] });
    let port: number | undefined;
    await waitFor(() => {
      const m = logLines(job.stderr).map((l) => /metrics on http:\/\/127\.0\.0\.1:(\d+)\//.exec(l)).find((x) => x !== null);
      if (m) port = Number(m[1]);
      return port !== undefined || !job.running;
    }, 30_000);
    for (let s = 10; s <= WINDOW_S && job.running; s += 10) {
      await sleep(10_000);
      read = (await sourceRecords(port)) ?? read;
      delivered = await topicRecords(topic);
      peak = job.peakRssMb;
      peaks.push(peak);
      samples.push(`${s}s: read ${read}, in topic ${delivered}, peak RSS ${peak} MB`);
      say(samples[samples.length - 1]!);
    }
    if (!job.running) ended = `; the job ended early: ${describeExit(await job.done(1_000))}`;
    job.kill('SIGKILL');
    await job.done(10_000);
  } finally {
    await lift();
  }
  const problems: string[] = [];
  if (ended) problems.push(ended.slice(2));
  if (peak > RSS_LIMIT_MB) problems.push(`peak RSS ${peak} MB is over the bound of ${RSS_LIMIT_MB} MB`);
  // A bounded job plateaus: how much the peak still grew over the last 30 s.
  const growth = peaks.length > 3 ? `, still growing ${peaks[peaks.length - 1]! - peaks[peaks.length - 4]!} MB in the last 30 s` : '';
  return {
    tried: `datagen ${ROWS} rows of ~450 bytes -> Kafka sink under producer_byte_rate=1048576 for ${WINDOW_S} s (bound ${RSS_LIMIT_MB} MB); ${samples.join('; ')}`,
    found: `peak RSS ${peak} MB${growth} (baseline ${base.peakRssMb} MB unthrottled, 20k rows); after ${WINDOW_S} s the source had read ${read} rows and ${delivered} were in the topic (${Math.max(0, read - delivered)} queued)`,
    problems,
  };
});
