// ensureDir: makes missing levels one at a time and refuses, naming the path, where Node's
// recursive mkdir would loop forever (/proc) or fail with a bare error code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DirectoryError, ensureDir } from '../../../src/util/dirs.js';

test('creates every missing level, and is a no-op on an existing directory', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-dirs-'));
  const deep = path.join(base, 'a', 'b', 'c');
  ensureDir(deep);
  assert.ok(fs.statSync(deep).isDirectory());
  ensureDir(deep);
  ensureDir(base);
});

test('a file in the way is named', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-dirs-'));
  fs.writeFileSync(path.join(base, 'f'), '');
  assert.throws(() => ensureDir(path.join(base, 'f', 'x')), (e: unknown) => e instanceof DirectoryError && e.message === `cannot create directory ${path.join(base, 'f', 'x')}: ${path.join(base, 'f')} exists and is not a directory`);
});

test('under /proc it refuses at once instead of looping', { skip: fs.existsSync('/proc/self') ? false : 'no /proc on this system' }, () => {
  assert.throws(() => ensureDir('/proc/nope/deeper'), (e: unknown) => e instanceof DirectoryError && /^cannot create directory \/proc\/nope \(for \/proc\/nope\/deeper\): ENOENT in \/proc$/.test(e.message));
});

test('a directory without write permission is named', { skip: process.getuid?.() === 0 ? 'root may write anywhere' : false }, () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-dirs-'));
  fs.chmodSync(base, 0o555);
  try {
    assert.throws(() => ensureDir(path.join(base, 'x', 'y')), (e: unknown) => e instanceof DirectoryError && e.message.includes(`${base} is not writable`));
  } finally {
    fs.chmodSync(base, 0o755);
  }
});
