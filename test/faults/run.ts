// `npm run test:faults`: starts the suite's own broker, runs every scenario file
// (dist/test/faults/*.fault.js, or the ones named on the command line) one at a time with
// node --test (they kill and freeze that broker, so never two at once), then prints one line
// per scenario: what it tried, what it found, PASS/FAIL/SKIP. Exits non-zero when one failed.
// The broker is stopped at the end (SLUICE_FAULTS_KEEP_BROKER=1 keeps it for another round).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOOTSTRAP, type Finding } from './harness.js';
import { brokerUp } from './broker.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.fault.js'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort()
  .map((f) => path.join(here, f));
if (files.length === 0) {
  console.error(`test:faults: no scenario file matches ${wanted.join(', ')}`);
  process.exit(2);
}

const reportDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-faults-report-'));
const report = path.join(reportDir, 'findings.jsonl');
const t0 = Date.now();
console.log(`test:faults: starting the suite's broker on ${BOOTSTRAP} (scripts/kafka-up.sh)`);
await brokerUp();
const code = await new Promise<number>((resolve) => {
  // --test-force-exit: a scenario that timed out may leave timers behind; its exit hook still cleans up.
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-force-exit', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    env: { ...process.env, SLUICE_FAULTS_REPORT: report },
  });
  child.on('exit', (c) => resolve(c ?? 1));
});

const findings: Finding[] = existsSync(report)
  ? readFileSync(report, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Finding)
  : [];
rmSync(reportDir, { recursive: true, force: true });
// The suite's broker is its own: stopped at the end unless asked to keep it (SLUICE_FAULTS_KEEP_BROKER=1).
if (process.env['SLUICE_FAULTS_KEEP_BROKER'] !== '1') spawnSync('bash', ['scripts/kafka-down.sh'], { stdio: 'ignore' });
const verdict = (f: Finding): string => (f.pass === 'skip' ? 'SKIP' : f.pass ? 'PASS' : 'FAIL');
const width = Math.max(8, ...findings.map((f) => f.scenario.length));
console.log(`\nFault suite: ${findings.length} scenarios in ${((Date.now() - t0) / 60_000).toFixed(1)} min (broker ${BOOTSTRAP})\n`);
console.log(`${'scenario'.padEnd(width)}  result  found`);
for (const f of findings) console.log(`${f.scenario.padEnd(width)}  ${verdict(f).padEnd(6)}  ${f.found}`);
if (findings.length === 0) console.log('(no scenario reported a finding: see the output above)');
process.exit(code !== 0 || findings.some((f) => f.pass === false) ? 1 : 0);
