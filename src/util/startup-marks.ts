// Start-up timeline for measuring (SLUICE_STARTUP_MARKS=1): each named step's first occurrence,
// in ms since the process started (before bin/sluice.js's execve), on stderr. One-shot marks
// on the start-up path only, never per record; off, a mark is one property read.

const on = process.env['SLUICE_STARTUP_MARKS'] === '1';
const seen = new Set<string>();
const before = Number(process.env['SLUICE_STARTED_AT']);
const origin = Number.isFinite(before) && before > 0 ? before : performance.timeOrigin;

/** Prints `name` with the time since process start, the first time it is reached. */
export function startupMark(name: string): void {
  if (!on || seen.has(name)) return;
  seen.add(name);
  process.stderr.write(`startup-mark ${name} ${(performance.timeOrigin + performance.now() - origin).toFixed(1)}\n`);
}
