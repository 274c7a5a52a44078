// How Sluice's leaner pieces take the place of kafkajs's own (record-decoder.ts, batch-decoder.ts,
// batch.ts, group-messages.ts): the module's exports replaced in Node's module cache before
// kafkajs loads it (kafkajs takes them from their modules at load time and has no hook). Only
// into kafkajs 2.2.4, whose code they reproduce; any other version, or a module not where it was,
// keeps kafkajs's own.

import { createRequire } from 'node:module';

export const require = createRequire(import.meta.url);

/** The kafkajs release the swapped pieces reproduce (the one package-lock.json holds). */
export const KAFKAJS_VERSION = '2.2.4';

/** kafkajs's own export, and whether the lean one took its place (false: another version, kafkajs loaded first, or the module moved). */
export interface Swap<T> {
  readonly original: T | undefined;
  readonly installed: boolean;
}

/**
 * Replaces the export of kafkajs module `id` (a function or class) by `lean(original)`; `lean`
 * returns undefined when what it needs besides is not there, and kafkajs's own stays.
 */
export function swapKafkajsModule<T>(id: string, lean: (original: T) => unknown): Swap<T> {
  try {
    if ((require('kafkajs/package.json') as { version?: string }).version !== KAFKAJS_VERSION) return { original: undefined, installed: false };
    const original = require(id) as T;
    const cached = require.cache[require.resolve(id)];
    if (cached === undefined || typeof original !== 'function') return { original: undefined, installed: false };
    const replacement = lean(original);
    if (replacement === undefined) return { original: undefined, installed: false };
    cached.exports = replacement;
    return { original, installed: true };
  } catch {
    return { original: undefined, installed: false };
  }
}
