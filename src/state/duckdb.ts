// DuckDB, loaded on first use (its module takes ~0.1 s to load): `sluice explain`, the REPL's
// file queries and jobs without checkpoints or a state budget never load it, and `sluice run`
// loads it while its Kafka connections are being made (cli/run.ts).

import type * as DuckDB from '@duckdb/node-api';
import { startupMark } from '../util/startup-marks.js';

let loaded: typeof DuckDB | undefined;

/** The DuckDB module, imported on the first call. */
export async function loadDuckDB(): Promise<typeof DuckDB> {
  startupMark('duckdb load starts');
  loaded ??= await import('@duckdb/node-api');
  startupMark('duckdb loaded');
  return loaded;
}

/** The DuckDB module, for code that runs only once a store is open (so loadDuckDB has resolved). */
export function duckdb(): typeof DuckDB {
  if (loaded === undefined) throw new Error('DuckDB was used before a state store loaded it (state/duckdb.ts loadDuckDB)');
  return loaded;
}
