// Dead-letter and late outputs of a Kafka source written to topics (`dead_letter =
// 'raw-temp-data.dlq'`), each record as side-message.ts makes it. On its own (at least once: a
// restarted job writes again what it wrote after its last checkpoint) it sends in small batches
// on a timer so that a long-running job's dead letters appear promptly, and its queued messages
// are bounded as a sink's are (relieve(): MAX_SENDS sends, MAX_QUEUED_BYTES). Joined to an
// exactly-once sink's transaction (plan/guarantees.ts says which), it hands each message to that
// sink, which seals it with its output at each checkpoint and commits or re-sends it with them.

import type { SourceDef } from '../../catalog/catalog.js';
import type { SideOutput, SinkWriter } from '../connector.js';
import { ensureTopic, kafkaClient } from './client.js';
import type { KafkaClient, KafkaProducer, OutMessage } from './port.js';
import { withKafkaRetry } from './retry.js';
import { MAX_SENDS, messageBytes, SendChain } from './send-chain.js';
import { sideMessage } from './side-message.js';

/**
 * A sink writer whose Kafka transaction can carry side-output messages: the exactly-once sink
 * (transactional-sink.ts) and a scaled-out task's writers (exec/scale-out/task-output.ts).
 * WARNING: a message handed over is the carrier's to seal at the next checkpoint barrier.
 */
export interface SideCarrier {
  writeSide(topic: string, message: OutMessage): void;
}

function isCarrier(writer: SinkWriter): writer is SinkWriter & SideCarrier {
  return typeof (writer as Partial<SideCarrier>).writeSide === 'function';
}
const SEND_EVERY_MS = 200;
/** Messages, or bytes of them, waiting past which a send starts before the timer is up. */
const SEND_AT = 500;
const SEND_AT_BYTES = 1 << 20;

/** `kafka`: the client to write with (tests pass a simulated one). */
export function openKafkaSideOutput(def: SourceDef, topic: string, kafka: KafkaClient = kafkaClient(def.options, `sluice-${def.name}-side`)): SideOutput {
  // Opened at the first send: a side output joined to a transaction never needs one.
  let producer: KafkaProducer | undefined;
  let ready: Promise<void> | undefined;
  let pending: OutMessage[] = [];
  let pendingBytes = 0;
  const chain = new SendChain();
  const what = `kafka side output '${topic}'`;
  let timer: NodeJS.Timeout | undefined;
  let joined: SideCarrier | undefined;

  const send = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const messages = pending;
    pending = [];
    pendingBytes = 0;
    void chain.add(async () => {
      const p = (producer ??= kafka.producer());
      ready ??= ensureTopic(kafka, topic).then(() => withKafkaRetry(`${what}: connecting`, () => p.connect()));
      await ready;
      await withKafkaRetry(`${what}: send`, () => p.send(topic, messages));
    }, true, messageBytes(messages));
  };

  const flush = async (): Promise<void> => {
    send();
    await chain.done;
    chain.check(what);
  };

  return {
    write(record, origin): void {
      const message = sideMessage(record, origin);
      if (joined) {
        joined.writeSide(topic, message);
        return;
      }
      pending.push(message);
      pendingBytes += messageBytes([message]);
      if (pending.length >= SEND_AT || pendingBytes >= SEND_AT_BYTES) send();
      else timer ??= setTimeout(send, SEND_EVERY_MS);
    },
    // Joined: nothing queues here; the carrier's own relieve() bounds these messages with its output.
    async relieve() {
      await chain.relieve(MAX_SENDS);
      chain.check(what);
    },
    join(writer: SinkWriter): boolean {
      // Joined before the first record (the runner joins while it builds the job), so nothing is pending here.
      if (!isCarrier(writer) || pending.length > 0) return false;
      joined = writer;
      return true;
    },
    // Joined: the sink flushes and commits these messages with its own.
    flush,
    async close() {
      try {
        await flush();
      } finally {
        if (ready) await producer?.disconnect().catch(() => {});
      }
    },
  };
}
