// Dead-letter and late outputs of a Kafka source written to topics (`dead_letter =
// 'raw-temp-data.dlq'`): the original message (key, value, headers) unchanged, with why and
// where in `sluice.*` headers (reason, source, topic, partition, offset; for late rows also
// event time, watermark and window start), as Kafka Connect's dead-letter queues do. Sent in
// small batches on a timer so that a long-running job's dead letters appear promptly.

import type { IHeaders, Message } from 'kafkajs';
import type { SourceDef } from '../../catalog/catalog.js';
import type { SideOutput, SourceRecord } from '../connector.js';
import { ensureTopic, kafkaClient } from './client.js';
import { KafkaRecord } from './record.js';
import { openProducer } from './producer.js';
import { SendChain } from './send-chain.js';
import { withKafkaRetry } from './retry.js';

const SEND_EVERY_MS = 200;
const SEND_AT = 500;

function headerText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function openKafkaSideOutput(def: SourceDef, topic: string): SideOutput {
  const kafka = kafkaClient(def.options, `sluice-${def.name}-side`);
  const producer = openProducer(kafka, { maxInFlightRequests: 1, allowAutoTopicCreation: false });
  let ready: Promise<void> | undefined;
  let pending: Message[] = [];
  const chain = new SendChain();
  let timer: NodeJS.Timeout | undefined;

  const send = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const messages = pending;
    pending = [];
    void chain.add(async () => {
      ready ??= ensureTopic(kafka, topic).then(() => withKafkaRetry(`kafka side output '${topic}': connecting`, () => producer.connect()));
      await ready;
      await withKafkaRetry(`kafka side output '${topic}': send`, () => producer.send({ topic, messages, acks: -1 }));
    });
  };

  const flush = async (): Promise<void> => {
    send();
    await chain.done;
    chain.check(`kafka side output '${topic}'`);
  };

  return {
    write(record: Readonly<Record<string, unknown>>, origin?: SourceRecord): void {
      const headers: IHeaders = {};
      let key: Buffer | string | null = null;
      let value: Buffer | string | null;
      if (origin instanceof KafkaRecord) {
        key = origin.key;
        value = origin.rawValue;
        for (const [k, v] of Object.entries(origin.headers ?? {})) headers[k] = v;
      } else {
        value = typeof record['raw'] === 'string' ? record['raw'] : null;
      }
      const position = (record['position'] ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(position)) headers[`sluice.${k}`] = headerText(v);
      for (const [k, v] of Object.entries(record)) {
        if (k === 'raw' || k === 'position' || k === 'at' || v === null || v === undefined) continue;
        headers[`sluice.${k}`] = headerText(v);
      }
      pending.push({ key, value, headers });
      if (pending.length >= SEND_AT) send();
      else timer ??= setTimeout(send, SEND_EVERY_MS);
    },
    flush,
    async close() {
      try {
        await flush();
      } finally {
        if (ready) await producer.disconnect().catch(() => {});
      }
    },
  };
}
