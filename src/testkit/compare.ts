// Expected rows against actual rows of one output. By default a multiset compare of the final
// rows: for a changelog sink the rows left after applying its -U/-D retractions (what a table
// fed by the sink holds); with `op` on the expected rows, the changelog itself. `ordered`
// also checks the order. A missing row and an unexpected one that agree on most columns are
// shown as one changed row with the differing columns named.

import { isRetraction, type Op } from '../catalog/batch.js';
import type { Expectation, ExpectedRow } from './model.js';
import { matches, type FieldType } from './match.js';
import type { ActualRow } from './run-case.js';

export interface ChangedRow {
  readonly expected: ExpectedRow;
  readonly actual: ActualRow;
  readonly columns: readonly string[];
}

export interface OutputResult {
  readonly expectation: Expectation;
  readonly pass: boolean;
  readonly missing: readonly ExpectedRow[];
  readonly unexpected: readonly ActualRow[];
  readonly changed: readonly ChangedRow[];
  /** ordered: the first position where the rows differ although the same rows arrived. */
  readonly order?: { readonly index: number; readonly expected: ExpectedRow; readonly actual: ActualRow };
  /** The rows compared (final view or changelog), in output order, and for each the expected row it met (-1: none). */
  readonly actual: readonly ActualRow[];
  readonly matchedBy: readonly number[];
  /** A retraction that found no row to retract (a malformed changelog). */
  readonly unmatchedRetractions: number;
}

/** The rows an upsert/changelog output holds at the end: inserts minus what was retracted. */
export function finalView(rows: readonly ActualRow[], fields: ReadonlyMap<string, FieldType>): { rows: ActualRow[]; unmatched: number } {
  const held: ActualRow[] = [];
  let unmatched = 0;
  for (const r of rows) {
    if (!isRetraction(r.op)) {
      held.push({ values: r.values, op: 0 as Op });
      continue;
    }
    const i = held.findIndex((h) => sameValues(h.values, r.values, fields));
    if (i >= 0) held.splice(i, 1);
    else unmatched++;
  }
  return { rows: held, unmatched };
}

function sameValues(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>, fields: ReadonlyMap<string, FieldType>): boolean {
  for (const [k, t] of fields) if (!matches(a[k] ?? null, b[k] ?? null, t)) return false;
  return true;
}

export function rowMatches(e: ExpectedRow, a: ActualRow, fields: ReadonlyMap<string, FieldType>, withOp: boolean): boolean {
  if (withOp && e.op !== a.op) return false;
  for (const [k, v] of e.values) if (!matches(v, a.values[k] ?? null, fields.get(k) ?? { kind: 'other' })) return false;
  return true;
}

function hasMatcher(e: ExpectedRow): boolean {
  for (const v of e.values.values()) if (v !== null && typeof v === 'object' && !Array.isArray(v)) return true;
  return false;
}

export function compareOutput(exp: Expectation, got: readonly ActualRow[], fields: ReadonlyMap<string, FieldType>, ordered: boolean): OutputResult {
  const view = exp.changelog ? { rows: [...got], unmatched: 0 } : finalView(got, fields);
  const actual = view.rows;
  const matchedBy = actual.map(() => -1);
  // Exact rows claim their match first, so that a matcher ({any: true}) does not take a row an exact one needs.
  const order = exp.rows.map((_, i) => i).sort((a, b) => Number(hasMatcher(exp.rows[a]!)) - Number(hasMatcher(exp.rows[b]!)));
  const missingIdx: number[] = [];
  for (const ei of order) {
    const e = exp.rows[ei]!;
    const ai = actual.findIndex((a, j) => matchedBy[j] === -1 && rowMatches(e, a, fields, exp.changelog));
    if (ai >= 0) matchedBy[ai] = ei;
    else missingIdx.push(ei);
  }
  missingIdx.sort((a, b) => a - b);
  const unexpectedIdx = actual.map((_, j) => j).filter((j) => matchedBy[j] === -1);
  const changed: ChangedRow[] = [];
  const pairedE = new Set<number>();
  const pairedA = new Set<number>();
  for (const ei of missingIdx) {
    const e = exp.rows[ei]!;
    let best = -1;
    let bestDiff: string[] = [];
    for (const aj of unexpectedIdx) {
      if (pairedA.has(aj)) continue;
      const a = actual[aj]!;
      if (exp.changelog && e.op !== a.op) continue;
      const diff = [...e.values.keys()].filter((k) => !matches(e.values.get(k), a.values[k] ?? null, fields.get(k) ?? { kind: 'other' }));
      const same = e.values.size - diff.length;
      if (same === 0 || diff.length > same) continue;
      if (best === -1 || diff.length < bestDiff.length) {
        best = aj;
        bestDiff = diff;
      }
    }
    if (best >= 0) {
      pairedE.add(ei);
      pairedA.add(best);
      changed.push({ expected: e, actual: actual[best]!, columns: bestDiff });
    }
  }
  const missing = missingIdx.filter((i) => !pairedE.has(i)).map((i) => exp.rows[i]!);
  const unexpected = unexpectedIdx.filter((j) => !pairedA.has(j)).map((j) => actual[j]!);
  let orderDiff: OutputResult['order'];
  if (ordered && missingIdx.length === 0 && unexpectedIdx.length === 0) {
    for (let i = 0; i < actual.length; i++) {
      if (!rowMatches(exp.rows[i]!, actual[i]!, fields, exp.changelog)) {
        orderDiff = { index: i, expected: exp.rows[i]!, actual: actual[i]! };
        break;
      }
    }
  }
  const pass = missingIdx.length === 0 && unexpectedIdx.length === 0 && orderDiff === undefined;
  return { expectation: exp, pass, missing, unexpected, changed, ...(orderDiff ? { order: orderDiff } : {}), actual, matchedBy, unmatchedRetractions: view.unmatched };
}
