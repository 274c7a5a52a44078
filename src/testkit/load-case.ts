// One case of a test file: `name`, `sources` (inputs per source), `expect` (rows per output),
// `ordered`, `arrival` (the order entries of several sources arrive in). Checks names against the planned job; inputs and expectations are read by
// load-inputs.ts and load-expect.ts.

import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { PhysicalPlan, SourceNode } from '../plan/physical.js';
import type { SinkDef } from '../catalog/catalog.js';
import type { Problems, TextFile } from './diagnostics.js';
import type { Expectation, SourceInput, TestCase } from './model.js';
import { hintFor, keyName, keyRange, rangeOf } from './load.js';
import { readInputs } from './load-inputs.js';
import { readExpectation } from './load-expect.js';

export interface CaseContext {
  readonly file: TextFile;
  readonly problems: Problems;
  readonly plan: PhysicalPlan;
  readonly sinks: readonly SinkDef[];
  /** Every source and table the job declares, read by a sink or not. */
  readonly declared: ReadonlySet<string>;
}

const CASE_KEYS = ['name', 'sources', 'expect', 'ordered', 'arrival'];

/** The job's source nodes by name (tables included: they are read as sources). */
export function sourceNodes(plan: PhysicalPlan): Map<string, SourceNode> {
  const m = new Map<string, SourceNode>();
  for (const n of plan.nodes) if (n.kind === 'source') m.set(n.source.name, n);
  return m;
}

export function readCase(node: Node, index: number, ctx: CaseContext): TestCase | undefined {
  const { problems } = ctx;
  if (!isMap(node)) {
    problems.add(rangeOf(node, [0, 1]), `case ${index + 1} is not a mapping`, 'a case is `- name: ...` with `sources:` and `expect:` under it');
    return undefined;
  }
  const map = node as YAMLMap;
  const range = rangeOf(node, [0, 1]);
  for (const p of map.items) {
    const k = keyName(p);
    if (!CASE_KEYS.includes(k)) problems.add(keyRange(p), `unknown key '${k}' in a case`, hintFor(k, CASE_KEYS));
  }
  const get = (k: string) => map.items.find((p) => keyName(p) === k);
  const namePair = get('name');
  let name = `case ${index + 1}`;
  if (!namePair) problems.add([range[0], range[0] + 1], `case ${index + 1} has no name`, 'add `name: what this case shows`');
  else if (!isScalar(namePair.value) || namePair.value.value === null || typeof namePair.value.value === 'object') problems.add(rangeOf(namePair.value as Node, keyRange(namePair)), 'a case name is text');
  else name = String(namePair.value.value);
  let ordered = false;
  const orderedPair = get('ordered');
  if (orderedPair) {
    const v = isScalar(orderedPair.value) ? orderedPair.value.value : undefined;
    if (typeof v !== 'boolean') problems.add(rangeOf(orderedPair.value as Node, keyRange(orderedPair)), '`ordered:` is true or false');
    else ordered = v;
  }
  const sources = sourceNodes(ctx.plan);
  const inputs: SourceInput[] = [];
  const srcPair = get('sources');
  if (srcPair) {
    if (!isMap(srcPair.value)) problems.add(rangeOf(srcPair.value as Node, keyRange(srcPair)), '`sources:` maps each source name to its rows (a list) or to a data file');
    else {
      for (const p of srcPair.value.items) {
        const s = keyName(p);
        const src = sources.get(s);
        if (!src) {
          if (ctx.declared.has(s)) problems.add(keyRange(p), `source '${s}' is declared, but no sink of the job reads it`, 'drop its rows from the case, or add a sink that reads it');
          else problems.add(keyRange(p), `unknown source '${s}': the job reads ${[...sources.keys()].map((n) => `'${n}'`).join(', ') || 'no sources'}`, hintFor(s, [...sources.keys()]));
          continue;
        }
        const input = readInputs(p.value as Node | null, keyRange(p), src, ctx);
        if (input) inputs.push(input);
      }
    }
  }
  const expect: Expectation[] = [];
  const expPair = get('expect');
  if (!expPair) problems.add([range[0], range[0] + 1], `case '${name}' has no \`expect:\``, 'add `expect:` with the rows each sink should hold (`sink: []` for none)');
  else if (!isMap(expPair.value)) problems.add(rangeOf(expPair.value as Node, keyRange(expPair)), '`expect:` maps each sink (or SOURCE.late, SOURCE.dead_letter) to its rows or a file');
  else {
    for (const p of expPair.value.items) {
      const e = readExpectation(keyName(p), p.value as Node | null, keyRange(p), sources, ctx);
      if (e) expect.push(e);
    }
  }
  const arrivalPair = get('arrival');
  const arrival = arrivalPair ? readArrival(arrivalPair, inputs, ctx) : undefined;
  return { name, index, inputs, expect, ordered, ...(arrival ? { arrival } : {}), range };
}

/**
 * `arrival: [a*3, b, a]`: the source of each entry, in order (`NAME*N`: N entries of NAME in a
 * row). Each source's count must equal its number of entries, so every entry arrives once.
 */
function readArrival(pair: Pair, inputs: readonly SourceInput[], ctx: CaseContext): string[] | undefined {
  const { problems } = ctx;
  const at = rangeOf(pair.value as Node, keyRange(pair));
  const form = 'e.g. `arrival: [readings*2, alerts, readings]`: the source of each entry in the order they arrive (`NAME*N`: N in a row)';
  if (!isSeq(pair.value)) {
    problems.add(at, '`arrival:` is a list of source names', form);
    return undefined;
  }
  const counts = new Map(inputs.map((i) => [i.source, i.entries.length] as const));
  const seen = new Map<string, number>();
  const out: string[] = [];
  let ok = true;
  for (const item of pair.value.items as Node[]) {
    const v = isScalar(item) ? item.value : undefined;
    const m = typeof v === 'string' ? /^\s*([^*\s]+)\s*(?:\*\s*(\d+)\s*)?$/.exec(v) : null;
    const r = rangeOf(item, at);
    if (!m) {
      problems.add(r, 'an `arrival:` item is a source name, or `NAME*N` for N entries of it in a row', form);
      ok = false;
      continue;
    }
    const name = m[1]!;
    const n = m[2] === undefined ? 1 : Number(m[2]);
    if (!counts.has(name)) {
      problems.add(r, `'${name}' has no entries in this case`, counts.size > 0 ? hintFor(name, [...counts.keys()]) : 'the case lists no sources');
      ok = false;
      continue;
    }
    if (n < 1) {
      problems.add(r, '`NAME*N` takes N of 1 or more');
      ok = false;
      continue;
    }
    seen.set(name, (seen.get(name) ?? 0) + n);
    for (let k = 0; k < n; k++) out.push(name);
  }
  if (!ok) return undefined;
  for (const [name, n] of counts) {
    const got = seen.get(name) ?? 0;
    if (got !== n) {
      problems.add(at, `\`arrival:\` names '${name}' ${got} time${got === 1 ? '' : 's'}, but it has ${n} entr${n === 1 ? 'y' : 'ies'}`, 'name each source once per entry, in the order the entries arrive');
      return undefined;
    }
  }
  return out;
}
