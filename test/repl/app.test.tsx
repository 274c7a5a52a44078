// The ink app driven through ink-testing-library: a query's rows appear live and move to the
// scrollback when it ends, a misspelled column shows the caret and the hint, EMIT CHANGES
// updates in place, Tab completes, and Ctrl-C twice on an empty prompt exits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { App } from '../../src/repl/components/App.js';
import { History } from '../../src/repl/history.js';
import { session, BOUNDED, SLOW } from './helpers.js';

const ENTER = '\r';
const CTRL_C = '\u0003';
const TAB = '\t';
const CTRL_T = '\u0014';

async function waitFor(frames: () => string, re: RegExp, ms = 5000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const f = frames();
    if (re.test(f)) return f;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re}; screen:\n${f}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function type(stdin: { write(s: string): void }, s: string): Promise<void> {
  stdin.write(s);
  await new Promise((r) => setTimeout(r, 30));
}

test('a query runs live, its rows land in the scrollback; diagnostics show a caret', async () => {
  const s = session(BOUNDED);
  const app = render(<App session={s} history={new History(undefined)} tickMs={20} />);
  const all = () => app.frames.join('\n');
  await type(app.stdin, 'SELECT sensor, window_start, COUNT(*) AS n\nFROM s GROUP BY sensor, TUMBLE(ts, 10s);');
  await type(app.stdin, ENTER);
  await waitFor(all, /done after [\d.]+s: \d+ rows out, 400 events in/);
  assert.match(all(), /Sensor\d +2024-05-20T10:00:00\.000Z/);
  await type(app.stdin, 'SELECT AVG(vlaue) FROM s;');
  await type(app.stdin, ENTER);
  const f = await waitFor(all, /hint: did you mean 'value'\?/);
  assert.match(f, /unknown column 'vlaue'/);
  assert.match(f, / {11}\^\^\^\^\^/);
  app.unmount();
});

test('a running query shows the status line; EMIT CHANGES rows update in place; Ctrl-C stops it', async () => {
  const s = session(SLOW);
  const app = render(<App session={s} history={new History(undefined)} tickMs={20} />);
  await type(app.stdin, 'SELECT sensor, COUNT(*) AS n FROM slow GROUP BY sensor;');
  await type(app.stdin, ENTER);
  try {
  const f = (await waitFor(() => app.lastFrame() ?? '', /Sensor5/)).replace(/\s+/g, ' ');
  assert.match(f, /running [\d.]+s │ in [\d.]+\/s │ out \d+ rows │ slow wm \d\d:\d\d:\d\d/);
  assert.match(f, /open windows 0 │ late \d+ │ dead 0 │ state \d+ rows/);
  const sensorLines = (app.lastFrame() ?? '').split('\n').filter((l) => /^Sensor\d/.test(l));
  assert.equal(sensorLines.length, 5, 'one row per sensor, updated in place');
  await type(app.stdin, CTRL_C);
  await waitFor(() => app.frames.join('\n'), /stopped after/);
  } finally {
    s.stopQuery();
    app.unmount();
  }
});

test('Tab completes, Up recalls history, Ctrl-C twice on an empty prompt exits', async () => {
  const s = session(BOUNDED);
  const h = new History(undefined);
  h.add('SHOW SOURCES;');
  const app = render(<App session={s} history={h} tickMs={20} />);
  await type(app.stdin, 'DESCRI');
  await type(app.stdin, TAB);
  assert.match(app.lastFrame() ?? '', /sluice> DESCRIBE/);
  await type(app.stdin, CTRL_C);
  assert.doesNotMatch(app.lastFrame() ?? '', /DESCRIBE/);
  await type(app.stdin, '\u001b[A');
  assert.match(app.lastFrame() ?? '', /sluice> SHOW SOURCES;/);
  await type(app.stdin, ENTER);
  await waitFor(() => app.frames.join('\n'), /s {2}\(datagen, watermark on ts\)/);
  await type(app.stdin, CTRL_C);
  await waitFor(() => app.lastFrame() ?? '', /press Ctrl-C again to exit/);
  await type(app.stdin, CTRL_C);
  await type(app.stdin, 'x');
  assert.doesNotMatch(app.lastFrame() ?? '', /sluice> x/, 'the app exited: input is no longer read');
  app.unmount();
});

test('Ctrl-T toggles the watermark panel, kept up to date while the query runs', async () => {
  const s = session(SLOW);
  const app = render(<App session={s} history={new History(undefined)} tickMs={20} />);
  try {
    await type(app.stdin, 'SELECT sensor, COUNT(*) AS n FROM slow GROUP BY sensor, TUMBLE(ts, 1h);');
    await type(app.stdin, ENTER);
    await waitFor(() => app.lastFrame() ?? '', /Ctrl-T shows the watermarks/);
    await type(app.stdin, CTRL_T);
    const first = await waitFor(() => app.lastFrame() ?? '', /watermarks · Ctrl-T hides[\s\S]*slow: watermark (\d\d:\d\d:\d\d\.\d+)[\s\S]*TUMBLE 3600s \(operator \d+\): 1 open window; the earliest/);
    const wm = /slow: watermark (\S+),/.exec(first)![1]!;
    // The panel follows the watermark without any key pressed.
    await waitFor(() => app.lastFrame() ?? '', new RegExp(`slow: watermark (?!${wm.replace(/\./g, '\\.')},)\\d`));
    await type(app.stdin, CTRL_T);
    assert.doesNotMatch(app.lastFrame() ?? '', /watermarks · Ctrl-T hides/);
    assert.match(app.lastFrame() ?? '', /Ctrl-T shows the watermarks/);
  } finally {
    s.stopQuery();
    app.unmount();
  }
});

test('a background sink reports in the scrollback; the exit hint counts running sinks', async () => {
  const s = session(BOUNDED, SLOW);
  const app = render(<App session={s} history={new History(undefined)} tickMs={20} />);
  const all = () => app.frames.join('\n');
  try {
    await type(app.stdin, 'CREATE SINK hot AS SELECT sensor, value FROM s WHERE value > 99;');
    await type(app.stdin, ENTER);
    await waitFor(all, /hot> \{"sensor":"Sensor\d","value":\d+/);
    await waitFor(all, /sink hot finished \(its inputs ended\)/);
    await type(app.stdin, "CREATE SINK bg WITH (connector = 'file', path = '/dev/null') AS SELECT sensor FROM slow;");
    await type(app.stdin, ENTER);
    await waitFor(all, /created sink bg: running in the background/);
    await type(app.stdin, CTRL_T);
    await waitFor(() => app.lastFrame() ?? '', /no query running[\s\S]*sink bg \(running\): slow wm/);
    await type(app.stdin, CTRL_C);
    await waitFor(() => app.lastFrame() ?? '', /press Ctrl-C again to exit \(or type \\q\); this stops the running sink/);
  } finally {
    await s.close();
    app.unmount();
  }
});
