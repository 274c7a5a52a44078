// The console behind `sluice serve --auth-token`: opened as /?token=T, the page loads its bundle,
// calls the API and follows a job's live events with the token; without it the server refuses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { artifactsDir, findChromium, launchBrowser, startServe } from './harness.js';

interface El {
  getAttribute(name: string): string | null;
  readonly textContent: string | null;
}
declare const document: { querySelector(sel: string): El | null };

const WAIT = { timeout: 30_000, polling: 100 } as const;
const TOKEN = 'browser-test-token';

test('console with an auth token: bundle, API and live events all carry ?token=', { timeout: 90_000 }, async (t) => {
  const chromium = findChromium();
  const served = await startServe(['--auth-token', TOKEN]);
  const shots = artifactsDir(`console-token-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  t.diagnostic(`screenshots: ${shots}`);
  const browser = await launchBrowser(chromium).catch(async (e: unknown) => {
    await served.stop();
    throw e;
  });
  try {
    assert.equal((await fetch(`${served.url}/api/jobs`)).status, 401);
    const res = await fetch(`${served.url}/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ name: 'counts', sql: 'SELECT sensor, COUNT(*) AS readings FROM sensors GROUP BY sensor;' }),
    });
    assert.equal(res.status, 201);
    const id = ((await res.json()) as { id: string }).id;
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${served.url}/?token=${TOKEN}#job=${id}`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => /4 sources/.test(document.querySelector('.topbar')?.textContent ?? ''), WAIT);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=result-table]')?.getAttribute('data-rows') ?? 0) >= 3, WAIT);
    await page.screenshot({ path: path.join(shots, '01-with-token.png') as `${string}.png`, fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await served.stop();
  }
});
