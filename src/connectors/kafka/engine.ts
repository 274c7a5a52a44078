// The Kafka connector as the engine's scale-out (exec/scale-out) uses it, beside the port's
// types (port.ts): the client, admin sessions and topics, the source's settings and positions,
// records and messages, and the outage rule. None of it names a client library, so another
// implementation of the port changes nothing the engine imports.

export { ensureTopic, kafkaClient, withAdmin } from './client.js';
export { TXN_CHECKPOINT_BYTES } from './exactly-once.js';
export { compileKafkaDecoder, KafkaRecord } from './record.js';
export { backoffMs, formatMs, isRetriable, KafkaGaveUpError, kafkaRetryFor, reasonOf, withKafkaRetry } from './retry.js';
export { inSlices } from './send-chain.js';
export type { SideCarrier } from './side-output.js';
export { sinkKey } from './sink.js';
export { compileMessageEncoder } from './sink-messages.js';
export { kafkaPosition, kafkaSourceSettings, partitionStarts, type KafkaPosition, type KafkaSourceSettings } from './source.js';
