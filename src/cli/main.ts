// argv -> run | explain | compare. No engine logic here: each command is a thin file that
// loads the script, plans it and hands it to the engine or the oracle. Each command's file is
// imported when its action runs, so `sluice run` never loads the oracle, and the engine's
// optional parts (DuckDB, the Kafka client, the metrics endpoint) load where they are used.

import { Command, CommanderError, Option } from 'commander';
import { SqlError } from '../sql/diagnostics.js';
import { UsageError } from './errors.js';
import type { RunOptions } from './run.js';
import { registerProduce } from './produce.js';
import { ConnectorError } from '../connectors/connector.js';
import { isReplInvocation, replCommand } from './repl.js';
import { LOG_LEVELS, log, logConfig, redact } from '../util/log.js';
import { sluiceVersion } from '../util/version.js';

// A reader that stops reading (`sluice run job.sql | head`) ends the command quietly, as for
// any Unix tool, instead of an unhandled 'error' event and its stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const program = new Command();
program
  .name('sluice')
  .description('Streaming SQL over files, generators and Kafka, with event-time windows checked against DuckDB.')
  .version(sluiceVersion())
  .showHelpAfterError('(run `sluice --help` for usage)')
  .addHelpText('after', '\nWithout a command, sluice opens the interactive REPL on the demo sources:\n  sluice [--file job.sql] [--brokers host:port]\n')
  .exitOverride();

program
  .command('run')
  .description('run every sink of a .sql file as one job; exits once bounded inputs are done, Ctrl-C stops cleanly')
  .argument('<file>', 'the .sql job: CREATE SOURCE / VIEW / SINK statements (a bare SELECT prints to the terminal)')
  .option('--sink <name...>', 'run only these sinks')
  .option('--format <format>', "terminal output of bare queries and stdout sinks: 'table' or 'jsonl'")
  .option('--state-dir <dir>', 'where checkpoints and spilled state live (default: .sluice/<job> beside the .sql file)')
  .option('--checkpoint-interval <duration>', 'time between checkpoints, e.g. 500ms (default 10s; or SET checkpoint_interval)')
  .option('--state-memory <size>', 'memory budget for operator state, e.g. 256MB (or SET state_memory)')
  .option('--fresh', "discard the saved state and start from the beginning of the inputs (a Kafka sink's earlier output stays in its topic)")
  .option('--from-committed-offsets', "Kafka sources: discard the saved state and start at the offsets the sources' consumer groups committed (an exactly-once sink's last commit); windows and groups open then lose their earlier rows")
  .option('--scale-out', "Kafka-to-Kafka jobs: share the sources' partitions with every other process of the job in its consumer group; state is kept in a changelog topic")
  .option('--threads <n>', "with --scale-out: run the job's partition tasks on n worker threads of this process (auto: one per core), each a member of the job's consumer group")
  .option('--metrics-port <port>', 'serve Prometheus metrics on http://127.0.0.1:<port>/metrics while the job runs (0: any free port)')
  .option('--kafka-retry-for <duration>', 'how long a Kafka call keeps retrying through a broker outage before the job exits with the reason, e.g. 30s or 10m (default 5m; 0: no retries past kafkajs\'s own; or SET kafka_retry_for)')
  .addOption(new Option('--log-level <level>', 'log this level and above on stderr: JSON lines when stderr is not a terminal, text when it is').choices(LOG_LEVELS).default('info'))
  .addHelpText('after', '\nExamples:\n  sluice run queries/sensor-downsampling.sql\n  sluice run examples/kafka/sensor-downsampling.sql --scale-out   (start it twice: the processes split the partitions)\n')
  .action(async (file: string, opts: RunOptions) => {
    (await import('../util/startup-marks.js')).startupMark('main loaded');
    const { runCommand } = await import('./run.js');
    process.exitCode = await runCommand(file, opts);
  });

program
  .command('explain')
  .description("print the physical plan of a .sql file's sinks: operators, keys, windows, emit modes and state")
  .argument('<file>', 'the .sql job')
  .option('--sink <name...>', 'explain only these sinks')
  .option('--scale-out', 'how the job runs with run --scale-out: its stages, groups and changelog topics')
  .action(async (file: string, opts: { sink?: string[]; scaleOut?: boolean }) => {
    const { explainCommand } = await import('./explain.js');
    process.exitCode = explainCommand(file, opts);
  });

program
  .command('compare')
  .description('run each sink over its bounded inputs both as a stream and as one DuckDB batch query, and report equal or the differing rows (exit 0 or 1)')
  .argument('<file>', 'the .sql job; its sources must be bounded (files, datagen with count)')
  .option('--sink <name...>', 'compare only these sinks')
  .option('--show-sql', 'print the DuckDB query of each sink')
  .action(async (file: string, opts: { sink?: string[]; showSql?: boolean }) => {
    const { compareCommand } = await import('./compare.js');
    process.exitCode = await compareCommand(file, opts);
  });

program
  .command('state')
  .description("show a job's state: the last checkpoint's time and size, and each operator's state tables with rows and bytes in memory and in DuckDB")
  .argument('<file>', 'the .sql job')
  .option('--sink <name...>', 'only these sinks')
  .option('--state-dir <dir>', 'the state directory (default: .sluice/<job> beside the .sql file)')
  .action(async (file: string, opts: { sink?: string[]; stateDir?: string }) => {
    const { stateCommand } = await import('./state.js');
    process.exitCode = stateCommand(file, opts);
  });

program
  .command('test')
  .description('run the fixture tests of jobs (*.test.yaml / *.test.json beside each .sql): one line per case, a diff per failure; exit 0 all passed, 1 a case failed, 2 a test file has errors')
  .argument('[paths...]', 'test files or folders to search (default: the current directory)')
  .option('--reporter <name>', "'text' (default) or 'junit' (JUnit XML, to --output or stdout)")
  .option('--output <file>', 'where --reporter junit writes its XML')
  .option('--update', 'rewrite the expected rows of failing cases with the actual output (review the diff)')
  .option('--filter <text>', 'only the cases whose name contains this text')
  .option('--generate <job.sql>', "generated-stream tests of a job: streams drawn from its sources' schemas (and the generate: section of JOB.test.yaml), each checked against DuckDB's batch answer")
  .option('--seed <n>', 'with --generate: the seed to replay (printed with every run)')
  .option('--runs <n>', 'with --generate: how many streams to draw (default 100)')
  .addHelpText('after', '\nExamples:\n  sluice test queries\n  sluice test --reporter junit --output report.xml\n  sluice test --generate queries/quickstart.sql\n')
  .action(async (paths: string[], opts: import('./test.js').TestOptions) => {
    const { testCommand } = await import('./test.js');
    process.exitCode = await testCommand(paths, opts);
  });

registerProduce(program);

program
  .command('serve')
  .description('serve the web console and its HTTP API (jobs, live results over Server-Sent Events, HTTP ingest), running the given .sql jobs and those submitted later')
  .argument('[files...]', '.sql jobs to run at start-up (each resumes from its checkpoint in the state directory)')
  .option('--port <port>', 'port to listen on (default 8080; 0: any free port)')
  .option('--host <host>', 'address to bind (default 127.0.0.1; any other needs --auth-token)')
  .option('--auth-token <token>', 'require this token on every request (Authorization: Bearer TOKEN or ?token=TOKEN); or SLUICE_TOKEN')
  .option('--state-dir <dir>', "where the jobs' checkpoints live, one directory per job (default .sluice/serve)")
  .action(async (files: string[], opts: import('./serve.js').ServeCliOptions) => {
    const { serveCommand } = await import('./serve.js');
    process.exitCode = await serveCommand(files, opts);
  });

try {
  if (isReplInvocation(process.argv.slice(2))) {
    process.exitCode = await replCommand(process.argv.slice(2));
    // Stopped generators may leave timers behind; the REPL is done.
    process.exit(process.exitCode);
  } else {
    await program.parseAsync(process.argv);
  }
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (e instanceof SqlError) {
    // Diagnostics stay text (carets line up) even when the log is JSON; secrets never print.
    process.stderr.write(redact(e.render()) + '\n');
    process.exitCode = 2;
  } else if (e instanceof ConnectorError) {
    process.stderr.write(redact(`${e.render('sluice: ')}\n`));
    process.exitCode = 2;
  } else if (e instanceof UsageError) {
    process.stderr.write(redact(`sluice: ${e.message}\n`));
    process.exitCode = 2;
  } else {
    const err = e as Error;
    // A failure of a running job: through the log (a JSON record when the log is JSON).
    log.error(`sluice: ${err.message}`, { event: 'failed', ...(process.env['SLUICE_DEBUG'] ? { stack: err.stack } : {}) });
    if (process.env['SLUICE_DEBUG'] && !logConfig().json) process.stderr.write(redact(`${err.stack}\n`));
    process.exitCode = 2;
  }
}
