// Runs the cases of test files and collects their results: per case pass/fail, time and each
// checked output's comparison; per file a load error (a rendered diagnostic) instead, if any.

import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { SqlError } from '../sql/diagnostics.js';
import { ConnectorError } from '../connectors/connector.js';
import { UsageError } from '../cli/errors.js';
import { isTestFileName, loadTestFile } from './load.js';
import type { TestCase, TestFile } from './model.js';
import { runCase } from './run-case.js';
import { compareOutput, type OutputResult } from './compare.js';
import { sideShape, sinkNodes, sinkShape } from './outputs.js';

export interface CaseResult {
  readonly name: string;
  readonly pass: boolean;
  readonly ms: number;
  readonly outputs: readonly OutputResult[];
  /** The job failed while running the case (not a wrong answer). */
  readonly error?: string;
  readonly case: TestCase;
}

export interface FileResult {
  readonly file: string;
  readonly cases: readonly CaseResult[];
  /** The test file (or its job) could not be loaded: the rendered diagnostic. */
  readonly error?: string;
  readonly testFile?: TestFile;
  readonly ms: number;
}

export interface RunOptions {
  /** Only cases whose name contains this text (case-insensitive). */
  readonly filter?: string;
  readonly signal?: AbortSignal;
}

/** The test file of `file`: itself unless it is a job's .sql, then JOB.test.yaml (or .yml, .json) beside it, if there is one. */
export function testFileOf(file: string): string | undefined {
  if (!/\.sql$/i.test(file)) return file;
  const base = file.replace(/\.sql$/i, '');
  return ['.test.yaml', '.test.yml', '.test.json'].map((ext) => base + ext).find((f) => existsSync(f));
}

/**
 * Every `*.test.yaml` / `*.test.yml` / `*.test.json` under the paths, sorted. A file named is
 * taken as given, but a job's .sql stands for its test file.
 */
export function findTestFiles(paths: readonly string[]): string[] {
  const out = new Set<string>();
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isFile()) {
      const t = testFileOf(p);
      if (t === undefined) throw new UsageError(`no test file for ${p}: write ${p.replace(/\.sql$/i, '')}.test.yaml beside it (see the README: Testing your jobs)`);
      out.add(t);
      return;
    }
    for (const e of readdirSync(p, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const full = path.join(p, e.name);
      if (e.isDirectory()) walk(full);
      else if (isTestFileName(e.name)) out.add(full);
    }
  };
  for (const p of paths) {
    try {
      walk(p);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`cannot read ${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
  }
  return [...out].sort();
}

export function renderLoadError(e: unknown): string | undefined {
  if (e instanceof SqlError) return e.render();
  if (e instanceof ConnectorError) return e.render('');
  if (e instanceof UsageError) return e.message;
  return undefined;
}

export async function runTestFile(file: string, opts: RunOptions = {}): Promise<FileResult> {
  const t0 = performance.now();
  let tf: TestFile;
  try {
    tf = loadTestFile(file);
  } catch (e) {
    const msg = renderLoadError(e);
    if (msg === undefined) throw e;
    return { file, cases: [], error: msg, ms: performance.now() - t0 };
  }
  const cases: CaseResult[] = [];
  const filter = opts.filter?.toLowerCase();
  for (const c of tf.cases) {
    if (filter && !c.name.toLowerCase().includes(filter)) continue;
    if (opts.signal?.aborted) break;
    const r = await runOne(tf, c, opts.signal);
    // Stopped part-way (Ctrl-C): its output is partial, so it is neither passed nor failed.
    if (opts.signal?.aborted) break;
    cases.push(r);
  }
  return { file, cases, testFile: tf, ms: performance.now() - t0 };
}

async function runOne(tf: TestFile, c: TestCase, signal: AbortSignal | undefined): Promise<CaseResult> {
  const t0 = performance.now();
  let run;
  try {
    run = await runCase(tf, c, signal);
  } catch (e) {
    const msg = renderLoadError(e) ?? (e instanceof Error ? e.message : String(e));
    return { name: c.name, pass: false, ms: performance.now() - t0, outputs: [], error: msg, case: c };
  }
  const sinks = sinkNodes(tf.plan);
  const outputs = c.expect.map((exp) => {
    const shape = exp.kind === 'sink' ? sinkShape(sinks.get(exp.name)!) : sideShape(exp.kind, exp.name);
    return compareOutput(exp, run.outputs.get(exp.target) ?? [], shape.fields, c.ordered);
  });
  return { name: c.name, pass: outputs.every((o) => o.pass), ms: run.ms, outputs, case: c };
}
