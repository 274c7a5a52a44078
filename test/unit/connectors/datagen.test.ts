// The datagen source: determinism, counts, schemas, the Nexmark 1/3/46 mix and the rate limit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datagenSource } from '../../../src/connectors/datagen/source.js';
import { NexmarkGenerator, nexmarkEventId, nexmarkKindOf } from '../../../src/connectors/datagen/nexmark.js';
import { compileDecoder } from '../../../src/connectors/format/decode.js';
import { ConnectorError } from '../../../src/connectors/connector.js';
import { collect, sourceDef } from './helpers.js';

const run = async (options: Record<string, string>) => (await collect(datagenSource.open(sourceDef({ connector: 'datagen', ...options })))).records;

test('same seed gives the same records; another seed does not', async () => {
  for (const generator of ['sensors', 'bid', 'auction', 'person']) {
    const a = await run({ generator, count: '500' });
    const b = await run({ generator, count: '500', batch_size: '7' });
    const c = await run({ generator, count: '500', seed: '7' });
    assert.deepEqual(a, b, generator);
    assert.notDeepEqual(a.map((r) => r.value), c.map((r) => r.value), generator);
  }
});

test('count bounds the records; positions are indexes', async () => {
  const reader = datagenSource.open(sourceDef({ generator: 'sensors', count: '10001', batch_size: '1000' }));
  assert.equal(reader.bounded, true);
  const { records, batches } = await collect(reader);
  assert.equal(records.length, 10001);
  assert.deepEqual(batches.slice(-2), [1000, 1]);
  assert.deepEqual(records.map((r) => r.position['index']), records.map((_, i) => i));
  assert.equal(datagenSource.open(sourceDef({ generator: 'bid' })).bounded, false);
  assert.equal((await run({ count: '0' })).length, 0);
});

test('sensors: the tutorial shape, ~4 readings a second, decodable', async () => {
  const schema = datagenSource.defaultSchema!({ generator: 'sensors' })!;
  assert.deepEqual(schema.columns.map((c) => `${c.name} ${c.type.kind}`), ['sensor varchar', 'value int', 'ts timestamp']);
  assert.equal(schema.eventTime, 'ts');
  const records = await run({ count: '4000', sensors: '3' });
  const decode = compileDecoder(schema.columns, 'ts');
  const rows = records.map((r) => {
    const d = decode(r.value);
    assert.ok(Array.isArray(d), 'decoded to a row');
    return d;
  });
  assert.deepEqual(new Set(rows.map((r) => r[0])), new Set(['Sensor1', 'Sensor2', 'Sensor3']));
  assert.ok(rows.every((r) => Number.isInteger(r[1]) && (r[1] as number) >= 0 && (r[1] as number) <= 100));
  const first = rows[0]![2] as number;
  assert.equal(first, Date.UTC(2024, 4, 20, 10) * 1000);
  for (let i = 1; i < rows.length; i++) assert.ok((rows[i]![2] as number) >= (rows[i - 1]![2] as number));
  const perSecond = rows.length / (((rows.at(-1)![2] as number) - first) / 1e6);
  assert.ok(perSecond > 3.5 && perSecond < 4.5, `${perSecond}/s`);
});

test('sensors: disorder keeps events within the bound', async () => {
  const records = await run({ count: '3000', disorder: '2s', start: '2024-01-01T00:00:00Z' });
  let max = -Infinity;
  let outOfOrder = 0;
  for (const r of records) {
    const ts = (r.value as { ts: number }).ts;
    if (ts < max) outOfOrder++;
    assert.ok(ts >= max - 2000 - 500, 'within the disorder bound');
    max = Math.max(max, ts);
  }
  assert.ok(outOfOrder > 100, `${outOfOrder} out-of-order events`);
});

test('nexmark: 1 person, 3 auctions, 46 bids per 50 events, slices of one stream', async () => {
  const counts = { person: 0, auction: 0, bid: 0 };
  for (let id = 0; id < 5000; id++) counts[nexmarkKindOf(id)]++;
  assert.deepEqual(counts, { person: 100, auction: 300, bid: 4600 });
  // The k-th record of each slice is the k-th event of that kind in the stream.
  const seen = { person: 0, auction: 0, bid: 0 };
  for (let id = 0; id < 500; id++) {
    const kind = nexmarkKindOf(id);
    assert.equal(nexmarkEventId(kind, seen[kind]++), id);
  }
  // Over the same stretch of event time the sources yield 46:3:1.
  const horizon = Date.UTC(2024, 4, 20, 10) + 500; // 5000 events at 10000/s
  const within = async (generator: string) =>
    (await run({ generator, count: '6000' })).filter((r) => ((r.value as { date_time: number }).date_time) < horizon).length;
  assert.deepEqual([await within('person'), await within('auction'), await within('bid')], [100, 300, 4600]);
});

test('nexmark: ids, schemas and values follow the model', async () => {
  const persons = (await run({ generator: 'person', count: '20' })).map((r) => r.value as Record<string, unknown>);
  const auctions = (await run({ generator: 'auction', count: '300' })).map((r) => r.value as Record<string, unknown>);
  const bids = (await run({ generator: 'bid', count: '5000' })).map((r) => r.value as Record<string, unknown>);
  assert.deepEqual(persons.map((p) => p['id']), persons.map((_, i) => 1000 + i));
  assert.deepEqual(auctions.map((a) => a['id']), auctions.map((_, i) => 1000 + i));
  for (const kind of ['person', 'auction', 'bid'] as const) {
    const schema = datagenSource.defaultSchema!({ generator: kind })!;
    assert.equal(schema.eventTime, 'date_time');
    const decode = compileDecoder(schema.columns, 'date_time');
    const sample = kind === 'person' ? persons : kind === 'auction' ? auctions : bids;
    for (const v of sample) assert.ok(Array.isArray(decode(v)), `${kind} decodes`);
    assert.deepEqual(Object.keys(sample[0]!), schema.columns.map((c) => c.name));
  }
  for (const a of auctions) {
    assert.ok((a['expires'] as number) > (a['date_time'] as number));
    assert.ok((a['reserve'] as number) >= (a['initial_bid'] as number));
    assert.ok((a['category'] as number) >= 10 && (a['category'] as number) < 15);
  }
  // Hot auctions: about half the bids go to a multiple-of-100 (base 0) auction.
  const hot = bids.filter((b) => ((b['auction'] as number) - 1000) % 100 === 0).length;
  assert.ok(hot > 2000 && hot < 3200, `${hot} hot bids`);
  const channels = new Set(bids.map((b) => b['channel']));
  for (const c of ['Google', 'Facebook', 'Baidu', 'Apple']) assert.ok(channels.has(c));
  assert.ok(bids.every((b) => (b['price'] as number) >= 100 && (b['price'] as number) <= 100_000_000));
  // Sizes as Nexmark's generator: a bid's extra fills its 32 bytes of numbers to about 100 (68 characters on average).
  const extraLength = bids.reduce((n, b) => n + (b['extra'] as string).length, 0) / bids.length;
  assert.ok(extraLength > 60 && extraLength < 76, `bid extra averages ${extraLength} characters`);
  // Event time: 10000 events/s -> bid k sits at event id nexmarkEventId('bid', k) / 10 ms.
  const start = Date.UTC(2024, 4, 20, 10);
  bids.forEach((b, k) => assert.equal(b['date_time'], start + Math.floor(nexmarkEventId('bid', k) / 10)));
  // Random access equals sequential generation.
  const g = new NexmarkGenerator({ seed: 42, startMs: start, firstEventRate: 10_000, disorderMs: 0 });
  assert.deepEqual(g.event(nexmarkEventId('bid', 4321)), bids[4321]);
});

test('the rate limit holds roughly', async () => {
  const t0 = performance.now();
  const records = await run({ count: '60', rate: '200' });
  const ms = performance.now() - t0;
  assert.equal(records.length, 60);
  assert.ok(ms >= 200, `60 records at 200/s took ${ms} ms`);
  assert.ok(ms < 5000, `took ${ms} ms`);
});

test('an unbounded stream stops on abort', async () => {
  const reader = datagenSource.open(sourceDef({ generator: 'bid', batch_size: '100' }));
  const ac = new AbortController();
  let n = 0;
  await reader.run((b) => {
    n += b.length;
    if (n >= 1000) ac.abort();
  }, ac.signal);
  assert.equal(n, 1000);
});

test('bad options are ConnectorErrors naming the option', () => {
  for (const [option, value] of [
    ['generator', 'nope'],
    ['count', '-1'],
    ['rate', '0'],
    ['start', 'tomorrow'],
    ['disorder', 'soon'],
    ['sensors', '0'],
  ] as const) {
    assert.throws(() => datagenSource.open(sourceDef({ [option]: value })), (e: unknown) => e instanceof ConnectorError && e.option === option, option);
  }
});
