// Heap bytes held by an in-memory state table, for the metrics endpoint: the spill tier's own
// estimate when the table has one, else the same sampling (serialized length of a few entries
// times BYTES_PER_CHAR, plus ENTRY_OVERHEAD each). Samples, so read on demand, never per event.

import { encodeState } from './codec.js';
import { BYTES_PER_CHAR, ENTRY_OVERHEAD } from './spill.js';
import { MemoryKeyedTable, MemoryTimeKeyedTable } from './tables.js';

const SAMPLE = 32;

export function estimateTableBytes(table: MemoryKeyedTable<unknown> | MemoryTimeKeyedTable<unknown>): number {
  const own = (table as { estimatedBytes?: () => number }).estimatedBytes;
  if (typeof own === 'function') return own.call(table);
  const n = table.size;
  if (n === 0) return 0;
  let chars = 0;
  let count = 0;
  if (table instanceof MemoryKeyedTable) {
    for (const [k, v] of table.peek(SAMPLE)) {
      chars += encodeState(v).length + k.length;
      count++;
    }
  } else {
    const times = table.timesAscending();
    for (const t of new Set([times[0]!, times[times.length - 1]!])) {
      for (const { key, value } of table.peek(t, SAMPLE / 2)) {
        chars += encodeState(value).length + key.length;
        count++;
      }
    }
  }
  return count === 0 ? 0 : Math.round(n * ((BYTES_PER_CHAR * chars) / count + ENTRY_OVERHEAD));
}
