// The checkpoint store of a run on a fresh state directory (no state database yet), opened on
// first use. Such a run has nothing to restore, so `sluice run` need not load DuckDB (~0.1 s of
// CPU) before it connects to its inputs: the store opens when the first checkpoint is written,
// while the sources join their groups and fetch (exec/checkpointer.ts start).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointStore, STATE_DB, type CheckpointStats, type CheckpointTarget, type JobCheckpoint } from './checkpoint.js';
import type { SpillStore } from './spill.js';
import { startupMark } from '../util/startup-marks.js';

/** Whether `dir` holds a state database: a run there resumes from (or is refused by) its last checkpoint. */
export function hasStateDatabase(dir: string): boolean {
  return fs.existsSync(path.join(dir, STATE_DB));
}

export class DeferredCheckpointStore implements CheckpointTarget {
  private opening: Promise<CheckpointStore> | undefined;
  private store: CheckpointStore | undefined;
  private closed = false;

  constructor(readonly dir: string) {}

  /** The store, opened on the first call. */
  open(): Promise<CheckpointStore> {
    return (this.opening ??= this.openFresh());
  }

  private async openFresh(): Promise<CheckpointStore> {
    const store = await CheckpointStore.open(this.dir);
    startupMark('state opened');
    if (this.closed) {
      store.close();
      throw new Error(`the state in ${this.dir} was closed before it opened`);
    }
    this.store = store;
    // WARNING: the run started as if there were no checkpoint; one written meanwhile (another
    // run of the job on the same directory) must not be overwritten as if it were not there.
    if ((await store.latest()) !== undefined) {
      throw new Error(`the state in ${this.dir} received a checkpoint from another run while this one started; run the job once per state directory`);
    }
    return store;
  }

  async write(c: JobCheckpoint, finished: boolean): Promise<CheckpointStats> {
    return (await this.open()).write(c, finished);
  }

  async openSpill(memoryLimit: number): Promise<SpillStore> {
    return (await this.open()).openSpill(memoryLimit);
  }

  /** Closes the store if it was opened (a run that failed before its first checkpoint never did). */
  close(): void {
    this.closed = true;
    this.store?.close();
  }
}
