// Loads a .sql file: parses it and applies its DDL to a fresh catalog. Paths in the file are
// resolved relative to the file's directory.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Catalog } from '../catalog/catalog.js';
import { parseScript } from '../sql/index.js';
import { SqlError } from '../sql/diagnostics.js';
import { applyDdl } from '../plan/ddl.js';
import type { Statement } from '../sql/ast.js';
import { UsageError } from './errors.js';
import type { SinkDef } from '../catalog/catalog.js';
import { planSinks } from '../plan/job.js';
import type { PlanOptions } from '../plan/builder.js';
import type { PhysicalPlan } from '../plan/physical.js';

export interface LoadedScript {
  readonly file: string;
  readonly text: string;
  readonly catalog: Catalog;
  /** Statements that are not DDL (bare queries, EXPLAIN, SHOW ...), in order. */
  readonly other: readonly Statement[];
}

export function loadScriptFile(file: string): LoadedScript {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return loadScriptText(text, file, path.dirname(path.resolve(file)));
}

export function loadScriptText(text: string, file: string | undefined, baseDir: string, catalog = new Catalog()): LoadedScript {
  const other: Statement[] = [];
  try {
    const script = parseScript(text, file);
    for (const s of script.statements) {
      const job = file === undefined ? undefined : path.basename(file).replace(/\.sql$/i, '');
      if (!applyDdl(catalog, s.statement, { text, baseDir, ...(job ? { job } : {}) })) other.push(s.statement);
    }
  } catch (e) {
    if (e instanceof SqlError) throw file ? e.withFile(file) : e;
    throw e;
  }
  return { file: file ?? '<input>', text, catalog, other };
}

/** Plans a script's sinks, reporting diagnostics against the script's file. */
export function planScript(s: LoadedScript, sinks: readonly SinkDef[], options: PlanOptions): PhysicalPlan {
  try {
    return planSinks(s.catalog, sinks, options);
  } catch (e) {
    if (e instanceof SqlError && e.file === undefined) throw e.withFile(s.file);
    throw e;
  }
}
