// Watermarks and timestamps as the server may send them (ISO text, epoch ms or epoch µs), turned
// into epoch milliseconds, and short human formats for the page. Pure and DOM-free.

import type { WatermarkValue } from '../api-types.js';

/** Epoch milliseconds, or null for no value. Numbers past year 5000 in ms are taken as µs. */
export function toMillis(v: WatermarkValue | undefined): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    return Math.abs(v) > 1e14 ? v / 1000 : v;
  }
  const s = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v) ? `${v.replace(' ', 'T')}Z` : v;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
}

/** Time of day (UTC, as the engine prints timestamps) when today, else the full date-time. */
export function formatTime(ms: number | null, now = Date.now()): string {
  if (ms === null) return '—';
  const iso = new Date(ms).toISOString();
  const sameDay = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return (sameDay ? iso.slice(11, 23) : iso.slice(0, 23).replace('T', ' ')).replace(/\.000$/, '');
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n < 10) return n.toFixed(1);
  if (n < 10_000) return String(Math.round(n));
  return `${(n / 1000).toFixed(1)}k`;
}
