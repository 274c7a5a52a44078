// JUnit XML for CI systems: <testsuites> with one <testsuite> per test file and one <testcase>
// per case; a wrong answer is a <failure> (its diff as the text), a job that failed to run or a
// test file that failed to load an <error>. name, tests, failures, errors and time on every
// suite, as the JUnit schema requires; text escaped for XML.

import * as path from 'node:path';
import { PLAIN, renderOutputDiff } from './report-text.js';
import type { FileResult } from './runner.js';

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

export function renderJunit(results: readonly FileResult[], totalMs: number, cwd = process.cwd()): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  let tests = 0;
  let failures = 0;
  let errors = 0;
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
        const body = bad.flatMap((o) => renderOutputDiff(o, lineOf, PLAIN)).join('\n');
        cases.push(`${head}>\n      <failure message="${xmlEscape(message)}" type="RowsDiffer">${xmlEscape(body)}</failure>\n    </testcase>`);
      }
    }
    const n = r.cases.length + (r.error !== undefined ? 1 : 0);
    tests += n;
    failures += f;
    errors += e;
    suites.push(`  <testsuite name="${xmlEscape(name)}" tests="${n}" failures="${f}" errors="${e}" skipped="0" time="${secs(r.ms)}" timestamp="${new Date().toISOString().slice(0, 19)}">\n${cases.join('\n')}${cases.length ? '\n' : ''}  </testsuite>`);
  }
  out.push(`<testsuites name="sluice test" tests="${tests}" failures="${failures}" errors="${errors}" time="${secs(totalMs)}">`);
  out.push(...suites);
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
