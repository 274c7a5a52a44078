// Where a job's state lives by default (`--state-dir`, else `.sluice/<job>` beside the .sql
// file). Sizes and durations of the settings are parsed by util/units.ts and catalog/duration.ts.

import * as path from 'node:path';

export function defaultStateDir(sqlFile: string): string {
  const abs = path.resolve(sqlFile);
  return path.join(path.dirname(abs), '.sluice', path.basename(abs).replace(/\.sql$/i, ''));
}
