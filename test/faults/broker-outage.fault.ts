// Scenarios: the broker under a running exactly-once job (source paced so the job spans the
// fault) is killed with kill -9 and restarted on the same data directory 20 s and 60 s later,
// or frozen with SIGSTOP for 30 s and continued. The job must survive, or exit with a clear
// error naming the broker and resume when started again; either way a read_committed consumer
// must see exactly the uninterrupted run's output and dead letters, and nothing may hang.

import { brokerUp, freezeBroker, killBroker, restartBroker } from './broker.js';
import { say, scenario, sleep, type Outcome } from './harness.js';
import { Job, describeExit, errorOf, isClearError, type Exit } from './job.js';
import { compareWithReference, jobDir, jobSql, produceInput, reference, topicsFor, type Workload } from './workload.js';

const ROWS = 30_000;
/** Records per second: the job runs about 30 s, so the fault lands in its first third. */
const RATE = 1_000;
/** Restarts of the job allowed after the broker is back (each must follow a clear error). */
const RESTARTS = 4;

let input: Promise<Workload> | undefined;
async function workload(): Promise<Workload> {
  await brokerUp();
  input ??= produceInput(ROWS, 30);
  const w = await input;
  await reference(w);
  return w;
}

async function outage(name: string, fault: () => Promise<void>): Promise<Outcome> {
  const w = await workload();
  const t = topicsFor(w, name);
  const j = jobDir(name, jobSql(t, RATE));
  const start = (): Job => new Job(j.dir, j.file, { stateDir: j.stateDir, checkpointInterval: '500ms' });
  const runs: string[] = [];
  const problems: string[] = [];
  let finished = false;
  const first = start();
  if (!(await first.untilCheckpoint(3, 60_000))) {
    const e = await first.done(1_000);
    problems.push(`the job ended before the fault: ${describeExit(e)}`);
  } else {
    say(`job pid ${first.child.pid} at checkpoint ${first.checkpointId()}; the fault begins`);
    const faultAt = Date.now();
    await fault();
    const backAfter = Date.now() - faultAt;
    const survived = first.running;
    say(`broker back after ${(backAfter / 1000).toFixed(1)} s; the job ${survived ? 'is still running' : 'has exited'}`);
    let e: Exit = await first.done(240_000);
    runs.push(`${survived ? 'still running when the broker was back' : 'exited during the fault'}, then ${describeExit(e)}`);
    for (let n = 0; n < RESTARTS && e.code !== 0 && !e.timedOut; n++) {
      // Clear for an outage: a `sluice:` line, no stack, naming the broker it could not reach.
      if (!isClearError(e) || !/broker|127\.0\.0\.1:\d+/i.test(errorOf(e))) problems.push(`an unclear failure (a clear one names the broker): ${describeExit(e)}`);
      await sleep(1_000);
      e = await start().done(240_000);
      runs.push(`restart ${n + 1}: ${describeExit(e)}${/resuming from checkpoint \d+/.test(e.stderr) ? ' (resumed)' : ' (did not resume)'}`);
    }
    if (e.timedOut) problems.push('the job hung (still running 240 s after the broker came back)');
    else if (e.code !== 0) problems.push(`the job did not finish after ${RESTARTS} restarts: ${describeExit(e)}`);
    finished = e.code === 0;
  }
  let exact = false;
  if (finished) {
    const diff = await compareWithReference(w, t);
    if (diff) problems.push(diff);
    exact = diff === '';
  }
  const ref = await reference(w);
  return {
    tried: `exactly-once job over ${ROWS} records + ${w.bad} bad at ${RATE}/s, checkpoints every 500 ms; ${runs.join('; ')}`,
    found: `${runs.join('; ')}${exact ? `; read_committed output equals the uninterrupted run (${ref.output.length} rows, ${ref.deadLetters.length} dead letters)` : ''}`,
    problems,
  };
}

scenario('broker kill -9, restart after 20 s', 360_000, () =>
  outage('kill20', async () => {
    await killBroker();
    await sleep(20_000);
    await restartBroker();
  }),
);

scenario('broker kill -9, restart after 60 s', 420_000, () =>
  outage('kill60', async () => {
    await killBroker();
    await sleep(60_000);
    await restartBroker();
  }),
);

scenario('broker SIGSTOP 30 s, then SIGCONT', 360_000, () => outage('stop30', () => freezeBroker(30_000)));
