// How a state budget (`--state-memory`, `SET state_memory`) is split: DuckDB's buffer pool, live
// state in the JS heap, and room for garbage; and the smallest budget the option accepts.

import { formatBytes, parseBytes } from '../util/units.js';

const MB = 2 ** 20;
/** Of a state budget, the share DuckDB's buffer pool gets (when above the floor). */
export const DUCKDB_SHARE = 0.25;
/**
 * The smallest buffer pool that holds DuckDB's own work on the spill table: an appender commit
 * pins the blocks it writes, a checkpoint copy its slices, a window close the hash aggregate of
 * millions of partials. bench:state's open shape (2.5M groups, a mid-run checkpoint) ran at 32
 * MB; at 24 MB the close's GROUP BY ran out of memory ("could not allocate block of size 256.0
 * KiB"; it now falls back to merging in JS, spill.ts). WARNING: at 16 MB the first spill failed
 * to pin a 256 KB block and the job died.
 */
export const DUCKDB_FLOOR = 32 * MB;
/**
 * Of a state budget, the share live state may take before the coldest spills (down to half of
 * it). The rest of the budget's JS side is room for the garbage V8 leaves between collections.
 */
export const HEAP_SHARE = 0.5;
/**
 * The smallest budget the option accepts: DuckDB's floor and as much again for live state and
 * V8's garbage (DuckDB's share grows with the budget past four times its floor).
 */
export const MIN_STATE_MEMORY = 2 * DUCKDB_FLOOR;

/** DuckDB's memory_limit under a budget of `bytes`. */
export function duckdbBytes(bytes: number): number {
  return Math.max(DUCKDB_FLOOR, bytes * DUCKDB_SHARE);
}

/**
 * Live state in the JS heap past which the coldest spills: HEAP_SHARE of the budget. Tests pass a
 * budget of a byte: nothing then stays in memory between batches.
 */
export function liveStateBytes(bytes: number): number {
  return bytes * HEAP_SHARE;
}

/** A `state_memory` setting as bytes, or the reason it is refused. */
export function parseStateMemory(text: string): { bytes: number } | { error: string } {
  const bytes = parseBytes(text);
  if (bytes === undefined) return { error: `state memory '${text}' is not a size; write e.g. 256MB or 2GB` };
  if (bytes < MIN_STATE_MEMORY) {
    return {
      error: `state memory '${text}' is below the smallest budget that works, ${formatBytes(MIN_STATE_MEMORY)}: DuckDB's spill tier needs a ${formatBytes(DUCKDB_FLOOR)} buffer pool and live state as much again; write e.g. state_memory = '${MIN_STATE_MEMORY / MB}MB'`,
    };
  }
  return { bytes };
}
