// `npm run bench:nexmark`: each Nexmark query of queries/nexmark/ over generated events (default
// 10M; `--events N`, or `--seconds S` for a time budget), unthrottled, in one process of its own
// (a child, so its peak RSS is its own), output into a `blackhole` sink as Flink's and
// RisingWave's Nexmark runs do. Prints events/s, CPU seconds (user + system), events per CPU
// second, peak RSS; and the generator's own CPU cost, measured by a run that generates the same
// events and discards them, so that the query's figure (events per CPU second net of the
// generator) is the query's. Beside it: Flink's published per-core figures. `--kafka` reads the
// events from local Kafka topics instead, filled once and reused. Not part of `npm test`.
//
//   npm run bench:nexmark -- --events 1000000 --queries q0,q5 [--rate 10000000] [--state-memory 1GB] [--kafka]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../src/catalog/catalog.js';
import { loadScriptText } from '../src/cli/load.js';
import { planSinks } from '../src/plan/job.js';
import { Job } from '../src/exec/job.js';
import { parseStateMemory } from '../src/state/budget.js';
import { DatagenReader, datagenSettings } from '../src/connectors/datagen/source.js';
import { NEXMARK_COLUMNS, AUCTION_PROPORTION, BID_PROPORTION, PERSON_PROPORTION, type NexmarkKind } from '../src/connectors/datagen/nexmark.js';
import { fillNexmarkTopic, nexmarkTopic } from './bench-nexmark-kafka.js';

const QUERIES_DIR = path.resolve('queries/nexmark');
const SUITE = ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8', 'q9', 'q11', 'q12'];
const SEED = 7;
/** V8 heap cap of each query's process: state is kept in memory unless --state-memory is given. */
const HEAP_MB = Number(process.env['BENCH_HEAP_MB'] ?? 6144);

/**
 * Flink's throughput per core, from the Nexmark repository's GUIDE_V1.md (Flink 1.13-2.0, 3
 * workers of 8 cores, parallelism 8, RocksDB, exactly-once checkpoints every 3 minutes, 100M
 * events at 10M events/s; its generator included): https://github.com/nexmark/nexmark
 */
const FLINK_PER_CORE: Readonly<Record<string, number>> = {
  q0: 155_020, q1: 157_940, q2: 175_210, q3: 152_120, q4: 34_330, q5: 22_140,
  q7: 12_330, q8: 146_140, q9: 14_240, q11: 39_700, q12: 75_670,
};
/** The targets of issue 13, as multiples of Flink's per-core figure. */
const TARGET: Readonly<Record<string, number>> = { q0: 1.5, q1: 1.5, q2: 1.5, q5: 1, q8: 1 };
const RISINGWAVE_NOTE =
  "RisingWave: no per-core Nexmark figures found (its docs' benchmark pages searched: docs.risingwave.com " +
  'has sysbench query-serving figures, and its Nexmark numbers live on an internal dashboard cited in issues, ' +
  'e.g. github.com/risingwavelabs/risingwave/issues/15004); none printed.';

interface Args {
  readonly events: number;
  readonly seconds: number | undefined;
  readonly rate: number;
  readonly queries: readonly string[];
  readonly kafka: boolean;
  /** State budget (as `SET state_memory`): past it the state spills to DuckDB in a temp dir; absent: all in memory. */
  readonly stateMemory: string | undefined;
  readonly child: string | undefined;
  /** The child's spill directory, made and removed by the parent (so a crashed child leaves none). */
  readonly tmp: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    events: Number(get('events') ?? 10_000_000),
    seconds: get('seconds') === undefined ? undefined : Number(get('seconds')),
    rate: Number(get('rate') ?? 10_000_000),
    queries: (get('queries') ?? SUITE.join(',')).split(',').map((q) => q.trim()),
    kafka: argv.includes('--kafka'),
    stateMemory: get('state-memory'),
    child: get('child'),
    tmp: get('tmp'),
  };
}

const PROPORTION: Readonly<Record<NexmarkKind, number>> = { person: PERSON_PROPORTION, auction: AUCTION_PROPORTION, bid: BID_PROPORTION };

/** The Nexmark kinds a query's file reads (its datagen sources), by source name. */
function sourcesOf(sql: string): Map<string, NexmarkKind> {
  const out = new Map<string, NexmarkKind>();
  for (const m of sql.matchAll(/^CREATE SOURCE (\w+) WITH \(connector = 'datagen', generator = '(\w+)'[^;]*\);$/gm)) out.set(m[1]!, m[2] as NexmarkKind);
  return out;
}

/** How many records of each kind make `events` in all, in the stream's proportions (so slices stay one stream). */
function slices(kinds: readonly NexmarkKind[], events: number): Map<NexmarkKind, number> {
  const total = kinds.reduce((n, k) => n + PROPORTION[k], 0);
  return new Map(kinds.map((k) => [k, Math.floor((events * PROPORTION[k]) / total)]));
}

function datagenOptions(kind: NexmarkKind, count: number | undefined, rate: number): Record<string, string> {
  return { connector: 'datagen', generator: kind, seed: String(SEED), first_event_rate: String(rate), ...(count === undefined ? {} : { count: String(count) }) };
}

/** The query's SQL with its sources replaced (datagen of the bench's size, or Kafka topics) and its sinks made blackholes. */
function benchSql(q: string, a: Args, brokers: string | undefined): { sql: string; kinds: NexmarkKind[] } {
  const text = readFileSync(path.join(QUERIES_DIR, `${q}.sql`), 'utf8');
  const sources = sourcesOf(text);
  const kinds = [...new Set(sources.values())];
  const counts = slices(kinds, a.events);
  let sql = text.replace(/^CREATE SOURCE [^;]*;$/gm, '').replace(/CREATE SINK (\w+) WITH \([^)]*\) AS/g, "CREATE SINK $1 WITH (connector = 'blackhole') AS");
  const decls: string[] = [];
  for (const [name, kind] of sources) {
    const count = a.seconds === undefined ? counts.get(kind)! : undefined;
    if (brokers === undefined) {
      const opts = Object.entries(datagenOptions(kind, count, a.rate)).map(([k, v]) => `${k} = '${v}'`);
      decls.push(`CREATE SOURCE ${name} WITH (${opts.join(', ')});`);
    } else {
      const cols = NEXMARK_COLUMNS[kind].map((c) => `${c.name} ${c.type.kind === 'timestamp' ? 'TIMESTAMP' : c.type.kind === 'bigint' ? 'BIGINT' : 'VARCHAR'}`);
      decls.push(
        `CREATE SOURCE ${name} (${cols.join(', ')}, WATERMARK FOR date_time AS date_time) WITH (connector = 'kafka', brokers = '${brokers}', ` +
          `topic = '${nexmarkTopic(kind, count!, SEED, a.rate)}', startup = 'earliest', bounded = 'latest')`,
      );
      decls[decls.length - 1] += ';';
    }
  }
  sql = `${decls.join('\n')}\n${sql}`;
  return { sql, kinds };
}

interface Measured {
  readonly events: number;
  readonly wallS: number;
  readonly cpuS: number;
  readonly peakRssMb: number;
  /** Rows the query wrote into its blackhole sinks (changelog rows included). */
  readonly rowsOut: number;
  readonly error?: string;
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

/** In the child: run one query (or, for `gen:<q>`, only its generators) and print the figures as JSON. */
async function child(a: Args, what: string): Promise<Measured> {
  const brokers = a.kafka ? process.env['SLUICE_BROKERS'] ?? '127.0.0.1:9092' : undefined;
  const genOnly = what.startsWith('gen:');
  const q = genOnly ? what.slice(4) : what;
  const { sql, kinds } = benchSql(q, a, brokers);
  const ac = new AbortController();
  if (a.seconds !== undefined) setTimeout(() => ac.abort(), a.seconds * 1000).unref();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let events = 0;
  let rowsOut = 0;
  if (genOnly) {
    const counts = slices(kinds, a.events);
    for (const kind of kinds) {
      const reader = new DatagenReader(datagenSettings(datagenOptions(kind, a.seconds === undefined ? counts.get(kind)! : undefined, a.rate)));
      await reader.run((records) => {
        events += records.length;
      }, ac.signal);
    }
  } else {
    let plan;
    try {
      const script = loadScriptText(sql, `${q}.sql`, QUERIES_DIR, new Catalog());
      plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
    } catch (e) {
      const text = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      return { events: 0, wallS: 0, cpuS: 0, peakRssMb: 0, rowsOut: 0, error: text };
    }
    const budget = a.stateMemory === undefined ? undefined : parseStateMemory(a.stateMemory);
    if (budget !== undefined && 'error' in budget) throw new Error(budget.error);
    const dir = a.tmp ?? os.tmpdir();
    const summary = await new Job(plan, { signal: ac.signal, ...(budget ? { stateMemory: { bytes: budget.bytes, dir } } : {}) }).run();
    events = summary.metrics.sources.reduce((n, s) => n + s.recordsIn, 0);
    rowsOut = summary.metrics.sinks.reduce((n, s) => n + s.rowsOut, 0);
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpuS = cpuSeconds(process.cpuUsage(cpu0));
  return { events, wallS, cpuS, peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6, rowsOut };
}

function runChild(what: string, argv: readonly string[]): Measured {
  const self = fileURLToPath(import.meta.url);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sluice-nexmark-'));
  let r;
  try {
    r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, self, ...argv, '--child', what, '--tmp', tmp], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Measured;
  } catch {
    const stderr = r.stderr ?? '';
    const why = /heap out of memory/.test(stderr)
      ? `out of memory: state past the ${HEAP_MB} MB heap (BENCH_HEAP_MB); --state-memory 2GB spills it`
      : (stderr.split('\n').find((l) => /Error|error:/.test(l)) ?? `exit ${r.status ?? r.signal}`).trim().slice(0, 200);
    return { events: 0, wallS: 0, cpuS: 0, peakRssMb: 0, rowsOut: 0, error: why };
  }
}

/** `argv` for a fixed count of `n` events (no time budget). */
function withEvents(argv: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seconds' || argv[i] === '--events') i++;
    else out.push(argv[i]!);
  }
  return [...out, '--events', String(n)];
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const a = parseArgs(argv);
  if (a.child !== undefined) {
    process.stdout.write(`${JSON.stringify(await child(a, a.child))}\n`);
    return;
  }
  const budget = a.seconds === undefined ? `${fmt(a.events)} events per query` : `${a.seconds} s per query`;
  process.stdout.write(
    `Nexmark on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)}; ` +
      `${budget}; event time ${fmt(a.rate)} events/s; state ${a.stateMemory === undefined ? `in memory (heap cap ${HEAP_MB} MB)` : `memory ${a.stateMemory}, spilling to DuckDB`}; source ${a.kafka ? 'Kafka (pre-filled topics)' : 'datagen'}; sink blackhole\n\n`,
  );
  if (a.kafka) {
    const brokers = process.env['SLUICE_BROKERS'] ?? '127.0.0.1:9092';
    const need = new Map<string, { kind: NexmarkKind; count: number }>();
    for (const q of a.queries) {
      const kinds = [...new Set(sourcesOf(readFileSync(path.join(QUERIES_DIR, `${q}.sql`), 'utf8')).values())];
      for (const [kind, count] of slices(kinds, a.events)) need.set(nexmarkTopic(kind, count, SEED, a.rate), { kind, count });
    }
    for (const { kind, count } of need.values()) {
      const filled = await fillNexmarkTopic(brokers, kind, count, SEED, a.rate);
      process.stdout.write(`topic ${nexmarkTopic(kind, count, SEED, a.rate)}: ${filled ? 'filled' : 'already filled, reused'}\n`);
    }
  }
  const header = ['query', 'events', 'rows out', 'wall s', 'events/s', 'CPU s', 'ev/CPU-s', 'gen CPU s', 'ev/CPU-s net', 'peak RSS MB', 'Flink/core', 'net/Flink', 'target'];
  const rows: string[][] = [];
  const genCache = new Map<string, Measured>();
  for (const q of a.queries) {
    const m = runChild(q, argv);
    if (m.error !== undefined) {
      rows.push([q, '-', '-', '-', '-', '-', '-', '-', '-', '-', FLINK_PER_CORE[q] ? fmt(FLINK_PER_CORE[q]) : '-', '-', `does not run: ${m.error}`]);
      process.stdout.write(`${q}: does not run: ${m.error}\n`);
      continue;
    }
    let gen: Measured | undefined;
    if (!a.kafka) {
      const kinds = [...new Set(sourcesOf(readFileSync(path.join(QUERIES_DIR, `${q}.sql`), 'utf8')).values())].sort().join('+');
      // A time-budget run generated what it read: the generator run must cover the same count.
      const key = `${kinds}:${m.events}`;
      gen = genCache.get(key) ?? runChild(`gen:${q}`, withEvents(argv, m.events));
      genCache.set(key, gen);
    }
    const perCpu = m.events / m.cpuS;
    const net = gen ? m.events / Math.max(m.cpuS - gen.cpuS * (m.events / Math.max(gen.events, 1)), 1e-9) : perCpu;
    const flink = FLINK_PER_CORE[q];
    const ratio = flink ? net / flink : undefined;
    const target = TARGET[q];
    const verdict = target === undefined || ratio === undefined ? '' : `≥ ${target}× ${ratio >= target ? 'met' : 'NOT met'}`;
    rows.push([q, fmt(m.events), fmt(m.rowsOut), m.wallS.toFixed(2), fmt(m.events / m.wallS), m.cpuS.toFixed(2), fmt(perCpu), gen ? gen.cpuS.toFixed(2) : 'n/a', fmt(net), m.peakRssMb.toFixed(0), flink ? fmt(flink) : '-', ratio ? ratio.toFixed(2) : '-', verdict]);
    process.stdout.write(`${q}: ${fmt(m.events)} events in ${m.wallS.toFixed(2)} s, ${fmt(net)} events per CPU second net of the generator\n`);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |\n`;
  process.stdout.write(`\n${line(header)}${line(widths.map((w) => '-'.repeat(w)))}${rows.map(line).join('')}\n`);
  process.stdout.write(
    'ev/CPU-s: events per CPU second of the whole run; net: with the generator\'s own CPU time (a run that generates the same events and discards them) taken out.\n' +
      'Flink/core: Throughput/Cores of Flink in the Nexmark repository\'s GUIDE_V1.md (https://github.com/nexmark/nexmark), which includes its generator.\n' +
      `${RISINGWAVE_NOTE}\n`,
  );
}

await main();
