// Tab completion from the token context and the catalog (Chevrotain 13 has no content assist):
// relation names after FROM / DESCRIBE / DROP ..., otherwise the columns of the relations in
// scope, then functions and aggregates, then keywords. Keywords follow the case of the prefix.

import type { Catalog } from '../catalog/catalog.js';
import { KEYWORDS, tokenize } from '../sql/index.js';
import { AGGREGATE_NAMES, functionNames } from '../expr/functions.js';
import { columnsOf } from './statements.js';

export interface Completion {
  /** Offset where the replaced word starts; it ends at the cursor. */
  readonly start: number;
  readonly prefix: string;
  readonly candidates: readonly string[];
}

const RELATION_AFTER = new Set(['FROM', 'DESCRIBE', 'TUMBLE', 'HOP', 'CUMULATE', 'SOURCE', 'VIEW', 'SINK', 'EXPLAIN']);
const WINDOW_FUNCTIONS = ['tumble', 'hop', 'cumulate', 'session', 'lag', 'lead', 'first_value', 'last_value'];

function relationsInScope(text: string, catalog: Catalog): string[] {
  const toks = tokenize(text).filter((t) => t.category !== 'comment');
  const names: string[] = [];
  for (let i = 1; i < toks.length; i++) {
    const prev = toks[i - 1]!.image.toUpperCase();
    const prev2 = toks[i - 2]?.image.toUpperCase();
    const isRelationSlot = prev === 'FROM' || ((prev2 === 'TUMBLE' || prev2 === 'HOP' || prev2 === 'CUMULATE') && prev === '(');
    const name = toks[i]!.image.toLowerCase();
    if (isRelationSlot && catalog.lookupRelation(name)) names.push(name);
  }
  return names;
}

function columnCandidates(text: string, catalog: Catalog): string[] {
  const out = new Set<string>();
  for (const r of relationsInScope(text, catalog)) {
    try {
      for (const c of columnsOf(catalog, r)) out.add(c.name);
    } catch {
      // A view that no longer binds offers no columns.
    }
  }
  if (/\b(TUMBLE|HOP|SESSION)\s*\(/i.test(text)) out.add('window_start').add('window_end');
  return [...out];
}

export function complete(text: string, cursor: number, catalog: Catalog): Completion {
  const before = text.slice(0, cursor);
  const m = /[A-Za-z_][A-Za-z0-9_]*$/.exec(before);
  const prefix = m ? m[0] : '';
  const start = cursor - prefix.length;
  const context = tokenize(before.slice(0, start)).filter((t) => t.category !== 'comment');
  const prev = context[context.length - 1];
  const prev2 = context[context.length - 2];
  const lower = prefix.toLowerCase();
  const matches = (c: string): boolean => c.toLowerCase().startsWith(lower) && c.toLowerCase() !== lower;

  if (prev?.image === '.') return { start, prefix, candidates: [] };
  let relationSlot = prev !== undefined && RELATION_AFTER.has(prev.image.toUpperCase());
  if (prev?.image === '(' && prev2 && ['TUMBLE', 'HOP'].includes(prev2.image.toUpperCase())) relationSlot = true;
  if (prev && prev.image.toUpperCase() === 'EXPLAIN') relationSlot = false;
  if (relationSlot) {
    const kind = prev!.image.toUpperCase();
    const pool = kind === 'SINK' ? [...catalog.sinks.keys()] : kind === 'VIEW' ? [...catalog.views.keys()] : kind === 'SOURCE' ? [...catalog.sources.keys()] : kind === 'DESCRIBE' ? [...catalog.relationNames(), ...catalog.sinks.keys()] : catalog.relationNames();
    return { start, prefix, candidates: pool.filter(matches).sort() };
  }
  if (prefix === '' && prev === undefined) return { start, prefix, candidates: [] };
  const keywordCase = (k: string): string => (prefix !== '' && prefix === prefix.toLowerCase() ? k.toLowerCase() : k);
  const columns = columnCandidates(text, catalog).filter(matches).sort();
  const functions = [...new Set([...AGGREGATE_NAMES, ...functionNames(), ...WINDOW_FUNCTIONS])].filter(matches).sort().map((f) => (prefix !== '' && prefix === prefix.toLowerCase() ? f : f.toUpperCase()));
  const keywords = KEYWORDS.filter(matches).filter((k) => !functions.some((f) => f.toLowerCase() === k.toLowerCase())).sort().map(keywordCase);
  const candidates = prefix === '' ? columns : [...new Set([...columns, ...functions, ...keywords])];
  return { start, prefix, candidates };
}

/** The longest common (case-insensitive) prefix of the candidates, in the first one's case. */
export function commonPrefix(candidates: readonly string[]): string {
  if (candidates.length === 0) return '';
  let p = candidates[0]!;
  for (const c of candidates) {
    let i = 0;
    while (i < p.length && i < c.length && p[i]!.toLowerCase() === c[i]!.toLowerCase()) i++;
    p = p.slice(0, i);
  }
  return p;
}

/** Applies Tab: the single candidate, or the common prefix of several. */
export function applyCompletion(text: string, cursor: number, c: Completion): { text: string; cursor: number } {
  const word = c.candidates.length === 1 ? c.candidates[0]! : commonPrefix(c.candidates);
  if (word.length <= c.prefix.length) return { text, cursor };
  const next = text.slice(0, c.start) + word + text.slice(cursor);
  return { text: next, cursor: c.start + word.length };
}
