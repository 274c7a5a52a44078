// kafkajs errors at the port's edge: a fenced producer becomes Sluice's KafkaFencedError (the
// message kept), and CONCURRENT_TRANSACTIONS (the coordinator still finishing the previous
// transaction), which kafkajs leaves to its caller for sendOffsets and the first calls of a
// transaction, is retried here. Every other error passes as kafkajs raised it (retry.ts
// classifies those).

import { KafkaFencedError } from '../port.js';
import { isFencedError } from '../retry.js';

/** `e`, or a KafkaFencedError around it when it says the producer was fenced. */
export function portError(e: unknown): unknown {
  if (e instanceof KafkaFencedError || !isFencedError(e)) return e;
  return new KafkaFencedError(e instanceof Error ? e.message : String(e), { cause: e });
}

/** Runs `f`, its error made a port error (portError). */
export async function atPort<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw portError(e);
  }
}

function isConcurrent(e: unknown): boolean {
  const err = e as { type?: string; message?: string } | undefined;
  return err?.type === 'CONCURRENT_TRANSACTIONS' || /concurrent transactions/i.test(err?.message ?? '');
}

/** Retries CONCURRENT_TRANSACTIONS, waiting a little longer each time (up to 1 s). */
export async function retryConcurrent<T>(f: () => Promise<T>, attempts = 30): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (e) {
      if (!isConcurrent(e) || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, Math.min(50 * (i + 1), 1000)));
    }
  }
}
