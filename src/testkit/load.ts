// Loads a test file: YAML (or JSON, which YAML reads too) with positions, its job (.sql beside
// it or `job:`), and every case checked against the job's sources, sinks and columns. Mistakes
// are diagnostics at their line and column (diagnostics.ts), all of a file's reported at once.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { loadScriptFile, planScript } from '../cli/load.js';
import { selectSinks } from '../cli/select-sinks.js';
import { UsageError } from '../cli/errors.js';
import { nearest } from '../sql/diagnostics.js';
import { Problems, type TextFile } from './diagnostics.js';
import type { TestCase, TestFile } from './model.js';
import { readCase } from './load-case.js';

const TOP_KEYS = ['job', 'cases', 'generate'];

/** `sensors.test.yaml` -> `sensors.sql`. */
export function defaultJobPath(testPath: string): string {
  return testPath.replace(/\.test\.(ya?ml|json)$/i, '.sql');
}

export function isTestFileName(name: string): boolean {
  return /\.test\.(ya?ml|json)$/i.test(name);
}

export function loadTestFile(file: string): TestFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const tf: TextFile = { path: file, text, lines };
  const problems = new Problems(tf);
  for (const e of doc.errors) problems.add(e.pos, `invalid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${e.message.replace(/ at line \d+, column \d+.*$/s, '')}`);
  problems.throwIfAny();
  const top = doc.contents;
  if (!isMap(top)) {
    problems.add(top?.range ?? [0, 1], 'a test file is a mapping with a `cases:` list', 'start the file with `cases:` followed by `- name: ...` entries');
    problems.throwIfAny();
  }
  const map = top as YAMLMap;
  for (const p of map.items) {
    const k = keyName(p);
    if (!TOP_KEYS.includes(k)) problems.add(keyRange(p), `unknown top-level key '${k}'`, hintFor(k, TOP_KEYS));
  }
  const jobPair = map.items.find((p) => keyName(p) === 'job');
  let jobPath = defaultJobPath(file);
  if (!jobPair && jobPath === file) problems.add([0, 1], `${path.basename(file)} names no job`, 'add `job: file.sql` at the top, or name the test file JOB.test.yaml beside JOB.sql');
  if (jobPair) {
    if (!isScalar(jobPair.value) || typeof jobPair.value.value !== 'string') problems.add(rangeOf(jobPair.value as Node, keyRange(jobPair)), '`job:` is the path of the .sql file the cases run, relative to this file');
    else jobPath = path.resolve(path.dirname(file), jobPair.value.value);
  }
  const casesPair = map.items.find((p) => keyName(p) === 'cases');
  const generatePair = map.items.find((p) => keyName(p) === 'generate');
  if (!casesPair && !generatePair) problems.add(map.range ?? [0, 1], 'no `cases:` in this test file', 'add `cases:` with at least one `- name: ...` entry');
  problems.throwIfAny();
  try {
    readFileSync(jobPath);
  } catch {
    const at = jobPair ? rangeOf(jobPair.value as Node, keyRange(jobPair)) : ([0, 1] as const);
    problems.add(at, `no job file ${path.relative(process.cwd(), jobPath) || jobPath}`, jobPair ? 'the path is relative to the test file' : 'name the test file after its job (JOB.test.yaml beside JOB.sql) or add `job: file.sql`');
    problems.throwIfAny();
  }
  const script = loadScriptFile(jobPath);
  const sinks = selectSinks(script, undefined);
  const plan = planScript(script, sinks, { provenance: true });
  const cases: TestCase[] = [];
  if (casesPair) {
    const seq = casesPair.value;
    if (!isSeq(seq)) problems.add(rangeOf(seq as Node, keyRange(casesPair)), '`cases:` is a list of cases (`- name: ...`)');
    else seq.items.forEach((item, i) => {
      const c = readCase(item as Node, i, { file: tf, problems, plan, sinks, declared: new Set(script.catalog.sources.keys()) });
      if (c) cases.push(c);
    });
    const seen = new Map<string, number>();
    for (const c of cases) {
      if (seen.has(c.name)) problems.add(c.range, `two cases are named '${c.name}'`, 'give each case its own name: reports and --filter go by name');
      seen.set(c.name, c.index);
    }
  }
  problems.throwIfAny();
  return {
    path: file,
    text,
    format: /\.json$/i.test(file) ? 'json' : 'yaml',
    doc,
    lines,
    script,
    sinks,
    plan,
    cases,
    ...(generatePair ? { generate: { value: (generatePair.value as Node | null)?.toJSON?.() ?? null, node: generatePair.value as Node } } : {}),
  };
}

export function keyName(p: Pair): string {
  return isScalar(p.key) ? String(p.key.value) : String(p.key);
}

export function keyRange(p: Pair): readonly [number, number] {
  const r = (p.key as Node | null)?.range;
  return r ? [r[0], r[1]] : [0, 1];
}

export function rangeOf(n: Node | null | undefined, fallback: readonly [number, number]): readonly [number, number] {
  const r = n?.range;
  return r ? [r[0], Math.max(r[0] + 1, r[1])] : fallback;
}

export function hintFor(name: string, candidates: readonly string[]): string {
  const near = nearest(name, candidates);
  return near ? `did you mean '${near}'?` : `expected one of: ${candidates.join(', ')}`;
}
