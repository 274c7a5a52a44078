// How state values become text and back: JSON with NaN, the infinities and -0 kept (plain JSON
// turns them into null and 0). Used by checkpoints and the DuckDB spill tier.

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

export function encodeState(value: unknown): string {
  return JSON.stringify(value, replacer);
}

export function decodeState<T>(text: string): T {
  return JSON.parse(text, reviver) as T;
}
