// How state values become text and back: JSON with NaN, the infinities and -0 kept (plain JSON
// turns them into null and 0). Used by checkpoints and the DuckDB spill tier. The replacer and
// reviver are slow (a call per value), so they only run for values that need them.

const NUM = '$num';

function replacer(_key: string, v: unknown): unknown {
  if (typeof v !== 'number') return v;
  if (!Number.isFinite(v)) return { [NUM]: String(v) };
  return Object.is(v, -0) ? { [NUM]: '-0' } : v;
}

function reviver(_key: string, v: unknown): unknown {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const n = o[NUM];
    if (typeof n === 'string' && Object.keys(o).length === 1) return Number(n);
  }
  return v;
}

/** True when `v` holds a number plain JSON would change (NaN, an infinity, -0). */
function hasSpecialNumber(v: unknown, depth: number): boolean {
  if (typeof v === 'number') return !Number.isFinite(v) || (v === 0 && 1 / v < 0);
  if (typeof v !== 'object' || v === null) return false;
  // Deep values: let the replacer decide rather than recurse without end.
  if (depth > 32) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (hasSpecialNumber(v[i], depth + 1)) return true;
    return false;
  }
  for (const k in v) if (hasSpecialNumber((v as Record<string, unknown>)[k], depth + 1)) return true;
  return false;
}

export function encodeState(value: unknown): string {
  return hasSpecialNumber(value, 0) ? JSON.stringify(value, replacer) : JSON.stringify(value);
}

export function decodeState<T>(text: string): T {
  return (text.includes(NUM) ? JSON.parse(text, reviver) : JSON.parse(text)) as T;
}
