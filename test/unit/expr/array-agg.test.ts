// ARRAY_AGG's VARCHAR is DuckDB's CAST(to_json(array_agg(x)) AS VARCHAR), element by element:
// strings with escapes, doubles (whole, tiny, huge, -0, NaN), timestamps with fractions. (NUL
// is left out of the random strings: a DuckDB string literal cannot hold it.)

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { T, type SqlType, type Value } from '../../../src/catalog/types.js';
import { jsonElement } from '../../../src/expr/aggregates/collect.js';
import { duck, duckRows, sqlLiteral } from './support.js';

after(async () => (await duck()).closeSync());

async function same(values: readonly Value[], type: SqlType): Promise<void> {
  const list = values.map((v) => sqlLiteral(v, type)).join(', ');
  const [[want]] = (await duckRows(`SELECT CAST(to_json([${list}]) AS VARCHAR)`)) as [[string]];
  assert.equal(`[${values.map((v) => jsonElement(v, type)).join(',')}]`, want);
}

test('ARRAY_AGG elements render as DuckDB to_json', async () => {
  await same(['é', '\u2028', '😀', 'a/b', '\x7f', '\x1f', '\\', '"', '\\u001f', '\n\t\b\f\r'], T.varchar);
  await same([1, -0, 0.1, 1e21, 1e-7, 123456789012, 2.5, NaN, null], T.double);
  await same([0, 1_500_000, 1716199200123456, -1, null], T.timestamp);
  await same([true, false, null], T.boolean);
  await same([1, -2147483648, null], T.int);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.string({ unit: 'binary', maxLength: 6 }).filter((x) => !x.includes('\0')), { minLength: 1, maxLength: 5 }), (xs) => same(xs, T.varchar)),
    { numRuns: 100 },
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 5 }), (xs) => same(xs, T.double)),
    { numRuns: 100 },
  );
});
