// Sizes in text: `256MB` to bytes and bytes to `256.0 MB` (budgets, checkpoint and state sizes).

const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1 << 10, k: 1 << 10, mb: 1 << 20, m: 1 << 20, gb: 1 << 30, g: 1 << 30 };

/** `256MB`, `1.5GB`, `64kb`, `1000` (bytes) -> bytes, or undefined when not a size. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit);
}

/** Bytes as text: `512 B`, `1.5 KB`, `256.0 MB`, `1.25 GB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MB`;
  return `${(n / (1 << 30)).toFixed(2)} GB`;
}
