// A sink's topic deleted under a running job: the sink's retries stop at the first topic error
// once the broker says the topic is gone (it would otherwise retry for kafka_retry_for), with an
// error naming the topic; a topic that exists (a leader moving) keeps the retries going.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, client, createTopic, unique } from './broker.js';
import { failIfTopicDeleted, kafkaClient, TopicDeletedError } from '../../src/connectors/kafka/client.js';

const unknownTopic = Object.assign(new Error('This server does not host this topic-partition'), { name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });

test('failIfTopicDeleted: a topic error for a deleted topic ends the retries; an existing topic or another error does not', { timeout: 60_000 }, async () => {
  const brokers = await broker();
  const topic = unique('deleted-check');
  await createTopic(topic);
  const kafka = kafkaClient({ brokers }, 'sluice-test');
  const check = failIfTopicDeleted(kafka, topic, "kafka sink 'out'");
  await check(unknownTopic);
  const admin = (await client()).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  await assert.rejects(check(unknownTopic), (e: unknown) => e instanceof TopicDeletedError && e.message.includes(`topic '${topic}' no longer exists`) && e.message.includes('--fresh'));
  // Not a topic error (the broker unreachable): no question asked, the retries go on.
  await check(Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' }));
});

test('a running job whose output topic is deleted exits with an error naming it, well within kafka_retry_for', { timeout: 120_000 }, async () => {
  const brokers = await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-topic-deleted-'));
  try {
    const topic = unique('deleted-out');
    writeFileSync(
      path.join(dir, 'job.sql'),
      `CREATE SOURCE s WITH (connector = 'datagen', generator = 'sensors', rate = 2000);
       CREATE SINK out WITH (connector = 'kafka', topic = '${topic}', brokers = '${brokers}', batch_size = '50') AS SELECT sensor, value, ts FROM s;`,
    );
    const child = spawn(process.execPath, [path.resolve('bin/sluice.js'), 'run', 'job.sql', '--state-dir', path.join(dir, 'state'), '--log-level', 'warn'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 3000));
    const admin = (await client()).admin();
    await admin.connect();
    assert.ok((await admin.listTopics()).includes(topic), 'the job created its topic');
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
    const t0 = Date.now();
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    assert.notEqual(code, 'hung', `still running 60 s after the topic was deleted:\n${stderr}`);
    assert.equal(code, 2, stderr);
    assert.match(stderr, new RegExp(`topic '${topic}' no longer exists: it was deleted while the job ran`));
    assert.ok(Date.now() - t0 < 60_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
