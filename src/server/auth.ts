// The bearer token of `sluice serve --auth-token` (or SLUICE_TOKEN): required on every request
// when set, as `Authorization: Bearer T` or `?token=T` (an EventSource cannot set headers).
// Compared in constant time over digests, so neither the length nor a prefix leaks.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token a request carries, if any. */
export function requestToken(req: IncomingMessage, url: URL): string | undefined {
  const h = req.headers['authorization'];
  if (typeof h === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(h.trim());
    if (m) return m[1];
  }
  return url.searchParams.get('token') ?? undefined;
}

/** Hosts that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
