// Durations: `500ms`, `10s`, `5m`, `1h`, `1d` literals and option values, in microseconds.

const UNIT_MICROS: Readonly<Record<string, number>> = {
  us: 1,
  ms: 1_000,
  millisecond: 1_000,
  milliseconds: 1_000,
  s: 1_000_000,
  sec: 1_000_000,
  second: 1_000_000,
  seconds: 1_000_000,
  m: 60_000_000,
  min: 60_000_000,
  minute: 60_000_000,
  minutes: 60_000_000,
  h: 3_600_000_000,
  hour: 3_600_000_000,
  hours: 3_600_000_000,
  d: 86_400_000_000,
  day: 86_400_000_000,
  days: 86_400_000_000,
};

export const DURATION_UNITS = Object.keys(UNIT_MICROS);

/**
 * The longest duration Sluice accepts: 36,500 days (100 years). Durations are microseconds in
 * JS numbers, added to timestamps (also micros); within this bound a timestamp plus a duration
 * stays an exact integer (below 2^53 µs, year 2255), beyond it window math would round.
 */
export const MAX_DURATION_MICROS = 36_500 * 86_400_000_000;
export const MAX_DURATION_TEXT = '36500d (100 years)';

/** Micros per unit for a unit name (case-insensitive), or undefined. */
export function unitMicros(unit: string): number | undefined {
  return UNIT_MICROS[unit.toLowerCase()];
}

/**
 * `'10s'`, `'500 ms'`, `'1 second'`, `'2.5s'` -> micros; undefined when not a duration or longer
 * than MAX_DURATION_MICROS (durationTooLong tells which).
 */
export function parseDuration(text: string): number | undefined {
  const us = readDuration(text);
  return us === undefined || us > MAX_DURATION_MICROS ? undefined : us;
}

/** Whether `text` is written as a duration but is longer than MAX_DURATION_MICROS. */
export function durationTooLong(text: string): boolean {
  const us = readDuration(text);
  return us !== undefined && us > MAX_DURATION_MICROS;
}

function readDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/.exec(text);
  if (!m) return undefined;
  const per = unitMicros(m[2]!);
  if (per === undefined) return undefined;
  return Math.round(Number(m[1]) * per);
}

/** Shortest exact spelling: 10000000 -> '10s', 90000000 -> '90s', 1500 -> '1500us'. */
export function formatDuration(micros: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000_000],
    ['h', 3_600_000_000],
    ['m', 60_000_000],
    ['s', 1_000_000],
    ['ms', 1_000],
  ];
  for (const [u, per] of units) {
    if (micros !== 0 && micros % per === 0) return `${micros / per}${u}`;
  }
  return `${micros}us`;
}

/** `500ms`, `10s`, `INTERVAL '1' MINUTE`-style text accepted by parseDuration -> milliseconds. */
export function parseIntervalMs(text: string): number | undefined {
  const us = parseDuration(text);
  return us === undefined || us < 0 ? undefined : us / 1000;
}
