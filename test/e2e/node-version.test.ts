// bin/sluice.js under a Node older than 22 (the machine's /usr/bin/node, or SLUICE_OLD_NODE):
// a clear message saying what to install and a non-zero exit, not a stack trace from the parser
// library. Skipped, with the reason, when no older node is found.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');

/** An installed node older than 22, or why there is none. */
function oldNode(): { exe: string; version: string } | string {
  const candidates = [process.env['SLUICE_OLD_NODE'], '/usr/bin/node', '/usr/local/bin/node'].filter((c): c is string => c !== undefined && c !== '');
  for (const exe of candidates) {
    const r = spawnSync(exe, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const version = r.stdout.trim();
    if (Number(version.split('.')[0]) < 22) return { exe, version };
  }
  return `no node older than 22 at ${candidates.join(', ')} (set SLUICE_OLD_NODE to one)`;
}

const old = oldNode();

test('an old Node gets told what to install, before anything loads', { skip: typeof old === 'string' ? old : false }, () => {
  const { exe, version } = old as { exe: string; version: string };
  // The check comes before anything loads: `run` of a job that does not exist says the same.
  for (const args of [['--help'], ['run', 'no-such-job.sql'], []]) {
    const r = spawnSync(exe, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`sluice needs Node\\.js 22 or newer; this is Node ${version.replace(/\./g, '\\.')}`));
    assert.match(r.stderr, /Install Node 24 LTS/);
    assert.match(r.stderr, /nvm install 24/);
    assert.doesNotMatch(r.stderr, /groupBy|at .*\.js:\d+/);
    assert.equal(r.stdout, '');
  }
});

test('the current Node passes the check', () => {
  const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /needs Node/);
});
