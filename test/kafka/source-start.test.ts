// Where a fresh Kafka source starts: prepare() pins its start offsets in position() (a fresh
// run's first checkpoint records them, so a restart with startup = 'latest' goes on from there),
// and the offsets kafkaSource.lookAhead looked up before the job was built are the ones a reader
// opened afterwards starts from (sluice run looks them up while the sinks' commits are read).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { broker, createTopic, produceMessages, unique } from './broker.js';
import { kafkaSource } from '../../src/connectors/kafka/source.js';
import { Catalog, type SourceDef } from '../../src/catalog/catalog.js';
import { loadScriptText } from '../../src/cli/load.js';

function sourceDef(bootstrap: string, topic: string): SourceDef {
  const sql = `CREATE SOURCE s (v INT) WITH (connector = 'kafka', topic = '${topic}', brokers = '${bootstrap}', startup = 'latest', group = '${unique('g-start')}');`;
  return [...loadScriptText(sql, 'start.sql', process.cwd(), new Catalog()).catalog.sources.values()][0]!;
}

const values = (n: number): Array<{ value: string }> => Array.from({ length: n }, (_, i) => ({ value: JSON.stringify({ v: i }) }));

test("a fresh source's start offsets: pinned by prepare(), and those lookAhead found before the reader opened", { timeout: 60_000 }, async () => {
  const bootstrap = await broker();
  const topic = unique('src-start');
  await createTopic(topic, 1);
  await produceMessages(topic, values(3));
  const def = sourceDef(bootstrap, topic);

  const fresh = kafkaSource.open(def);
  assert.deepEqual(fresh.position?.(), { topic, next: {} }, 'nothing known before prepare()');
  await fresh.prepare?.();
  assert.deepEqual(fresh.position?.(), { topic, next: { '0': '3' } }, 'startup = latest pinned at the end offset');

  kafkaSource.lookAhead!(def);
  // The look-up is done well before the next messages arrive.
  await sleep(3000);
  await produceMessages(topic, values(2));
  const ahead = kafkaSource.open(def);
  await ahead.prepare?.();
  assert.deepEqual(ahead.position?.(), { topic, next: { '0': '3' } }, 'the offsets looked up ahead, not those of now');

  // Taken once: the next reader looks up again.
  const again = kafkaSource.open(def);
  await again.prepare?.();
  assert.deepEqual(again.position?.(), { topic, next: { '0': '5' } });
});
