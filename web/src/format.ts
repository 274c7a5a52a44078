// Cell and side-row formatting shared by the page's tables.

export function cell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
  if (typeof v === 'string') return v.replace(/^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(\.\d+)?)Z$/, '$1 $2').replace(/\.000$/, '');
  return JSON.stringify(v);
}

export function position(p: unknown): string {
  if (p === null || p === undefined) return '';
  if (typeof p === 'string' || typeof p === 'number') return String(p);
  if (typeof p === 'object') {
    return Object.entries(p as Record<string, unknown>)
      .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', ');
  }
  return String(p);
}

export function errorText(e: unknown): string {
  if (e === null || e === undefined) return '';
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}
