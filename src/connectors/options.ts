// Parsing and checking of connector WITH options (all strings): each bad value becomes a
// ConnectorError naming the option, with a hint showing a valid spelling.

import * as path from 'node:path';
import { ConnectorError } from './connector.js';

type Options = Readonly<Record<string, string>>;

export function stringOption(options: Options, name: string, fallback: string): string {
  return options[name] ?? fallback;
}

export function requiredOption(options: Options, name: string, example: string): string {
  const v = options[name];
  if (v === undefined || v === '') throw new ConnectorError(`option '${name}' is required`, name, `add ${name} = '${example}'`);
  return v;
}

export function choiceOption<C extends string>(options: Options, name: string, choices: readonly C[], fallback: C): C {
  const v = options[name];
  if (v === undefined) return fallback;
  const lower = v.toLowerCase();
  const hit = choices.find((c) => c === lower);
  if (hit === undefined) {
    throw new ConnectorError(`option '${name}' must be one of ${choices.map((c) => `'${c}'`).join(', ')}, not '${v}'`, name, `${name} = '${choices[0]}'`);
  }
  return hit;
}

export function boolOption(options: Options, name: string, fallback: boolean): boolean {
  const v = options[name];
  if (v === undefined) return fallback;
  const lower = v.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new ConnectorError(`option '${name}' must be 'true' or 'false', not '${v}'`, name, `${name} = 'true'`);
}

/** A whole number in [min, max]; `fallback` when absent (undefined keeps it optional). */
export function intOption<F extends number | undefined>(options: Options, name: string, fallback: F, min: number, max = Number.MAX_SAFE_INTEGER): number | F {
  const v = options[name];
  if (v === undefined) return fallback;
  const n = Number(v.trim().replace(/_/g, ''));
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConnectorError(`option '${name}' must be a whole number of at least ${min}, not '${v}'`, name, `${name} = '${Math.max(min, 1)}'`);
  }
  return n;
}

/** A positive finite number; undefined when absent. */
export function positiveNumberOption(options: Options, name: string): number | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  const n = Number(v.trim().replace(/_/g, ''));
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new ConnectorError(`option '${name}' must be a positive number, not '${v}'`, name, `${name} = '1000'`);
  }
  return n;
}

/** A path option resolved against the script's directory. */
export function resolvePath(baseDir: string, p: string): string {
  return path.resolve(baseDir, p);
}
