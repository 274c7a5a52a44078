// What the exactly-once Kafka writers share (the sink's transaction, markers.ts, a scaled-out
// task's writers): the marker committed with each offset, and the bound on the output a
// transaction holds before the job checkpoints early.

/** `sluice:<epoch>:<checkpoint id>`, the metadata of each offset an exactly-once sink commits. */
export const MARKER = /^sluice:([^:]+):(\d+)$/;

/** The marker of checkpoint `id` of the run `epoch`. */
export function marker(epoch: string, id: number): string {
  return `sluice:${epoch}:${id}`;
}

/** Output bytes since the last checkpoint past which an exactly-once writer asks for a checkpoint (README, Kafka). */
export const TXN_CHECKPOINT_BYTES = 4 << 20;
