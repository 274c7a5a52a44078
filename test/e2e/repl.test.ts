// The real `sluice` binary in a real terminal (tmux send-keys / capture-pane): start the REPL
// on the demo sources, type the README query and see rows appear, type a misspelled column and
// see the caret and the suggestion, Ctrl-C the query, and exit with Ctrl-C twice; then a sink
// running in the background, SHOW SINKS, the Ctrl-T watermark panel, and \q closing the sink.
// Skipped when tmux is not installed (.ci/run installs it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
/** A tmux server per test: a new session on the socket of a server still exiting after kill-server fails with 'server exited unexpectedly'. */
let runs = 0;
let SOCKET = `sluice-e2e-${process.pid}-0`;
const SESSION = 'repl';

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

function screen(): string {
  return tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', SESSION);
}

function start(home: string): void {
  SOCKET = `sluice-e2e-${process.pid}-${++runs}`;
  const cmd = `cd ${JSON.stringify(process.cwd())} && env HOME=${JSON.stringify(home)} TERM=xterm-256color ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}; echo "[exit $?]"; sleep 5`;
  tmux('new-session', '-d', '-s', SESSION, '-x', '160', '-y', '50', cmd);
}

/** Types text literally; tmux reads a trailing ';' as a command separator, so it is escaped. */
function typeLine(text: string): void {
  tmux('send-keys', '-t', SESSION, '-l', text.replace(/;$/, '\\;'));
  tmux('send-keys', '-t', SESSION, 'Enter');
}

async function waitFor(re: RegExp, ms: number): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const s = screen();
    if (re.test(s)) return s;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${re}; screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alive(): boolean {
  return spawnSync('tmux', ['-L', SOCKET, 'has-session', '-t', SESSION]).status === 0;
}

test('the REPL in tmux: live rows, a caret diagnostic, Ctrl-C, exit', { skip: hasTmux ? false : 'tmux is not installed', timeout: 60_000 }, async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'sluice-repl-home-'));
  start(home);
  try {
    await waitFor(/^sluice>/m, 15_000);
    typeLine('SELECT sensor, window_start, AVG(value) FROM sensors GROUP BY sensor, TUMBLE(ts, 10s);');
    // The sensors' event time tracks the wall clock: the first 10 s window closes within ~11 s.
    const live = await waitFor(/Sensor\d +\d{4}-\d\d-\d\dT\d\d:\d\d:\d0\.000Z +\d/, 25_000);
    assert.match(live, /running [\d.]+s │ in [\d.]+\/s │ out \d+ rows? │ sensors wm \d\d:\d\d:\d\d/);
    tmux('send-keys', '-t', SESSION, 'C-c');
    await waitFor(/stopped after [\d.]+s/, 5_000);
    typeLine('SELECT sensor, AVG(vlaue) FROM sensors GROUP BY sensor, TUMBLE(ts, 10s);');
    const diag = await waitFor(/hint: did you mean 'value'\?/, 5_000);
    assert.match(diag, /error: unknown column 'vlaue'/);
    assert.match(diag, /\n\s+\| {20}\^{5}\n/);
    tmux('send-keys', '-t', SESSION, 'C-c');
    await waitFor(/press Ctrl-C again to exit/, 5_000);
    tmux('send-keys', '-t', SESSION, 'C-c');
    await waitFor(/\[exit 0\]/, 5_000);
  } finally {
    if (alive()) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  }
});

test('the REPL in tmux: a background sink, SHOW SINKS, the watermark panel, \\q closes the sink', { skip: hasTmux ? false : 'tmux is not installed', timeout: 60_000 }, async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'sluice-repl-home-'));
  const file = path.join(home, 'counts.jsonl');
  start(home);
  try {
    await waitFor(/^sluice>/m, 15_000);
    typeLine(`CREATE SINK counts WITH (connector = 'file', path = '${file}') AS SELECT sensor, window_start, COUNT(*) AS n FROM sensors GROUP BY sensor, TUMBLE(ts, 1s);`);
    await waitFor(/created sink counts: running in the background, writing to file /, 5_000);
    // 1 s windows close about every second once the watermark (800 ms behind) passes their end.
    await new Promise((r) => setTimeout(r, 3000));
    typeLine('SHOW SINKS;');
    await waitFor(/counts +running +[1-9]\d* +0 +0 +[\d.]+s +file /, 5_000);
    tmux('send-keys', '-t', SESSION, 'C-t');
    await waitFor(/watermarks · Ctrl-T hides[\s\S]*sink counts \(running\): sensors wm \d\d:\d\d:\d\d/, 5_000);
    // Ctrl-T, \\q and Enter in one write: the terminal delivers them as one chunk, as a fast typist's would.
    tmux('send-keys', '-t', SESSION, 'C-t', '\\q', 'Enter');
    const end = await waitFor(/\[exit 0\]/, 10_000);
    const m = /sink counts stopped, flushed and closed after [\d.]+s: (\d+) rows? to file /.exec(end);
    assert.ok(m, end);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    assert.equal(lines.length, Number(m[1]), 'every row the sink counted is in its file');
    assert.match(lines[0]!, /^\{"sensor":"Sensor\d","window_start":"[^"]+","n":\d+\}$/);
  } finally {
    if (alive()) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  }
});
