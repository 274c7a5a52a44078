// The console's result chart: a windowed result is drawn automatically as one line per key over
// window_start with the first numeric column; the choice can be changed; rows are pivoted into
// aligned series (null where a key has no window).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartData, chooseChart } from '../../../web/src/model/chart.js';

const COLUMNS = [
  { name: 'sensor', type: 'VARCHAR' },
  { name: 'window_start', type: 'TIMESTAMP' },
  { name: 'window_end', type: 'TIMESTAMP' },
  { name: 'readings', type: 'BIGINT' },
  { name: 'mean', type: 'DOUBLE' },
];

test('a windowed result: time = window_start, one series per key column, value = the first numeric column', () => {
  assert.deepEqual(chooseChart(COLUMNS, ['sensor', 'window_start', 'window_end']), { time: 'window_start', series: ['sensor'], value: 'readings', mode: 'line' });
  // Without key columns (an append-only sink): the columns before the time column.
  assert.deepEqual(chooseChart(COLUMNS, []), { time: 'window_start', series: ['sensor'], value: 'readings', mode: 'line' });
  const bids = [
    { name: 'auction', type: 'BIGINT' },
    { name: 'window_start', type: 'TIMESTAMP' },
    { name: 'bids', type: 'BIGINT' },
  ];
  assert.deepEqual(chooseChart(bids, []), { time: 'window_start', series: ['auction'], value: 'bids', mode: 'line' });
  // Else the text columns.
  const late = [
    { name: 'window_start', type: 'TIMESTAMP' },
    { name: 'page', type: 'VARCHAR' },
    { name: 'clicks', type: 'BIGINT' },
  ];
  assert.deepEqual(chooseChart(late, []), { time: 'window_start', series: ['page'], value: 'clicks', mode: 'line' });
});

test('nothing to plot without a numeric column, or without both a time column and a key', () => {
  assert.equal(chooseChart([{ name: 'n', type: 'BIGINT' }], []), null);
  assert.equal(chooseChart([{ name: 'sensor', type: 'VARCHAR' }, { name: 'ts', type: 'TIMESTAMP' }], []), null);
  assert.deepEqual(chooseChart([{ name: 'ts', type: 'TIMESTAMP(3)' }, { name: 'v', type: 'DECIMAL(10,2)' }], [])?.value, 'v');
});

test('rows pivot into aligned series in time order, one per key, the latest row per (time, key) winning', () => {
  const rows = [
    ['s1', '2026-01-01T10:00:10.000Z', null, 3, 1.5],
    ['s2', '2026-01-01T10:00:00.000Z', null, 4, 2],
    ['s1', '2026-01-01T10:00:00.000Z', null, 5, 2.5],
    ['s1', '2026-01-01T10:00:10.000Z', null, 6, 1.5],
  ];
  const d = chartData(COLUMNS, rows, { time: 'window_start', series: ['sensor'], value: 'readings', mode: 'line' });
  const t0 = Date.parse('2026-01-01T10:00:00Z') / 1000;
  assert.deepEqual(d.xs, [t0, t0 + 10]);
  assert.deepEqual(d.series, [
    { label: 's1', values: [5, 6] },
    { label: 's2', values: [4, null] },
  ]);
  const byMean = chartData(COLUMNS, rows, { time: 'window_start', series: [], value: 'mean', mode: 'bar' });
  assert.deepEqual(byMean.series, [{ label: 'mean', values: [2.5, 1.5] }]);
});

test('series past the limit are counted, not drawn', () => {
  const rows = Array.from({ length: 25 }, (_, i) => [`s${i}`, '2026-01-01T10:00:00Z', null, i, 0]);
  const d = chartData(COLUMNS, rows, { time: 'window_start', series: ['sensor'], value: 'readings', mode: 'line' }, 20);
  assert.equal(d.series.length, 20);
  assert.equal(d.dropped, 5);
  assert.equal(d.series[2]!.label, 's2', 'numeric-aware order');
});

test('without a time column: one bar per key, the latest value of each (a changelog updated in place)', () => {
  const cols = [
    { name: 'sensor', type: 'VARCHAR' },
    { name: 'readings', type: 'BIGINT' },
    { name: 'max_value', type: 'INT' },
  ];
  const choice = chooseChart(cols, ['sensor']);
  assert.deepEqual(choice, { time: null, series: ['sensor'], value: 'readings', mode: 'bar' });
  const d = chartData(cols, [['s10', 1, 5], ['s2', 4, 9], ['s10', 3, 7]], choice!);
  assert.deepEqual(d.categories, ['s2', 's10']);
  assert.deepEqual(d.xs, [0, 1]);
  assert.deepEqual(d.series, [{ label: 'readings', values: [4, 3] }]);
});
