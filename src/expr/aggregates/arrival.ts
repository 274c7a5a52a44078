// Arrival numbers for the aggregates ordered by arrival (LATEST_BY_OFFSET, and the tie-break of
// every ordered aggregate): strictly increasing in this process, and above the wall clock in
// microseconds, so rows read after a restore rank after the restored state's rows.

// WARNING: past one row per microsecond sustained, the numbers run ahead of the clock; a process
// restarted from a checkpoint before the clock catches up would rank new rows before restored
// ones. The engine's rates (about 10^5 to 10^6 rows per second per process) stay below that.

let last = 0;

/** The next arrival number: max(previous + 1, now in microseconds). Exact below 2^53 until year 2255. */
export function nextArrival(): number {
  const now = Date.now() * 1000;
  last = now > last ? now : last + 1;
  return last;
}
