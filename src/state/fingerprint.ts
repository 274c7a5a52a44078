// The identity of a job's plan, stored with each checkpoint: a restored state only makes sense
// for the same operators, keys, windows and state tables. Source text positions are ignored, so
// reformatting a file or moving it keeps its checkpoints.

import { createHash } from 'node:crypto';
import type { PhysicalPlan } from '../plan/physical.js';

const IGNORED = new Set(['span', 'sourceText', 'baseDir', 'job']);

export function planFingerprint(plan: PhysicalPlan): string {
  const text = JSON.stringify(plan.nodes, (k, v: unknown) => (IGNORED.has(k) ? undefined : typeof v === 'function' ? '<fn>' : v));
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
