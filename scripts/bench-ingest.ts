// `npm run bench:ingest`: records per second accepted over HTTP by `sluice serve` (a child
// process, so the load generator does not share its event loop) into an in-memory http source
// (its job counting records per user into a blackhole sink, or writing every record to a JSON-lines
// file sink) and a Kafka-backed one (topic = ..., produced with acks from all in-sync replicas
// before each answer), with BENCH_CLIENTS concurrent clients (default 50) on keep-alive agents, at batch sizes
// of 1 and 100 records per request, each for BENCH_SECONDS (default 5). Prints accepted records
// per second, requests per second and p50/p99 request latency; 503s (a full queue) are counted.
// Never asserts.

import { execFileSync, spawn } from 'node:child_process';
import * as http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';

const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 50);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);

function brokers(): string {
  const env = process.env['SLUICE_BROKERS'];
  if (env) return env;
  const out = execFileSync('bash', [path.resolve('scripts/kafka-up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop()!;
}

function post(agent: http.Agent, url: string, body: string, type = 'application/json'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': type, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function body(batch: number, seq: number): string {
  const recs: string[] = [];
  const ts = Date.now();
  for (let i = 0; i < batch; i++) recs.push(`{"user_id":"u${(seq + i) % 1000}","page":"/p${i % 20}","ts":${ts}}`);
  return batch === 1 ? recs[0]! : `[${recs.join(',')}]`;
}

async function load(url: string, batch: number): Promise<{ records: number; requests: number; busy: number; errors: number; p50: number; p99: number; secs: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const latencies: number[] = [];
  let records = 0;
  let busy = 0;
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  let seq = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const b = body(batch, seq++);
        const s = performance.now();
        const r = await post(agent, url, b);
        latencies.push(performance.now() - s);
        if (r.status === 200) records += (JSON.parse(r.text) as { accepted: number }).accepted;
        else if (r.status === 503) {
          busy++;
          await new Promise((x) => setTimeout(x, 50));
        } else errors++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { records, requests: latencies.length, busy, errors, p50: percentile(latencies, 50), p99: percentile(latencies, 99), secs };
}

async function main(): Promise<void> {
  const kafka = brokers();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-ingest-'));
  const child = spawn(process.execPath, [path.resolve('bin/sluice.js'), 'serve', '--port', '0', '--state-dir', path.join(dir, 'state')], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SLUICE_BROKERS: kafka } });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  try {
    let base: string | undefined;
    while (base === undefined) {
      const m = /serving the console on (http:\/\/\S+?)\/?[\s"]/.exec(stderr);
      if (m) base = m[1];
      else if (child.exitCode !== null) throw new Error(`sluice serve exited: ${stderr}`);
      else await new Promise((r) => setTimeout(r, 50));
    }
    const topic = `bench-ingest-${randomUUID().slice(0, 8)}`;
    const counts = "CREATE SINK counts WITH (connector = 'blackhole') AS SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id;";
    const sources = [
      { label: 'in memory, counts', path: '/ingest/mem', extra: ", max_queue = '1000000'", sink: counts },
      {
        label: 'in memory, every record to a file',
        path: '/ingest/file',
        extra: ", max_queue = '1000000'",
        sink: `CREATE SINK raw WITH (connector = 'file', path = '${path.join(dir, 'clicks.jsonl')}') AS SELECT * FROM clicks;`,
      },
      { label: `Kafka-backed (topic ${topic}), counts`, path: '/ingest/kafka', extra: `, topic = '${topic}'`, sink: counts },
    ];
    const agent = new http.Agent({ keepAlive: true });
    for (const s of sources) {
      const sql = `CREATE SOURCE clicks (user_id VARCHAR, page VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'http', path = '${s.path}'${s.extra});
${s.sink}`;
      const r = await post(agent, `${base}/api/jobs`, JSON.stringify({ sql, name: s.path.slice(8) }));
      if (r.status !== 201) throw new Error(`submitting the ${s.label} job: ${r.text}`);
    }
    process.stdout.write(`ingest over HTTP: ${CLIENTS} concurrent keep-alive clients, ${SECONDS} s per run, ${os.cpus().length} CPUs\n`);
    process.stdout.write(`${'source'.padEnd(52)} ${'batch'.padStart(5)} ${'records/s'.padStart(10)} ${'requests/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'503s'.padStart(6)} ${'errors'.padStart(6)}\n`);
    for (const s of sources) {
      for (const batch of [1, 100]) {
        const m = await load(`${base}${s.path}`, batch);
        process.stdout.write(
          `${s.label.padEnd(52)} ${String(batch).padStart(5)} ${Math.round(m.records / m.secs).toLocaleString('en-US').padStart(10)} ${Math.round(m.requests / m.secs).toLocaleString('en-US').padStart(10)} ${m.p50.toFixed(1).padStart(8)} ${m.p99.toFixed(1).padStart(8)} ${String(m.busy).padStart(6)} ${String(m.errors).padStart(6)}\n`,
        );
      }
    }
    const jobs = JSON.parse((await new Promise<string>((resolve) => http.get(`${base}/api/jobs`, (res) => {
      let t = '';
      res.on('data', (d) => (t += d));
      res.on('end', () => resolve(t));
    }))) as string) as { jobs: Array<{ name: string; status: string; metrics: { rowsIn: number } }> };
    for (const j of jobs.jobs) process.stdout.write(`job ${j.name}: ${j.status}, ${j.metrics.rowsIn.toLocaleString('en-US')} records read\n`);
    agent.destroy();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
