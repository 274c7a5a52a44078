// Test helpers for the SQL front end: compare ASTs ignoring source positions.

/**
 * A deep copy without spans; an Ident's `quoted` flag is dropped because the printer writes
 * `"value"` as `value` (the same name once unquoted names are lower-cased).
 */
export function stripSpans(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripSpans);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const isIdent = 'name' in node && 'quoted' in node && 'span' in node && Object.keys(node).length === 3;
  for (const [k, v] of Object.entries(node)) {
    if (k === 'span' || k === 'keySpan' || k === 'valueSpan') continue;
    if (isIdent && k === 'quoted') continue;
    out[k] = stripSpans(v);
  }
  return out;
}
