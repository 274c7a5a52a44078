// `sluice produce TOPIC`: argv -> connectors/kafka/produce.ts. Ctrl-C stops cleanly; prints
// how many messages went out and at what rate.

import type { Command } from 'commander';
import { UsageError } from './errors.js';

interface ProduceFlags {
  brokers?: string;
  generator?: string;
  file?: string;
  rate?: string;
  count?: string;
  key?: string;
  seed?: string;
  start?: string;
  sensors?: string;
  disorder?: string;
  partitions?: string;
}

function num(flag: string, v: string | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`--${flag} must be a positive ${integer ? 'whole ' : ''}number, not '${v}'`);
  return n;
}

export async function produceCommand(topic: string, flags: ProduceFlags): Promise<number> {
  if (flags.file !== undefined && flags.generator !== undefined) throw new UsageError('give --generator or --file, not both');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const { produce } = await import('../connectors/kafka/produce.js');
    const r = await produce(
      {
        topic,
        ...(flags.brokers !== undefined ? { brokers: flags.brokers } : {}),
        ...(flags.generator !== undefined ? { generator: flags.generator } : {}),
        ...(flags.file !== undefined ? { file: flags.file } : {}),
        ...(flags.key !== undefined ? { key: flags.key } : {}),
        ...(flags.start !== undefined ? { start: flags.start } : {}),
        ...(flags.disorder !== undefined ? { disorder: flags.disorder } : {}),
        rate: num('rate', flags.rate, false),
        count: num('count', flags.count, true),
        seed: num('seed', flags.seed, true),
        sensors: num('sensors', flags.sensors, true),
        partitions: num('partitions', flags.partitions, true),
      },
      controller.signal,
    );
    const perSecond = r.seconds > 0 ? Math.round(r.messages / r.seconds) : r.messages;
    process.stderr.write(`produced ${r.messages} message${r.messages === 1 ? '' : 's'} to ${topic} in ${r.seconds.toFixed(1)} s (${perSecond}/s)\n`);
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export function registerProduce(program: Command): void {
  program
    .command('produce')
    .description('feed a Kafka topic from a generator or a JSON-lines file at a given rate (the tutorials\' producer scripts)')
    .argument('<topic>', 'the topic; created when missing')
    .option('--brokers <list>', 'bootstrap brokers (default: $SLUICE_BROKERS or 127.0.0.1:9092)')
    .option('--generator <name>', "datagen generator: 'sensors' (key = sensor id, value {ts, value}, a uuid header), 'bid', 'auction', 'person'")
    .option('--file <path>', 'a JSON-lines file; each line is one message value')
    .option('--rate <n>', 'messages per second (default: as fast as possible)')
    .option('--count <n>', 'stop after n messages (a generator runs until Ctrl-C without it)')
    .option('--key <field>', 'value field used as the message key (files and Nexmark generators)')
    .option('--seed <n>', 'generator seed')
    .option('--start <time>', "event time of the first record: ISO-8601 or 'now' (default 'now' with --rate)")
    .option('--sensors <n>', 'number of sensors (sensors generator)')
    .option('--disorder <duration>', "pull event times back by up to this much, e.g. '800ms'")
    .option('--partitions <n>', 'partitions when the topic is created (default 1)')
    .addHelpText('after', '\nExample (the Quix tutorial\'s producer):\n  sluice produce raw-temp-data --generator sensors --rate 4\n')
    .action(async (topic: string, flags: ProduceFlags) => {
      process.exitCode = await produceCommand(topic, flags);
    });
}
