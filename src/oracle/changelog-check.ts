// The changelog checker: is a sink's output a well-formed changelog, and does what an upsert
// consumer keeps of it (a compacted Kafka topic: the latest row per key, -D a tombstone) stand
// for the same rows as its retractions do? Pure; used by the oracle (so by `sluice compare`,
// `\compare` and every property test). Rules, each reported with the offending position:
//   1. a -U is immediately followed by a +U of the same key, and a +U immediately follows a -U;
//   2. a retraction (-U or -D) retracts a row emitted before and not yet retracted;
//   3. with a key, at most one row per key is live (+I of a live key is a second row for it).
// The upsert materialization follows the Kafka sink (upsertMessages): a retraction is not sent
// when the row right after it inserts under the same key (it replaces it) and is a tombstone
// otherwise.

import type { Row } from '../catalog/types.js';
import { OP_LABEL, Op } from '../catalog/batch.js';
import { encodeRow, encodeValue, formatRow, type ColumnInfo } from './values.js';

export interface ChangelogReport {
  /** Violations of rules 1-3 in stream order (the first few), each naming its entry. */
  readonly errors: string[];
  /** What the retractions leave: +I/+U add a copy of a row, -U/-D remove one. */
  readonly consolidated: Row[];
  /** The latest row per key (undefined without a key). */
  readonly upsert: Row[] | undefined;
}

const MAX_ERRORS = 5;

export interface ChangelogKeys {
  /** Column indexes of the changelog's key for rules 1 and 3 ([] = one row at most); undefined when none is known. */
  readonly key: readonly number[] | undefined;
  /** The key an upsert consumer keeps rows by (a Kafka sink's message key); default `key`; undefined: no materialization. */
  readonly upsertKey?: readonly number[] | undefined;
}

export function checkChangelog(rows: readonly Row[], ops: readonly Op[] | null, columns: readonly ColumnInfo[], keys: ChangelogKeys): ChangelogReport {
  const { key } = keys;
  const upsertKey = 'upsertKey' in keys ? keys.upsertKey : key;
  if (ops === null) return { errors: [], consolidated: [...rows], upsert: undefined };
  if (ops.length !== rows.length) throw new Error(`oracle: ${rows.length} sink rows but ${ops.length} ops`);
  const errors: string[] = [];
  let more = 0;
  const report = (i: number, what: string): void => {
    if (errors.length < MAX_ERRORS) errors.push(`changelog entry #${i} (${OP_LABEL[ops[i]!]} ${formatRow(rows[i]!, columns)}) ${what}`);
    else more++;
  };
  const keyOf = keyFunction(key);
  const upsertKeyOf = keyFunction(upsertKey);
  // Live rows by exact value, with the entries that emitted them (a retraction takes the last).
  const live = new Map<string, { row: Row; at: number[] }>();
  const retractedAt = new Map<string, number>();
  const liveKey = new Map<string, number>();
  const upsert = new Map<string, Row>();

  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const op = ops[i]!;
    const k = keyOf?.(row);
    // Rule 1: pairs.
    if (op === Op.UpdateBefore) {
      const next = i + 1 < rows.length ? ops[i + 1] : undefined;
      if (next !== Op.UpdateAfter) {
        report(i, next === undefined ? 'is not followed by its +U: the changelog ends there' : `is not followed by its +U: entry #${i + 1} is ${OP_LABEL[next]}`);
      } else if (keyOf !== undefined && keyOf(rows[i + 1]!) !== k) {
        report(i, `is followed by a +U of another key: ${formatRow(rows[i + 1]!, columns)}`);
      }
    } else if (op === Op.UpdateAfter && ops[i - 1] !== Op.UpdateBefore) {
      report(i, 'does not follow a -U');
    }
    // Rule 2: retractions match a live row.
    const exact = encodeRow(row);
    if (op === Op.UpdateBefore || op === Op.Delete) {
      const entry = live.get(exact);
      if (entry === undefined || entry.at.length === 0) {
        const gone = retractedAt.get(exact);
        report(i, gone === undefined ? 'retracts a row that was never emitted' : `retracts a row already retracted by entry #${gone}`);
      } else {
        entry.at.pop();
        retractedAt.set(exact, i);
        if (k !== undefined) liveKey.delete(k);
      }
    } else {
      let entry = live.get(exact);
      if (entry === undefined) live.set(exact, (entry = { row, at: [] }));
      entry.at.push(i);
      // Rule 3: one live row per key (a +U replaces the row its -U retracted just before).
      if (k !== undefined) {
        const holder = liveKey.get(k);
        if (holder !== undefined) report(i, `inserts a second live row for its key; entry #${holder} holds the key and was not retracted`);
        liveKey.set(k, i);
      }
    }
    // The upsert materialization, as the Kafka sink writes it.
    if (upsertKeyOf !== undefined) {
      const uk = upsertKeyOf(row);
      if (op === Op.Insert || op === Op.UpdateAfter) upsert.set(uk, row);
      else if (!((ops[i + 1] === Op.UpdateAfter || ops[i + 1] === Op.Insert) && upsertKeyOf(rows[i + 1]!) === uk)) upsert.delete(uk);
    }
  }
  if (more > 0) errors.push(`... and ${more} more changelog errors`);
  const consolidated: Row[] = [];
  for (const { row, at } of live.values()) for (let n = 0; n < at.length; n++) consolidated.push(row);
  return { errors, consolidated, upsert: upsertKeyOf === undefined ? undefined : [...upsert.values()] };
}

function keyFunction(key: readonly number[] | undefined): ((row: Row) => string) | undefined {
  if (key === undefined) return undefined;
  return (row) => key.map((k) => encodeValue(row[k] ?? null)).join('|');
}
