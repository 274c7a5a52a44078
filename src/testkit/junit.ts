// JUnit XML for CI systems: <testsuites> with one <testsuite> per test file and one <testcase>
// per case; a wrong answer is a <failure> (its diff as the text), a job that failed to run or a
// test file that failed to load an <error>. name, tests, failures, errors and time on every
// suite, as the JUnit schema requires; text escaped for XML. A job's generated-stream checks
// form a suite of their own (`generated: JOB`), one <testcase> per check: a SKIP is <skipped>
// with its reason, a failure carries the shrunk fixture case and the seed that replays it.

import * as path from 'node:path';
import { PLAIN, renderOutputDiff } from './report-text.js';
import type { FileResult } from './runner.js';
import type { GenerateReport } from './generate/index.js';
import { replayCommand } from './generate/fixture.js';

/** Text safe in XML attributes and content; characters XML 1.0 forbids are dropped. */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/\x1b\[[0-9;]*m/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

export function renderJunit(results: readonly FileResult[], totalMs: number, cwd = process.cwd(), generated: readonly GenerateReport[] = []): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  const suites: string[] = [];
  for (const r of results) {
    const name = path.relative(cwd, r.file) || r.file;
    const classname = name.replace(/\.test\.(ya?ml|json)$/i, '').replace(/[\\/]/g, '.');
    const cases: string[] = [];
    let f = 0;
    let e = 0;
    if (r.error !== undefined) {
      e++;
      cases.push(`    <testcase name="${xmlEscape('(load test file)')}" classname="${xmlEscape(classname)}" time="0.000">\n      <error message="${xmlEscape(r.error.split('\n')[0]!)}" type="TestFileError">${xmlEscape(r.error)}</error>\n    </testcase>`);
    }
    const lineOf = (offset: number) => r.testFile?.lines.linePos(offset).line ?? 0;
    for (const c of r.cases) {
      const head = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(classname)}" time="${secs(c.ms)}"`;
      if (c.pass) {
        cases.push(`${head}/>`);
      } else if (c.error !== undefined) {
        e++;
        cases.push(`${head}>\n      <error message="${xmlEscape(c.error.split('\n')[0]!)}" type="JobError">${xmlEscape(c.error)}</error>\n    </testcase>`);
      } else {
        f++;
        const bad = c.outputs.filter((o) => !o.pass);
        const message = `wrong rows in ${bad.map((o) => o.expectation.target).join(', ')}`;
        const body = [...bad.flatMap((o) => renderOutputDiff(o, lineOf, PLAIN)), ...c.notes.map((n) => `note: ${n}`)].join('\n');
        cases.push(`${head}>\n      <failure message="${xmlEscape(message)}" type="RowsDiffer">${xmlEscape(body)}</failure>\n    </testcase>`);
      }
    }
    const n = r.cases.length + (r.error !== undefined ? 1 : 0);
    tests += n;
    failures += f;
    errors += e;
    suites.push(`  <testsuite name="${xmlEscape(name)}" tests="${n}" failures="${f}" errors="${e}" skipped="0" time="${secs(r.ms)}" timestamp="${new Date().toISOString().slice(0, 19)}">\n${cases.join('\n')}${cases.length ? '\n' : ''}  </testsuite>`);
  }
  for (const g of generated) {
    const s = generatedSuite(g, cwd);
    tests += s.tests;
    failures += s.failures;
    skipped += s.skipped;
    suites.push(s.xml);
  }
  out.push(`<testsuites name="sluice test" tests="${tests}" failures="${failures}" errors="${errors}"${skipped > 0 ? ` skipped="${skipped}"` : ''} time="${secs(totalMs)}">`);
  out.push(...suites);
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** One job's generated-stream checks as a <testsuite>: one <testcase> per check. */
function generatedSuite(g: GenerateReport, cwd: string): { xml: string; tests: number; failures: number; skipped: number } {
  const job = path.isAbsolute(g.job) ? path.relative(cwd, g.job) || g.job : g.job;
  const classname = `generated.${job.replace(/\.sql$/i, '').replace(/[\\/]/g, '.')}`;
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  for (const l of g.lines) {
    const head = `    <testcase name="${xmlEscape(l.check)}" classname="${xmlEscape(classname)}" time="${secs(l.ms)}"`;
    if (l.status === 'pass') cases.push(`${head}/>`);
    else if (l.status === 'skip') {
      skipped++;
      cases.push(`${head}>\n      <skipped message="${xmlEscape(l.note ?? 'skipped')}"/>\n    </testcase>`);
    } else {
      failures++;
      const body = [`${l.check} failed in run ${l.runs} (seed ${g.seed}): ${l.note ?? ''}`, '', ...(g.fixture ? ['the smallest failing stream, as a fixture case:', '', g.fixture, ''] : []), `replay: ${replayCommand({ job: g.job, seed: g.seed, runs: g.runs })}`].join('\n');
      cases.push(`${head}>\n      <failure message="${xmlEscape(`${l.note ?? 'failed'} (seed ${g.seed})`)}" type="GeneratedCheckFailed">${xmlEscape(body)}</failure>\n    </testcase>`);
    }
  }
  const xml = `  <testsuite name="${xmlEscape(`generated: ${job}`)}" tests="${g.lines.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs(g.ms)}" timestamp="${new Date().toISOString().slice(0, 19)}">\n${cases.join('\n')}${cases.length ? '\n' : ''}  </testsuite>`;
  return { xml, tests: g.lines.length, failures, skipped };
}
