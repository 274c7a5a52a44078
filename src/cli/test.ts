// `sluice test [PATH...]`: runs the fixture cases of every test file under the paths (default:
// the current directory), prints one line per case and a diff per failure, a summary, and a
// JUnit report on request; `--update` rewrites failing expectations from the actual output.
// Exit status: 0 all passed, 1 a case failed, 2 a test file (or its job) has errors, bad usage.

import { writeFileSync } from 'node:fs';
import { UsageError } from './errors.js';
import { findTestFiles, runTestFile, type FileResult } from '../testkit/runner.js';
import { COLOR, PLAIN, renderFile, renderSummary, totals } from '../testkit/report-text.js';
import { renderJunit } from '../testkit/junit.js';
import { updateFile } from '../testkit/update.js';
import { renderLoadError } from '../testkit/runner.js';
import { renderReport, type GenerateReport } from '../testkit/generate/index.js';
import { generateCommand, generateForTestFile } from './test-generate.js';

export interface TestOptions {
  readonly reporter?: string;
  readonly output?: string;
  readonly update?: boolean;
  readonly filter?: string;
  /** `--generate JOB.sql` (with --seed, --runs): the job's generated-stream tests (cli/test-generate.ts). */
  readonly generate?: string;
  readonly seed?: string;
  readonly runs?: string;
}

export async function testCommand(paths: readonly string[], opts: TestOptions): Promise<number> {
  const reporter = opts.reporter ?? 'text';
  if (reporter !== 'text' && reporter !== 'junit') throw new UsageError(`unknown reporter '${reporter}': use 'text' or 'junit'`);
  if (opts.output !== undefined && reporter !== 'junit') throw new UsageError('--output names the JUnit report file: use it with --reporter junit');
  if (opts.generate === undefined && (opts.seed !== undefined || opts.runs !== undefined)) throw new UsageError('--seed and --runs go with --generate JOB.sql');
  // With --generate, fixture files run only when paths are given as well.
  const files = opts.generate !== undefined && paths.length === 0 ? [] : findTestFiles(paths.length > 0 ? paths : ['.']);
  if (opts.generate === undefined && files.length === 0) throw new UsageError(`no test files (*.test.yaml, *.test.json) under ${paths.length ? paths.join(', ') : 'the current directory'}`);
  // The text report goes to stdout unless the JUnit XML does.
  const xmlToStdout = reporter === 'junit' && opts.output === undefined;
  // Colour on a terminal only, and never with NO_COLOR set (https://no-color.org).
  const style = process.stdout.isTTY === true && !xmlToStdout && !process.env['NO_COLOR'] ? COLOR : PLAIN;
  const print = (lines: readonly string[]) => {
    if (!xmlToStdout && lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
  };
  const controller = new AbortController();
  let interrupts = 0;
  const stop = (): void => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('\nsluice: stopping (Ctrl-C again to exit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const t0 = performance.now();
  const results: FileResult[] = [];
  let generatedFailed = false;
  // Every generated-stream report, for the JUnit XML (one suite per job, one case per check).
  const generated: GenerateReport[] = [];
  try {
    if (opts.generate !== undefined) {
      try {
        const g = await generateCommand(opts.generate, opts, controller.signal, print);
        generated.push(g);
        generatedFailed = !g.passed;
      } catch (e) {
        if (!controller.signal.aborted) throw e; // interrupted: exit 130 below
      }
    }
    for (const f of files) {
      if (controller.signal.aborted) break;
      const r = await runTestFile(f, { ...(opts.filter ? { filter: opts.filter } : {}), signal: controller.signal });
      results.push(r);
      print(renderFile(r, style));
      if (r.testFile?.generate && opts.filter === undefined && !controller.signal.aborted) {
        try {
          const g = await generateForTestFile(r.testFile, r.testFile.script.file, {}, controller.signal);
          print([renderReport(g)]);
          generated.push(g);
          generatedFailed ||= !g.passed;
        } catch (e) {
          const msg = renderLoadError(e);
          if (controller.signal.aborted) break;
          if (msg === undefined) throw e;
          results.push({ file: f, cases: [], error: msg, ms: 0 });
          print([msg]);
        }
      }
      if (opts.update && r.testFile && r.cases.some((c) => !c.pass && c.error === undefined)) {
        const written = updateFile(r);
        for (const w of written) print([`  updated ${w}`]);
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  const ms = performance.now() - t0;
  const t = totals(results);
  if (files.length > 0) print(['', renderSummary(t, ms, style)]);
  if (reporter === 'junit') {
    const xml = renderJunit(results, ms, process.cwd(), generated);
    if (opts.output === undefined) process.stdout.write(xml);
    else {
      try {
        writeFileSync(opts.output, xml);
      } catch (e) {
        throw new UsageError(`cannot write ${opts.output}: ${(e as Error).message}`);
      }
    }
  }
  if (controller.signal.aborted) return 130;
  if (opts.generate !== undefined && files.length === 0) return generatedFailed ? 1 : 0;
  // A filter that selects nothing would pass silently in CI: say so instead.
  if (opts.filter !== undefined && t.passed + t.failed === 0 && t.errors === 0) throw new UsageError(`no case name contains '${opts.filter}'`);
  if (t.errors > 0) return 2;
  // --update: the failures were rewritten (to be reviewed), so only a job that failed to run fails.
  if (opts.update) return results.some((r) => r.cases.some((c) => c.error !== undefined)) ? 1 : 0;
  return t.failed > 0 || generatedFailed ? 1 : 0;
}
