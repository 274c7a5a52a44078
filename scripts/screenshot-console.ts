// Takes the README's screenshot of the console (docs/console.png): starts `sluice serve`, runs
// the sensor downsampling job over the demo source and a running maximum per sensor, waits until
// the chart has a few windows per sensor, and captures the page. Needs Chromium (see
// test/browser/harness.ts). Usage: npm run screenshot:console [-- OUT.png]

import * as path from 'node:path';
import { launchBrowser, startServe } from '../test/browser/harness.js';

const out = path.resolve(process.argv[2] ?? 'docs/console.png');
const JOBS = [
  {
    name: 'sensor-max',
    sql: 'SELECT sensor, COUNT(*) AS readings, MAX(value) AS max_value FROM sensors GROUP BY sensor;',
  },
  {
    name: 'sensor-downsampling',
    sql: `SELECT sensor, window_start, AVG(value) AS mean, MIN(value) AS min_value, MAX(value) AS max_value, COUNT(*) AS readings
FROM sensors
GROUP BY sensor, TUMBLE(ts, 2s);
`,
  },
];

const served = await startServe();
const browser = await launchBrowser();
try {
  let last = '';
  for (const job of JOBS) {
    const res = await fetch(`${served.url}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job) });
    if (res.status !== 201) throw new Error(`submitting ${job.name}: ${res.status} ${await res.text()}`);
    last = ((await res.json()) as { id: string }).id;
  }
  const page = await browser.newPage();
  await page.setViewport({ width: 1440, height: 1180, deviceScaleFactor: 1 });
  // The editor shows the downsampling job, as if the user had just run it.
  await page.evaluateOnNewDocument((sql: string) => localStorage.setItem('sluice-draft', sql), JOBS[1]!.sql);
  await page.goto(`${served.url}/#job=${encodeURIComponent(last)}`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(
    () => {
      const c = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document.querySelector('[data-testid=result-chart]');
      return c !== null && c.getAttribute('data-series') === '5' && Number(c.getAttribute('data-points')) >= 10;
    },
    { timeout: 60_000, polling: 200 },
  );
  await page.screenshot({ path: out as `${string}.png` });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await served.stop();
}
