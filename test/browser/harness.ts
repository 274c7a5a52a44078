// What the console's browser tests and the README screenshot script share: the real
// `sluice serve` as a child process (ephemeral port, temporary state directory), headless
// Chromium from Debian's `chromium` package driven by puppeteer-core, and a screenshot folder
// outside the repository.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const BIN = path.resolve(import.meta.dirname, '..', '..', '..', 'bin', 'sluice.js');

/** The Chromium to drive: $SLUICE_CHROMIUM, else chromium / chromium-browser on PATH. */
export function findChromium(): string {
  const fromEnv = process.env['SLUICE_CHROMIUM'];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`SLUICE_CHROMIUM=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const file = path.join(dir, name);
      if (dir !== '' && isExecutable(file)) return file;
    }
  }
  throw new Error(
    'the console browser tests need Chromium, and none was found (no chromium or chromium-browser on PATH, SLUICE_CHROMIUM not set). ' +
      "Install Debian's package: `sudo apt-get install -y chromium` (.ci/run does this), or set SLUICE_CHROMIUM=/path/to/chromium.",
  );
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function launchBrowser(executablePath = findChromium()): Promise<Browser> {
  const args = ['--headless=new', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--hide-scrollbars'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return puppeteer.launch({ executablePath, headless: true, args, defaultViewport: { width: 1440, height: 1000, deviceScaleFactor: 1 }, timeout: 30_000 });
}

export interface Served {
  readonly url: string;
  readonly dir: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts `sluice serve --port 0` in a fresh temporary directory and waits for its address. */
export async function startServe(extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-browser-'));
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--state-dir', path.join(dir, 'state'), ...extraArgs], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sluice serve did not print its address within 20 s; output:\n${out}`)), 20_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /serving the console on (http:\/\/[^\s"/]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sluice serve exited (code ${code}) before serving; output:\n${out}`));
    });
  });
  return {
    url,
    dir,
    child,
    output: () => out,
    /** Stops the server (SIGTERM, SIGKILL after 10 s) and removes its temporary directory. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The screenshot folder: $SLUICE_TEST_ARTIFACTS or <tmp>/sluice-browser-artifacts, plus a subfolder. */
export function artifactsDir(name: string): string {
  const base = process.env['SLUICE_TEST_ARTIFACTS'] ?? path.join(os.tmpdir(), 'sluice-browser-artifacts');
  const dir = path.join(base, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Types into the CodeMirror editor, replacing its text (as a user would: select all, type). */
export async function replaceEditorText(page: Page, text: string): Promise<void> {
  await page.click('.editor .cm-content');
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
  // Close a completion popup the last word may have opened.
  await page.keyboard.press('Escape');
}
