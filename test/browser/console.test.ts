// The web console in a real browser against the real `sluice serve`: submit the sensor
// downsampling job over the demo source, see rows and a line per sensor, see the watermark
// advance in the time view, POST good and bad events to an HTTP source and find them in the
// results and the dead-letter view, stop the jobs. A screenshot of each step goes to the
// artifacts folder (SLUICE_TEST_ARTIFACTS, default <tmp>/sluice-browser-artifacts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page } from 'puppeteer-core';
import { artifactsDir, findChromium, launchBrowser, replaceEditorText, startServe } from './harness.js';

const DOWNSAMPLING =
  'SELECT sensor, window_start, COUNT(*) AS readings, MIN(value) AS min_value, MAX(value) AS max_value, AVG(value) AS mean FROM sensors GROUP BY sensor, TUMBLE(ts, 2s);';

// The few DOM members the in-page conditions use (this project compiles without the DOM lib;
// these functions run in the browser, where `document` is the page's).
interface El {
  getAttribute(name: string): string | null;
  readonly textContent: string | null;
}
declare const document: { querySelector(sel: string): El | null; querySelectorAll(sel: string): Iterable<El> };

const WAIT = { timeout: 30_000, polling: 100 } as const;

test('console: live results, chart, watermarks, HTTP ingest with dead letters, stop', { timeout: 120_000 }, async (t) => {
  const chromium = findChromium(); // first: without it the test fails here, saying how to install it
  const served = await startServe();
  const shots = artifactsDir(`console-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  t.diagnostic(`screenshots: ${shots}`);
  console.log(`console browser test: screenshots in ${shots}`);
  const pageErrors: string[] = [];
  let step = 0;
  let doing = 'opening the console';
  let page: Page | undefined;
  const shot = async (name: string) => {
    const file = path.join(shots, `${String(++step).padStart(2, '0')}-${name}.png`);
    await page?.screenshot({ path: file as `${string}.png`, fullPage: true });
  };
  const browser = await launchBrowser(chromium).catch(async (e: unknown) => {
    await served.stop();
    throw e;
  });
  try {
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(m.text());
    });
    await page.goto(`${served.url}/`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.editor .cm-content', WAIT);
    await page.waitForFunction(() => /sources/.test(document.querySelector('.topbar')?.textContent ?? ''), WAIT);
    await shot('opened');

    // 1. A mistake is marked where it is, with the server's hint; then the sensor downsampling
    // job, typed into the editor and run.
    doing = 'checking a query with a mistake';
    await replaceEditorText(page, 'SELECT sensor, AVG(valu) FROM sensors GROUP BY sensor;');
    await page.click('[data-action=check]');
    await page.waitForSelector('.answer.error', WAIT);
    const problem = await page.$eval('.answer.error', (e) => (e as unknown as El).textContent ?? '');
    assert.match(problem, /1:20 unknown column 'valu'/);
    assert.match(problem, /hint: did you mean 'value'\?/);
    const marked = await page.$eval('.editor .cm-lintRange-error', (e) => (e as unknown as El).textContent ?? '');
    assert.equal(marked, 'valu');
    await shot('check-diagnostic');

    // Completion from the catalog: a source, its columns, the functions.
    doing = 'completing a source, a column and a function';
    const offered = async (typed: string, last: string, expected: string) => {
      await replaceEditorText(page!, typed);
      await page!.keyboard.type(last);
      await page!.waitForFunction(
        (want: string) => [...document.querySelectorAll('.cm-tooltip-autocomplete li .cm-completionLabel')].some((li) => li.textContent === want),
        WAIT,
        expected,
      );
    };
    await offered('SELECT sensor FROM sen', 's', 'sensors');
    await offered('SELECT sensor FROM sensors WHERE val', 'u', 'value');
    await offered('SELECT sensor, A', 'V', 'AVG');
    await shot('completion');
    await page.keyboard.press('Escape');
    doing = 'running the sensor downsampling job and waiting for rows and a line per sensor';
    await replaceEditorText(page, DOWNSAMPLING);
    await page.type('input.job-name', 'sensor-downsampling');
    await page.click('[data-action=run]');
    await page.waitForSelector('.detail-panel[data-status=running]', WAIT);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=result-table]')?.getAttribute('data-rows') ?? 0) >= 5, WAIT);
    // A line per sensor (the demo has five), each with at least two windows.
    await page.waitForFunction(
      () => {
        const c = document.querySelector('[data-testid=result-chart]');
        return c !== null && c.getAttribute('data-series') === '5' && Number(c.getAttribute('data-points')) >= 2;
      },
      WAIT,
    );
    const legend = await page.$$eval('[data-testid=result-chart] .u-legend .u-series th', (ths) => ths.map((th) => (th as unknown as El).textContent?.trim() ?? ''));
    assert.deepEqual(legend.slice(1).sort(), ['Sensor1', 'Sensor2', 'Sensor3', 'Sensor4', 'Sensor5']);
    const header = await page.$$eval('[data-testid=result-table] thead th', (ths) => ths.map((th) => (th as unknown as El).textContent));
    assert.deepEqual(header, ['sensor', 'window_start', 'readings', 'min_value', 'max_value', 'mean']);
    const firstJob = await page.$eval('.detail-panel', (e) => (e as unknown as El).getAttribute('data-job-id'));
    await shot('results-and-chart');

    // 2. The time view: the sensors' watermark advances, its lag is charted, open windows say why.
    doing = 'waiting for the watermark of sensors to advance in the time view';
    await page.click('[data-tab=time]');
    const wmOf = () =>
      page!.$eval('[data-testid=watermarks] tr.source-row[data-source=sensors]', (tr) => Number((tr as unknown as El).getAttribute('data-watermark-ms') || 0)).catch(() => 0);
    await page.waitForFunction(() => Number(document.querySelector('tr.source-row[data-source=sensors]')?.getAttribute('data-watermark-ms') || 0) > 0, WAIT);
    const first = await wmOf();
    await page.waitForFunction(
      (before: number) => Number(document.querySelector('tr.source-row[data-source=sensors]')?.getAttribute('data-watermark-ms') || 0) > before,
      WAIT,
      first,
    );
    assert.ok((await wmOf()) > first);
    await page.waitForSelector('[data-testid=lag-chart]', WAIT);
    await page.waitForFunction(() => /waiting for the watermark/.test(document.querySelector('[data-testid=open-windows]')?.textContent ?? ''), WAIT);
    await shot('time-view');

    // 3. A changelog (a running count per sensor): rows are updated in place, one per sensor;
    // then Delete removes the job (after the confirmation dialog).
    doing = 'watching a changelog updated in place, then deleting it';
    const changelog = await fetch(`${served.url}/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sensor-counts', sql: 'SELECT sensor, COUNT(*) AS readings FROM sensors GROUP BY sensor;' }),
    });
    assert.equal(changelog.status, 201);
    const countsId = ((await changelog.json()) as { id: string }).id;
    await page.waitForSelector(`.jobs tr[data-job-id="${countsId}"]`, WAIT);
    await page.click(`.jobs tr[data-job-id="${countsId}"]`);
    await page.waitForFunction(
      () => {
        const tb = document.querySelector('[data-testid=result-table]');
        const rows = Number(tb?.getAttribute('data-rows') ?? 0);
        return rows === 5 && Number(tb?.getAttribute('data-received') ?? 0) >= 20 && tb?.getAttribute('data-unmatched') === '0';
      },
      WAIT,
    );
    const sensors = await page.$$eval('[data-testid=result-table] tbody tr td:first-child', (tds) => tds.map((td) => (td as unknown as El).textContent ?? ''));
    assert.deepEqual([...sensors].sort(), ['Sensor1', 'Sensor2', 'Sensor3', 'Sensor4', 'Sensor5'], 'one row per sensor');
    // Its chart: one bar per sensor (no time column).
    await page.waitForFunction(() => document.querySelector('[data-testid=result-chart]')?.getAttribute('data-points') === '5', WAIT);
    await shot('changelog-in-place');
    page.once('dialog', (d) => void d.accept());
    await page.click('[data-action=delete]');
    await page.waitForFunction((id: string) => document.querySelector(`.jobs tr[data-job-id="${id}"]`) === null, WAIT, countsId);
    assert.equal((await fetch(`${served.url}/api/jobs/${countsId}`)).status, 404);

    // 4. An HTTP source, from the examples menu; good and bad events POSTed to it.
    doing = 'running the HTTP source job, posting events, finding them in the results and dead letters';
    await page.select('select.examples', '2');
    await page.waitForFunction(() => /connector = 'http'/.test(document.querySelector('.editor .cm-content')?.textContent ?? ''), WAIT);
    await page.click('[data-action=run]');
    await page.waitForFunction(
      (prev: string | null) => {
        const d = document.querySelector('.detail-panel');
        return d !== null && d.getAttribute('data-job-id') !== prev && d.getAttribute('data-status') === 'running';
      },
      WAIT,
      firstJob,
    );
    const body = [
      { user_id: 'ada', page: '/home', ts: '2026-01-01T10:00:00Z' },
      { user_id: 'bob', page: '/cart', ts: '2026-01-01T10:00:01Z' },
      { user_id: 'eve', page: '/x', ts: 'not a time' },
    ];
    const res = await fetch(`${served.url}/ingest/clicks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = (await res.json()) as { accepted: number; rejected: { index: number; reason: string }[] };
    assert.equal(res.status, 207, JSON.stringify(answer));
    assert.equal(answer.accepted, 2);
    assert.deepEqual(answer.rejected.map((r) => r.index), [2]);
    await page.waitForFunction(
      () => {
        const text = document.querySelector('[data-testid=result-table] tbody')?.textContent ?? '';
        return text.includes('ada') && text.includes('/cart');
      },
      WAIT,
    );
    await shot('http-results');
    await page.click('[data-tab=side]');
    await page.waitForFunction(() => /not a time/.test(document.querySelector('[data-testid=dead-letters]')?.textContent ?? ''), WAIT);
    const deadRow = await page.$eval('[data-testid=dead-letters] tbody tr', (tr) => (tr as unknown as El).textContent ?? '');
    assert.match(deadRow, /clicks/);
    await shot('dead-letters');
    const href = await page.$eval('[data-action=download-dead-letters]', (a) => (a as unknown as El).getAttribute('href') ?? '');
    const download = await fetch(new URL(href, served.url));
    assert.equal(download.status, 200);
    const lines = (await download.text()).trim().split('\n');
    assert.equal(lines.length, 1, 'one dead letter as one JSON line');
    assert.match(lines[0]!, /not a time/);

    // A click at 10:00:30 moves the watermark to 10:00:29 and closes the first window (clicks per
    // page, the job's second result); one at 10:00:02 is then late, dropped and shown as such.
    doing = 'posting a late click and finding it in the time view';
    for (const late of [{ user_id: 'cy', page: '/home', ts: '2026-01-01T10:00:30Z' }, { user_id: 'dee', page: '/home', ts: '2026-01-01T10:00:02Z' }]) {
      const r = await fetch(`${served.url}/ingest/clicks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(late) });
      assert.equal(r.status, 200, await r.text());
    }
    await page.click('[data-tab=time]');
    await page.waitForFunction(() => /closed at watermark/.test(document.querySelector('.time-view [data-testid=late-live]')?.textContent ?? ''), WAIT);
    const lateRow = await page.$eval('.time-view [data-testid=late-live] tbody tr', (tr) => (tr as unknown as El).textContent ?? '');
    assert.match(lateRow, /10:00:02/);
    await page.click('[data-tab=results]');
    const sinks = await page.$$eval('.sink-picker .chip', (bs) => bs.map((b) => (b as unknown as El).textContent ?? ''));
    assert.equal(sinks.length, 2, `two results: ${sinks.join(', ')}`);
    await page.click('.sink-picker .chip:nth-child(2)');
    await page.waitForFunction(() => /\/home/.test(document.querySelector('[data-testid=result-table] tbody')?.textContent ?? ''), WAIT);
    await shot('late-and-windowed');

    // 5. Stop both jobs from the page.
    doing = 'stopping the jobs';
    await page.click('[data-action=stop]');
    await page.waitForSelector('.detail-panel[data-status=stopped]', WAIT);
    await page.click(`.jobs tr[data-job-id="${firstJob}"]`);
    await page.waitForSelector(`.detail-panel[data-job-id="${firstJob}"][data-status=running]`, WAIT);
    // Restart (from its checkpoint): a new run, followed live again.
    doing = 'restarting the first job';
    const started = await page.$eval('.detail-panel', (e) => (e as unknown as El).getAttribute('data-started'));
    await page.click('[data-action=restart]');
    await page.waitForFunction(
      (before: string | null) => {
        const d = document.querySelector('.detail-panel');
        return d !== null && d.getAttribute('data-started') !== before && d.getAttribute('data-status') === 'running';
      },
      WAIT,
      started,
    );
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=result-table]')?.getAttribute('data-rows') ?? 0) > 0, WAIT);
    doing = 'stopping the first job';
    await page.click('[data-action=stop]');
    await page.waitForSelector(`.detail-panel[data-job-id="${firstJob}"][data-status=stopped]`, WAIT);
    await page.waitForFunction(() => [...document.querySelectorAll('.jobs tbody tr')].every((tr) => tr.getAttribute('data-status') === 'stopped'), WAIT);
    await shot('stopped');
    assert.deepEqual(pageErrors, [], 'no errors in the page');
  } catch (e) {
    await shot('failure').catch(() => {});
    throw new Error(`while ${doing}: ${(e as Error).message}\n(screenshots in ${shots}; server output:\n${served.output().slice(-3000)})`, { cause: e });
  } finally {
    await browser.close();
    await served.stop();
  }
});
