// The order of a Kafka writer's work: sends (and, for the exactly-once sink, commits) run one
// after another in the order they were added; the first failure stops the rest and is kept for
// the writer to report. relieve() is the writer's backpressure: it waits only while more than
// `max` sends, or more than MAX_QUEUED_BYTES of messages, are outstanding, so the engine keeps
// computing while earlier output is on its way, and a slow broker pauses the sources (the job
// awaits relieve() after each source batch) instead of letting queued output grow.

import type { OutMessage } from './port.js';

/** The bytes of messages' keys and values (string length for text: JSON output is mostly ASCII), for the writers' bound. */
export function messageBytes(messages: readonly OutMessage[]): number {
  let n = 0;
  for (const m of messages) n += (m.key?.length ?? 0) + (m.value?.length ?? 0);
  return n;
}

/** Runs `send` on each slice of at most `size` messages (a sink's batch_size), one after another. */
export async function inSlices(messages: readonly OutMessage[], size: number, send: (slice: readonly OutMessage[]) => Promise<void>): Promise<void> {
  if (messages.length <= size) return send(messages);
  for (let i = 0; i < messages.length; i += size) await send(messages.slice(i, i + size));
}

/** Sends queued or under way past which a writer's relieve() waits: enough to hide the broker's round trips. */
export const MAX_SENDS = 8;

/**
 * Message bytes (keys and values) queued or under way past which a writer's relieve() waits,
 * whatever the number of sends: the bound on a Kafka writer's queued output (README, Kafka).
 */
export const MAX_QUEUED_BYTES = 16 << 20;

export class SendChain {
  private tail: Promise<void> = Promise.resolve();
  /** Counted steps not yet finished, oldest first (steps finish in order), with their message bytes. */
  private readonly outstanding: Array<{ step: Promise<void>; bytes: number }> = [];
  /** Message bytes of the outstanding steps. */
  private bytes = 0;
  error: unknown;

  /** Runs `f` after every earlier step; `counted` steps (of `bytes` message bytes) are what relieve() bounds. */
  add(f: () => Promise<void>, counted = true, bytes = 0): Promise<void> {
    const step = this.tail.then(async () => {
      if (this.error !== undefined) return;
      try {
        await f();
      } catch (e) {
        this.error = e;
      }
    });
    this.tail = step;
    if (counted) {
      this.outstanding.push({ step, bytes });
      this.bytes += bytes;
      void step.then(() => {
        this.bytes -= this.outstanding.shift()?.bytes ?? 0;
      });
    }
    return step;
  }

  /** Waits until at most `max` counted steps, and at most `maxBytes` of their messages, are outstanding. */
  async relieve(max: number, maxBytes = MAX_QUEUED_BYTES): Promise<void> {
    while (this.outstanding.length > max || (this.bytes > maxBytes && this.outstanding.length > 0)) await this.outstanding[0]!.step;
  }

  /** Message bytes queued or under way. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /** Every step added so far, finished. */
  get done(): Promise<void> {
    return this.tail;
  }

  /** Counted steps not yet finished. */
  get pending(): number {
    return this.outstanding.length;
  }

  /** Throws the first failure as `what: its message` (as it is when it names `what` already: a retry that gave up), for the writer to report. */
  check(what: string): void {
    const e = this.error;
    if (e === undefined) return;
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(message.startsWith(`${what}: `) ? message : `${what}: ${message}`);
  }
}
