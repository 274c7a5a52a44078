// Scenario: the output topic of a running exactly-once job is deleted. Acceptable: the job stops
// with a clear error naming the topic, or it recreates the topic and goes on, saying so in a
// warning that names the topic (what was in the deleted topic is gone with it; the new topic
// must hold only rows of the uninterrupted answer). Not acceptable: exit 0 with no word of it
// (silent loss), junk in the new topic, or a hang.

import { readCommitted } from './reader.js';
import { admin, brokerUp, deleteTopic } from './broker.js';
import { say, scenario, type Outcome } from './harness.js';
import { Job, describeExit, errorOf, isClearError, logLines } from './job.js';
import { jobDir, jobSql, produceInput, reference, topicsFor, type Workload } from './workload.js';

const ROWS = 30_000;
const RATE = 2_000;

let input: Promise<Workload> | undefined;

async function deleted(name: string, guarantee: 'exactly_once' | 'at_least_once'): Promise<Outcome> {
  await brokerUp();
  input ??= produceInput(ROWS, 30);
  const w = await input;
  const ref = await reference(w);
  const t = topicsFor(w, name);
  const j = jobDir(name, jobSql(t, RATE, `, guarantee = '${guarantee}'`));
  const job = new Job(j.dir, j.file, { stateDir: j.stateDir, checkpointInterval: '500ms' });
  const problems: string[] = [];
  let tried = `${guarantee.replace(/_/g, '-')} job over ${ROWS} records at ${RATE}/s into ${t.output}`;
  let found = '';
  if (!(await job.untilCheckpoint(5, 60_000))) {
    problems.push(`the job ended before checkpoint 5: ${describeExit(await job.done(1_000))}`);
  } else {
    await deleteTopic(t.output);
    tried += `; the output topic deleted at checkpoint ${job.checkpointId()}`;
    say(tried);
    const e = await job.done(180_000);
    const a = admin();
    await a.connect();
    const exists = (await a.listTopics()).includes(t.output);
    const partitions = exists ? (await a.fetchTopicMetadata({ topics: [t.output] })).topics[0]?.partitions.length : 0;
    await a.disconnect();
    const got = exists ? await readCommitted(t.output) : [];
    found = `${describeExit(e)}; the topic ${exists ? `exists again (${partitions} partitions, ${got.length} committed rows of ${ref.output.length})` : 'was not recreated'}`;
    if (e.timedOut) problems.push('the job hung');
    else if (e.code === 0) {
      const said = logLines(e.stderr).some((l) => l.includes(t.output) && /delet|recreat|missing|not exist|unknown/i.test(l));
      if (!said) problems.push('exit 0 and no warning naming the deleted topic: silent loss');
      const want = new Set(ref.output);
      const junk = got.filter((l) => !want.has(l)).length;
      // At least once may write a row twice; exactly once may not.
      const dup = guarantee === 'exactly_once' ? got.length - new Set(got).size : 0;
      if (junk > 0 || dup > 0) problems.push(`the new topic holds ${junk} rows not in the answer and ${dup} duplicates`);
    } else {
      if (!isClearError(e)) problems.push('not a clear error');
      if (!errorOf(e).includes(t.output)) problems.push('the error does not name the topic');
    }
  }
  return { tried, found, problems };
}

scenario('output topic deleted (exactly-once)', 300_000, () => deleted('del-eo', 'exactly_once'));
scenario('output topic deleted (at-least-once)', 300_000, () => deleted('del-alo', 'at_least_once'));
