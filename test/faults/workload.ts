// The exactly-once Kafka-to-Kafka job most scenarios run under a fault: a 3-partition input
// topic (event time ascending per partition, so no row is late however partitions interleave)
// with a bad record every so often, a per-second TUMBLE count and sum per key written to a Kafka
// sink, and a dead-letter topic. The reference is the same job run once without a fault; a
// faulted run must leave exactly the reference's committed output and dead letters.

import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createTopic, produceMessages, unique, type TestMessage } from '../kafka/broker.js';
import { readCommitted } from './reader.js';
import { Job, describeExit } from './job.js';
import { say, tempDir } from './harness.js';

export interface Topics {
  readonly input: string;
  readonly output: string;
  readonly deadLetter: string;
  readonly group: string;
}

export interface Workload {
  readonly input: string;
  readonly rows: number;
  readonly bad: number;
}

/** `rows` good records on 3 partitions and `bad` that are not JSON, spread evenly. */
export async function produceInput(rows: number, bad: number): Promise<Workload> {
  const input = unique('fault-in');
  await createTopic(input, 3);
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  const every = Math.max(1, Math.floor(rows / Math.max(1, bad)));
  const out: TestMessage[] = [];
  let badLeft = bad;
  for (let i = 0; i < rows; i++) {
    out.push({ partition: i % 3, key: null, value: JSON.stringify({ k: `u${(i * 7919) % 40}`, v: (i * 31) % 100, ts: new Date(base + i * 5).toISOString() }) });
    if (badLeft > 0 && i % every === every - 1) {
      out.push({ partition: i % 3, key: `bad-${badLeft}`, value: `{"k": "broken ${badLeft}` });
      badLeft--;
    }
  }
  await produceMessages(input, out);
  say(`produced ${rows} records and ${bad} bad ones to ${input} (3 partitions)`);
  return { input, rows, bad };
}

export function topicsFor(w: Workload, name: string): Topics {
  return { input: w.input, output: unique(`fault-${name}-out`), deadLetter: unique(`fault-${name}-dlq`), group: unique(`fault-${name}-g`) };
}

/** The job's SQL; `rate` paces the source (records per second) so a fault lands mid-run; `sinkOptions` e.g. `, guarantee = 'at_least_once'`. */
export function jobSql(t: Topics, rate?: number, sinkOptions = ''): string {
  return `CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${t.input}', group = '${t.group}', bounded = 'latest', session_timeout = '6s',
        fetch_max_bytes = '16384', dead_letter = '${t.deadLetter}'${rate === undefined ? '' : `, rate = '${rate}'`});
CREATE SINK agg WITH (connector = 'kafka', topic = '${t.output}', partitions = '3'${sinkOptions}) AS
  SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY k, TUMBLE(ts, 1s);
`;
}

/** A job file in a fresh temp dir (state under it). */
export function jobDir(name: string, sql: string): { dir: string; file: string; stateDir: string } {
  const dir = tempDir(name);
  const file = `${name}.sql`;
  writeFileSync(path.join(dir, file), sql);
  return { dir, file, stateDir: path.join(dir, 'state') };
}

export interface Committed {
  readonly output: string[];
  readonly deadLetters: string[];
}

export async function readOutputs(t: Topics): Promise<Committed> {
  const [output, deadLetters] = await Promise.all([readCommitted(t.output), readCommitted(t.deadLetter)]);
  return { output, deadLetters };
}

const references = new Map<string, Promise<Committed>>();

/** The uninterrupted run's committed output and dead letters for this input (computed once). */
export function reference(w: Workload): Promise<Committed> {
  let r = references.get(w.input);
  if (r === undefined) {
    r = (async () => {
      // The reference is not under test: a start-up failure (a fresh broker's "coordinator is
      // loading", issue 10 section 4) is retried with new topics, and said.
      for (let attempt = 1; ; attempt++) {
        const t = topicsFor(w, 'ref');
        const j = jobDir('ref', jobSql(t));
        const e = await new Job(j.dir, j.file, { stateDir: j.stateDir }).done(240_000);
        if (e.code !== 0) {
          if (attempt < 3) {
            say(`the reference run failed (${describeExit(e)}); again`);
            continue;
          }
          throw new Error(`the reference run failed ${attempt} times: ${describeExit(e)}`);
        }
        const c = await readOutputs(t);
        say(`reference run: ${c.output.length} committed rows, ${c.deadLetters.length} dead letters`);
        return c;
      }
    })();
    references.set(w.input, r);
  }
  return r;
}

/** How a committed result differs from the reference: '' when equal, else counts of missing and extra lines. */
export function difference(got: readonly string[], want: readonly string[]): string {
  const count = new Map<string, number>();
  for (const l of want) count.set(l, (count.get(l) ?? 0) + 1);
  let extra = 0;
  let firstExtra: string | undefined;
  for (const l of got) {
    const n = count.get(l) ?? 0;
    if (n > 0) count.set(l, n - 1);
    else {
      extra++;
      firstExtra ??= l;
    }
  }
  let missing = 0;
  let firstMissing: string | undefined;
  for (const [l, n] of count) {
    if (n > 0 && firstMissing === undefined) firstMissing = l;
    missing += n;
  }
  if (missing === 0 && extra === 0) return '';
  return `${got.length} rows vs ${want.length}: ${missing} missing${firstMissing ? ` (e.g. ${firstMissing})` : ''}, ${extra} extra/duplicated${firstExtra ? ` (e.g. ${firstExtra})` : ''}`;
}

/** Compares a faulted run's committed output and dead letters with the reference: '' when exact. */
export async function compareWithReference(w: Workload, t: Topics): Promise<string> {
  const [want, got] = await Promise.all([reference(w), readOutputs(t)]);
  const parts: string[] = [];
  const o = difference(got.output, want.output);
  if (o) parts.push(`output ${o}`);
  const d = difference(got.deadLetters, want.deadLetters);
  if (d) parts.push(`dead letters ${d}`);
  return parts.join('; ');
}
