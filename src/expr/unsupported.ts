// Functions a user may know from DuckDB or PostgreSQL that Sluice does not have: a call to one is
// told so plainly, instead of a "did you mean" that points at a different function (MEDIAN is
// not MEAN, MODE is not MOD).

/** What kind of function it is, for the message and the list of what exists instead. */
export type UnsupportedKind = 'aggregate' | 'window' | 'scalar';

const AGGREGATES = [
  'mode', 'quantile', 'quantile_disc', 'percentile_disc',
  'group_concat', 'list',
  'first', 'last', 'any_value', 'count_if',
  'product', 'corr', 'covar_pop', 'covar_samp', 'histogram', 'entropy', 'kurtosis', 'skewness',
];
const WINDOW = ['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'nth_value'];
const SCALAR = ['now', 'current_timestamp', 'current_date', 'random', 'uuid', 'gen_random_uuid'];

const KINDS: ReadonlyMap<string, UnsupportedKind> = new Map([
  ...AGGREGATES.map((n) => [n, 'aggregate'] as const),
  ...WINDOW.map((n) => [n, 'window'] as const),
  ...SCALAR.map((n) => [n, 'scalar'] as const),
]);

/** The kind of a known function Sluice does not support, or undefined. */
export function unsupportedFunction(name: string): UnsupportedKind | undefined {
  return KINDS.get(name.toLowerCase());
}

/** The message and hint for a call to an unsupported function. */
export function unsupportedFunctionMessage(name: string, kind: UnsupportedKind, aggregates: readonly string[]): { message: string; hint: string } {
  const upper = name.toUpperCase();
  switch (kind) {
    case 'aggregate':
      return { message: `${upper}() is not supported yet`, hint: `the aggregates are ${aggregates.map((a) => `${a.toUpperCase()}()`).join(', ')}` };
    case 'window':
      return { message: `window function ${upper}() is not supported yet`, hint: 'the window functions are LAG, LEAD, FIRST_VALUE, LAST_VALUE and SUM/AVG/MIN/MAX/COUNT OVER (PARTITION BY k ORDER BY ts [frame])' };
    case 'scalar':
      return {
        message: `${upper}() is not supported`,
        hint: 'a query over a stream gives the same answer however fast it runs, so it has no wall-clock or random functions; use the event-time column',
      };
  }
}
