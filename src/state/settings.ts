// A job's state settings, from the command line or `SET` statements in its file: where state
// lives (`--state-dir`, default `.sluice/<job>` beside the .sql file), how often to checkpoint
// (`checkpoint_interval`) and the memory budget (`state_memory`).

import * as path from 'node:path';
import { parseDuration } from '../catalog/duration.js';

const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1 << 10, k: 1 << 10, mb: 1 << 20, m: 1 << 20, gb: 1 << 30, g: 1 << 30 };

/** `256MB`, `1.5GB`, `64kb`, `1000` (bytes) -> bytes, or undefined when not a size. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit);
}

/** `500ms`, `10s`, `INTERVAL '1' MINUTE`-style text accepted by parseDuration -> milliseconds. */
export function parseIntervalMs(text: string): number | undefined {
  const us = parseDuration(text);
  return us === undefined || us < 0 ? undefined : us / 1000;
}

export function defaultStateDir(sqlFile: string): string {
  const abs = path.resolve(sqlFile);
  return path.join(path.dirname(abs), '.sluice', path.basename(abs).replace(/\.sql$/i, ''));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MB`;
  return `${(n / (1 << 30)).toFixed(2)} GB`;
}
