// A linear grouping of a send's messages by partition, installed in place of kafkajs's own.
// kafkajs 2.2 builds each partition's list by copying it whole for every message
// (`[...current, message]` in a reduce), quadratic in a send's messages: with the sink's
// 1,000-message sends it was the largest item of the Kafka thread's profile in bench:kafka
// (~120 ms of CPU for 50,000 rows). This one appends to each partition's list: the same object
// (partition -> messages in their order), the partitioner called once per message in order.
// kafkajs's own is kept when the partition metadata is empty (the same `{}`).
//
// WHY a module swap, and why before kafkajs loads: as record-decoder.ts; kafkajs's sendMessages
// takes it from its module at load time. Installed only into kafkajs 2.2.4, whose function this
// reproduces; test/unit/connectors/kafka-group-messages.test.ts holds the two to equality.

import { swapKafkajsModule } from './swap.js';
import type { Message, PartitionerArgs } from 'kafkajs';

const GROUP_MESSAGES = 'kafkajs/src/producer/groupMessagesPerPartition.js';

export interface GroupArgs {
  topic: string;
  partitionMetadata: PartitionerArgs['partitionMetadata'];
  messages: Message[];
  partitioner: (args: PartitionerArgs) => number;
}

export type GroupMessages = (args: GroupArgs) => Record<number, Message[]>;

/** Messages of one send by the partition the partitioner gives each, in order, in one pass. */
export const groupMessagesLinear: GroupMessages = ({ topic, partitionMetadata, messages, partitioner }) => {
  const result: Record<number, Message[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const partition = partitioner({ topic, partitionMetadata, message });
    const current = result[partition];
    if (current === undefined) result[partition] = [message];
    else current.push(message);
  }
  return result;
};

/** kafkajs's own grouping, and whether the linear one took its place (false: kafkajs was loaded first, or moved it). */
export const kafkajsGroupMessages = swapKafkajsModule<GroupMessages>(GROUP_MESSAGES, () => groupMessagesLinear);
