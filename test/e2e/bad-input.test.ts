// Bad input through the real `sluice` binary: outputs whose directory cannot be made or written
// are refused at once with the path and the option (never a spin or a bare error code); bad
// records of every kind are dead-lettered with their position while the job goes on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');

function sluice(args: string[], cwd: string) {
  // The timeout only ends a hung child (status null then fails the test); it is not a speed check.
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'sluice-bad-'));
}

function lines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const PROC = existsSync('/proc/self') ? false : 'no /proc on this system';

test('a file sink under /proc is refused at once, naming the path and the option', { skip: PROC }, () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'in.jsonl'), '{"a":1}\n');
  writeFileSync(
    path.join(dir, 'job.sql'),
    `CREATE SOURCE s (a BIGINT) WITH (connector = 'file', path = 'in.jsonl');
CREATE SINK o WITH (connector = 'file', path = '/proc/nope/x.jsonl') AS SELECT a FROM s;\n`,
  );
  const r = sluice(['run', 'job.sql', '--state-dir', path.join(dir, 'st')], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot open \/proc\/nope\/x\.jsonl for writing: cannot create directory \/proc\/nope: ENOENT in \/proc \(option 'path'\)/);
});

test('dead-letter and late files that cannot be made name the file and the option; so does the state dir', { skip: PROC }, () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'in.jsonl'), '{"a":1}\n');
  writeFileSync(path.join(dir, 'late.sql'), `CREATE SOURCE s (a BIGINT) WITH (connector = 'file', path = 'in.jsonl', late = '/proc/nope/deeper/late.jsonl');\nSELECT a FROM s;\n`);
  const late = sluice(['run', 'late.sql', '--state-dir', path.join(dir, 'st')], dir);
  assert.equal(late.code, 2, late.stderr);
  assert.match(late.stderr, /source 's': cannot open its late file \/proc\/nope\/deeper\/late\.jsonl for appending: cannot create directory \/proc\/nope \(for \/proc\/nope\/deeper\): ENOENT in \/proc \(option 'late'\)/);

  writeFileSync(path.join(dir, 'ok.sql'), `CREATE SOURCE s (a BIGINT) WITH (connector = 'file', path = 'in.jsonl');\nSELECT a FROM s;\n`);
  const state = sluice(['run', 'ok.sql', '--state-dir', '/proc/nope/state'], dir);
  assert.equal(state.code, 2, state.stderr);
  assert.match(state.stderr, /cannot create directory \/proc\/nope \(for \/proc\/nope\/state\): ENOENT in \/proc/);
});

test('a dead-letter file that cannot be written names the file and the option, not a bare EACCES', () => {
  const dir = tmp();
  let target: string;
  if (process.getuid?.() === 0) {
    // Root may write any file mode; sysfs refuses new files even to root.
    target = '/sys/kernel/sluice-dlq.jsonl';
    if (!existsSync('/sys/kernel')) return;
  } else {
    target = path.join(dir, 'ro.jsonl');
    writeFileSync(target, '', { mode: 0o444 });
  }
  writeFileSync(path.join(dir, 'in.jsonl'), '{"a":1}\n');
  writeFileSync(path.join(dir, 'job.sql'), `CREATE SOURCE s (a BIGINT) WITH (connector = 'file', path = 'in.jsonl', dead_letter = '${target}');\nSELECT a FROM s;\n`);
  const r = sluice(['run', 'job.sql', '--state-dir', path.join(dir, 'st')], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.ok(r.stderr.includes(`source 's': cannot open its dead_letter file ${target} for appending: EACCES`), r.stderr);
  assert.match(r.stderr, /\(option 'dead_letter'\)\n  = hint: point dead_letter at a file in a writable directory/);
});
