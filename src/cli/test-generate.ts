// `sluice test --generate JOB.sql [--seed N] [--runs N]`, and the `generate:` section of a test
// file under `sluice test`: the generated-stream checks of a job (testkit/generate), with the
// overrides of the test file beside the job when there is one. No engine logic here.

import { existsSync } from 'node:fs';
import { loadScriptFile } from './load.js';
import { selectSinks } from './select-sinks.js';
import { UsageError } from './errors.js';
import { defaultJobPath, loadTestFile } from '../testkit/load.js';
import type { TestFile } from '../testkit/model.js';
import { EMPTY_SPEC, generateTest, readGenerateSection, renderReport, type GenerateReport } from '../testkit/generate/index.js';

export interface GenerateFlags {
  readonly seed?: string;
  readonly runs?: string;
}

function wholeNumber(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || n < min || n > max) throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not '${text}'`);
  return n;
}

/** The test file beside a job (JOB.test.yaml, .yml or .json), if any. */
function testFileOf(job: string): string | undefined {
  const base = job.replace(/\.sql$/i, '');
  return ['.test.yaml', '.test.yml', '.test.json'].map((ext) => base + ext).find((f) => existsSync(f) && defaultJobPath(f) === job);
}

/** The generated-stream report of a loaded test file's job, from its `generate:` section. */
export async function generateForTestFile(tf: TestFile, job: string, flags: GenerateFlags, signal: AbortSignal): Promise<GenerateReport> {
  const spec = readGenerateSection(tf.generate?.node, tf.text, tf.path, tf.script.catalog);
  const runs = wholeNumber('--runs', flags.runs, 1, 100_000);
  const seed = wholeNumber('--seed', flags.seed, -(2 ** 31), 2 ** 31 - 1);
  return generateTest(tf.script.catalog, tf.sinks, spec, { job, signal, ...(runs !== undefined ? { runs } : {}), ...(seed !== undefined ? { seed } : {}) });
}

/** `--generate JOB.sql`: prints the report and returns it (its `passed`: every check passed or was skipped). */
export async function generateCommand(job: string, flags: GenerateFlags, signal: AbortSignal, print: (lines: readonly string[]) => void): Promise<GenerateReport> {
  if (!/\.sql$/i.test(job)) throw new UsageError(`--generate takes a job's .sql file, not '${job}'`);
  wholeNumber('--runs', flags.runs, 1, 100_000);
  wholeNumber('--seed', flags.seed, -(2 ** 31), 2 ** 31 - 1);
  const testFile = testFileOf(job);
  let report: GenerateReport;
  if (testFile) report = await generateForTestFile(loadTestFile(testFile), job, flags, signal);
  else {
    const script = loadScriptFile(job);
    const runs = wholeNumber('--runs', flags.runs, 1, 100_000);
    const seed = wholeNumber('--seed', flags.seed, -(2 ** 31), 2 ** 31 - 1);
    report = await generateTest(script.catalog, selectSinks(script, undefined), EMPTY_SPEC, { job, signal, ...(runs !== undefined ? { runs } : {}), ...(seed !== undefined ? { seed } : {}) });
  }
  print([renderReport(report)]);
  return report;
}
