// The `blackhole` sink: takes every batch and discards it (it only counts rows), as Flink's and
// RisingWave's `blackhole` connectors do. Benchmarks (npm run bench:nexmark) use it so that a
// query's figure holds no encoding or I/O of its output.

import type { Column, SinkDef } from '../../catalog/catalog.js';
import type { SinkConnector, SinkWriter } from '../connector.js';

/** A writer that discards; `rows` counts what it was given. */
export interface BlackholeWriter extends SinkWriter {
  readonly rows: () => number;
}

export function openBlackholeSink(): BlackholeWriter {
  let rows = 0;
  return {
    write(batch) {
      rows += batch.rows.length;
    },
    flush: async () => {},
    close: async () => {},
    position: () => ({ rows }),
    rows: () => rows,
  };
}

export const blackholeSink: SinkConnector = {
  name: 'blackhole',
  options: ['connector'],
  // Nothing is written, so a restart can neither lose nor double output.
  guarantee: () => ({ level: 'exactly_once', how: 'output discarded' }),
  open(_def: SinkDef, _columns: readonly Column[], _changelog: boolean): SinkWriter {
    return openBlackholeSink();
  },
};
