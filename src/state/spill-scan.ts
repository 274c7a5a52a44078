// Reading spilled state back from DuckDB, chunk by chunk, without ever losing rows silently.
// DuckDB's C API ends a streaming result that failed part-way (out of memory while pinning a
// block, an I/O error) exactly as one that is exhausted: duckdb_fetch_chunk returns NULL for
// both, and the node bindings do not expose duckdb_result_error. At a small buffer pool a scan
// of spilled partials came back with half its rows and no error. So every streamed read of
// spilled state says how many rows it must yield, and a read that ends short is an error that
// names the table and both counts: the job fails (and restarts from its last checkpoint) rather
// than emitting a window or restoring a table that lacks rows.

import type { DuckDBDataChunk, DuckDBResult } from '@duckdb/node-api';

/** A streamed read of spilled state that ended before all its rows came. */
export class ShortScanError extends Error {
  constructor(what: string, got: number, expected: number) {
    super(
      `DuckDB stopped reading ${what} after ${got.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} rows ` +
        '(its streaming results end on an error as if complete, most often out of memory). ' +
        'Give the job a larger state budget (--state-memory) and run it again: it resumes from its last checkpoint',
    );
    this.name = 'ShortScanError';
  }
}

/** How many rows a read must yield: `rows`, or with `counted`, rows whose counted(chunk) add up to `rows`. */
export interface ScanExpectation {
  readonly rows: number;
  /** What is read, for the error: e.g. "the spilled partials of table 7/windows". */
  readonly what: string;
  readonly counted?: (chunk: DuckDBDataChunk) => number;
}

/**
 * Every chunk of a streaming `result` through `onChunk` (starting with `first` when the caller
 * fetched it already), then a check that the expected rows came. The next chunk is fetched (on
 * a libuv thread: fetchChunk is async) while `onChunk` handles the one before, so DuckDB's scan
 * and the JS work on its rows overlap: closing bench:state's open shape at 64 MB streams 2.5M
 * merged rows in ~1.6 s after the first chunk, of which ~1 s is JS work on them.
 * `onChunk` must not run queries on the connection of `result` (nothing may, while it streams).
 */
export async function readSpilled(result: DuckDBResult, expect: ScanExpectation, onChunk: (chunk: DuckDBDataChunk) => void | Promise<void>, first?: DuckDBDataChunk | null): Promise<void> {
  let got = 0;
  let fetched = first === undefined ? await result.fetchChunk() : first;
  while (fetched !== null && fetched.rowCount > 0) {
    const next = result.fetchChunk();
    got += expect.counted ? expect.counted(fetched) : fetched.rowCount;
    try {
      await onChunk(fetched);
    } catch (e) {
      // The fetch in flight ends before the error leaves, so nothing touches the result after.
      await next.catch(() => undefined);
      throw e;
    }
    fetched = await next;
  }
  if (got !== expect.rows) throw new ShortScanError(expect.what, got, expect.rows);
}
