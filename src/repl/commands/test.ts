// `\test [FILE]`: runs the fixture tests of the job loaded with \i (or --file), or of FILE (a
// job's .sql, or a test file), as `sluice test` does, and prints its report. The job is tested
// as saved in its file, not as the session's catalog stands.

import { existsSync } from 'node:fs';
import type { Command } from './command.js';
import { out, type Output } from '../output.js';
import type { Session } from '../session.js';
import { runTestFile, testFileOf } from '../../testkit/runner.js';
import { PLAIN, renderFile, renderSummary, totals } from '../../testkit/report-text.js';

export async function runTests(args: string, session: Session): Promise<Output[]> {
  const target = args !== '' ? session.resolvePath(args) : session.loadedFile;
  if (target === undefined) return [out.error('error: no job loaded: \\i JOB.sql first, or name one: \\test JOB.sql')];
  const file = testFileOf(target);
  if (file === undefined || !existsSync(file)) return [out.error(`error: no test file for ${args || target}: write ${target.replace(/\.sql$/i, '')}.test.yaml beside it (see the README: Testing your jobs)`)];
  const t0 = performance.now();
  const r = await runTestFile(file);
  const lines = renderFile(r, PLAIN);
  const outputs = lines.map((l) => (l.startsWith('PASS') ? out.info(l) : /^(FAIL|ERROR)/.test(l) ? out.error(l) : out.plain(l)));
  outputs.push(out.dim(renderSummary(totals([r]), performance.now() - t0, PLAIN)));
  return outputs;
}

export const testCommand: Command = {
  name: 'test',
  usage: '\\test [FILE]',
  summary: "run the fixture tests of the loaded job (\\i), or of FILE",
  run: runTests,
};
