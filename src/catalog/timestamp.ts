// TIMESTAMP text and numbers: parsing JSON/CSV input and formatting output as ISO-8601 UTC.
// (Stub signatures: implemented by the connectors work.)

/**
 * ISO-8601 with `T` or a space, optional fraction up to microseconds, optional zone (`Z`,
 * `+02:00`, `+0200`; none means UTC), or a date alone; a number is epoch milliseconds.
 * Returns epoch microseconds, or undefined when the input is not a timestamp.
 */
export function parseTimestamp(_v: string | number): number | undefined {
  throw new Error('not implemented');
}

/** `2024-05-20T10:00:00.123Z` (always milliseconds; six fraction digits when there are micros: `...00.123456Z`). */
export function formatTimestamp(_micros: number): string {
  throw new Error('not implemented');
}
