// The `kafka` sink: one JSON message per row, keyed by the query's group key (or `key = 'a, b'`),
// sent in batches, in order, by a kafkajs producer (acks from all in-sync replicas); flush()
// resolves once the broker has acknowledged everything written. A changelog (EMIT CHANGES, a
// GROUP BY without a window) becomes an upsert stream (upsertMessages): +I/+U send the row
// under its key, -U/-D a tombstone (null value) unless the row after it inserts under the same
// key (it replaces the row).
// guarantee = 'exactly_once' (the default when every source of the sink is Kafka and the job
// checkpoints) commits the output in one Kafka transaction per checkpoint, together with the
// sources' offsets (transactional-sink.ts); 'at_least_once' otherwise or on request.

import type { Column, SinkDef, SourceDef } from '../../catalog/catalog.js';
import type { Row } from '../../catalog/types.js';
import type { Op } from '../../catalog/batch.js';
import { ConnectorError } from '../connector.js';
import type { Guarantee, SinkCommits, SinkConnector, SinkContext, SinkPosition, SinkWriter } from '../connector.js';
import { choiceOption, intOption, requiredOption } from '../options.js';
import { brokerList, CLIENT_OPTIONS, ensureTopic, failIfTopicDeleted, kafkaClient } from './client.js';
import type { KafkaClient, KafkaProducer, OutMessage } from './port.js';
import { kafkaSourceSettings } from './source.js';
import { defaultSinkKey } from './sink-key.js';
import { compileMessageEncoder, type KafkaSinkSettings } from './sink-messages.js';
import { KafkaTransactionalWriter } from './transactional-sink.js';
import { recordedMarks, sealedMark } from './markers.js';
import { inSlices, MAX_SENDS, messageBytes, SendChain } from './send-chain.js';
import { withKafkaRetry } from './retry.js';


export class KafkaSinkWriter implements SinkWriter {
  private readonly producer: KafkaProducer;
  private readonly encode: (batch: { rows: readonly Row[]; ops: readonly Op[] | null }, out: OutMessage[]) => void;
  private pending: OutMessage[] = [];
  private readonly chain = new SendChain();
  private ready: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly kafka: KafkaClient,
    columns: readonly Column[],
    readonly settings: KafkaSinkSettings,
  ) {
    this.producer = kafka.producer();
    this.encode = compileMessageEncoder(columns, settings.key);
    // Creating the topic and connecting take a few hundred ms: done while the sources start,
    // not when the first rows are waiting (a failure surfaces at the first send).
    this.start().catch(() => {});
  }

  private readonly topicCheck = (e: unknown): Promise<void> => failIfTopicDeleted(this.kafka, this.settings.topic, `kafka sink '${this.settings.topic}'`)(e);

  private start(): Promise<void> {
    this.ready ??= (async () => {
      await ensureTopic(this.kafka, this.settings.topic, this.settings.partitions);
      await withKafkaRetry(`kafka sink '${this.settings.topic}': connecting`, () => this.producer.connect());
    })();
    return this.ready;
  }

  write(batch: { rows: readonly Row[]; ops: readonly Op[] | null }): void {
    this.encode(batch, this.pending);
    if (this.pending.length >= this.settings.batchSize) this.send();
  }

  /** Starts sending what is queued; sends go one after another, in order. */
  private send(): void {
    if (this.pending.length === 0) return;
    const messages = this.pending;
    this.pending = [];
    void this.chain.add(async () => {
      await this.start();
      // At least once: a slice whose send failed is sent again (the broker may hold it already).
      await inSlices(messages, this.settings.batchSize, (slice) =>
        withKafkaRetry(`kafka sink '${this.settings.topic}': send`, () => this.producer.send(this.settings.topic, slice), { beforeRetry: this.topicCheck }),
      );
    }, true, messageBytes(messages));
  }

  async relieve(): Promise<void> {
    this.send();
    await this.chain.relieve(MAX_SENDS);
    this.check();
  }

  async flush(): Promise<void> {
    this.send();
    await this.chain.done;
    this.check();
  }

  private check(): void {
    this.chain.check(`kafka sink '${this.settings.topic}'`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      if (this.ready) await this.producer.disconnect().catch(() => {});
    }
  }
}

/**
 * Resolves `key = 'a, b'` against the output columns, else the query's group key; an updating
 * result whose query names no group column (it reads a view that aggregates) is keyed by
 * `planKey`, the plan's key of its changelog, so that each row is its own upsert key.
 */
export function sinkKey(def: SinkDef, columns: readonly Column[], changelog: boolean, planKey?: readonly number[]): number[] {
  const names = columns.map((c) => c.name.toLowerCase());
  const opt = def.options['key'];
  if (opt !== undefined) {
    if (opt.trim() === '') return [];
    return opt.split(',').map((raw) => {
      const name = raw.trim();
      const i = names.indexOf(name.toLowerCase());
      if (i < 0) throw new ConnectorError(`key column '${name}' is not an output column`, 'key', `one of ${columns.map((c) => c.name).join(', ')}`);
      return i;
    });
  }
  const key = defaultSinkKey(def.query, columns, changelog);
  return key.length === 0 && changelog && planKey !== undefined ? [...planKey] : key;
}

export type KafkaGuarantee = 'exactly_once' | 'at_least_once';

/**
 * The sink's guarantee in a job: `guarantee` when given, else exactly-once when every source
 * upstream is Kafka and the job checkpoints. Throws ConnectorError when exactly-once is asked
 * for and cannot be given.
 */
export function kafkaSinkGuarantee(def: SinkDef, context: SinkContext | undefined): KafkaGuarantee {
  const asked = def.options['guarantee'] === undefined ? undefined : choiceOption(def.options, 'guarantee', ['at_least_once', 'exactly_once'] as const, 'at_least_once');
  const allKafka = context !== undefined && context.sources.length > 0 && context.sources.every((s) => s.options['connector'] === 'kafka');
  if (asked === 'exactly_once') {
    if (context === undefined || !context.checkpoints) {
      throw new ConnectorError("guarantee = 'exactly_once' commits output at checkpoints, and this job takes none", 'guarantee', "run the job with `sluice run`, or use guarantee = 'at_least_once'");
    }
    if (!allKafka) {
      const other = context.sources.find((s) => s.options['connector'] !== 'kafka');
      throw new ConnectorError(
        `guarantee = 'exactly_once' commits the sources' offsets in the sink's Kafka transaction, but source '${other?.name ?? '?'}' is not a Kafka source`,
        'guarantee',
        "use guarantee = 'at_least_once' (a restore then may send some rows again)",
      );
    }
    return 'exactly_once';
  }
  if (asked === 'at_least_once') return 'at_least_once';
  return allKafka && context!.checkpoints ? 'exactly_once' : 'at_least_once';
}

/** The producer's transactionalId: stable across restarts of the same job and sink. */
export function transactionalId(def: SinkDef, topic: string, job: string): string {
  return def.options['transactional_id'] ?? `sluice-${job}-${def.name}-${topic}`;
}

/**
 * Where an exactly-once sink commits each source's offsets and markers, by source name: the
 * source's `group`, unless a sink declared before it is an exactly-once Kafka sink fed by the
 * same topic and group, then `<group>.sink-<sink name>`. WHY: a group holds one offset and one
 * metadata per partition, so a second sink committing there would overwrite the first's marker,
 * and each sink's recovery and the marker rule (markers.ts) must read its own.
 */
export function commitGroups(def: SinkDef, context: SinkContext): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const e of context.earlier ?? []) {
    if (e.def.options['connector'] !== 'kafka' || !exactlyOnce(e.def, { job: context.job, sources: e.sources, checkpoints: context.checkpoints })) continue;
    for (const s of e.sources) if (s.options['connector'] === 'kafka') taken.add(groupKey(s));
  }
  for (const s of context.sources) {
    if (s.options['connector'] !== 'kafka') continue;
    const { group } = kafkaSourceSettings(s);
    out.set(s.name, taken.has(groupKey(s)) ? sinkGroup(group, def.name) : group);
  }
  return out;
}

/** An earlier sink whose guarantee option is refused is reported when it is opened, not here. */
function exactlyOnce(def: SinkDef, context: SinkContext): boolean {
  try {
    return kafkaSinkGuarantee(def, context) === 'exactly_once';
  } catch {
    return false;
  }
}

/** The group an exactly-once sink other than the first of a source commits to (commitGroups). */
export function sinkGroup(group: string, sink: string): string {
  return `${group}.sink-${sink}`;
}

function groupKey(source: SourceDef): string {
  const { group, topic } = kafkaSourceSettings(source);
  return JSON.stringify([group, topic]);
}

/** Same brokers, whatever the order: one Kafka transaction cannot span two clusters. */
function sameCluster(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const x = brokerList(a).sort();
  const y = brokerList(b).sort();
  return x.length === y.length && x.every((h, i) => h === y[i]);
}

export const kafkaSink: SinkConnector = {
  name: 'kafka',
  options: ['connector', 'topic', 'format', 'key', 'guarantee', 'transactional_id', 'batch_size', 'partitions', ...CLIENT_OPTIONS],
  // The guarantee and transactionalId decide what the checkpoint stores for the sink (its sealed transaction).
  identity: ['connector', 'topic', 'guarantee', 'transactional_id'],
  guarantee(def: SinkDef, context: SinkContext): Guarantee {
    return kafkaSinkGuarantee(def, context) === 'exactly_once' ? { level: 'exactly_once', how: 'Kafka transaction' } : { level: 'at_least_once' };
  },
  /** A Kafka source's dead-letter and late topics join the transaction of an exactly-once sink on its brokers. */
  carriesSideOutputs(def: SinkDef, context: SinkContext, source: SourceDef): boolean {
    return kafkaSinkGuarantee(def, context) === 'exactly_once' && source.options['connector'] === 'kafka' && sameCluster(def.options, source.options);
  },
  async commits(def: SinkDef, context: SinkContext, resume: Promise<SinkPosition | undefined>): Promise<SinkCommits | undefined> {
    if (kafkaSinkGuarantee(def, context) !== 'exactly_once') return undefined;
    const [recorded, position] = await Promise.all([recordedMarks(context.sources, commitGroups(def, context)), resume]);
    return { recorded, checkpoint: sealedMark(position) };
  },
  open(def: SinkDef, columns: readonly Column[], changelog: boolean, resume?: SinkPosition, context?: SinkContext): SinkWriter {
    const o = def.options;
    const topic = requiredOption(o, 'topic', 'agg-temperature');
    choiceOption(o, 'format', ['json', 'jsonl'] as const, 'json');
    const guarantee = kafkaSinkGuarantee(def, context);
    const key = sinkKey(def, columns, changelog, context?.upsertKey);
    if (changelog && key.length === 0) {
      throw new ConnectorError(
        'an updating result (EMIT CHANGES, or GROUP BY without a window) is written to Kafka as an upsert stream and needs a message key',
        'key',
        "select the GROUP BY columns, or name them with key = 'col, ...'",
      );
    }
    const settings = { topic, key, batchSize: intOption(o, 'batch_size', 1000, 1), partitions: intOption(o, 'partitions', 1, 1) };
    const kafka = kafkaClient(o, `sluice-${def.name}`);
    if (guarantee === 'exactly_once') {
      return new KafkaTransactionalWriter(kafka, columns, settings, transactionalId(def, topic, context?.job ?? 'job'), commitGroups(def, context!), resume);
    }
    return new KafkaSinkWriter(kafka, columns, settings);
  },
};
