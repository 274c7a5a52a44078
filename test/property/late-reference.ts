// A deliberately naive, independent statement of which rows are late, for the property tests:
// the oracle compares over the rows the engine admitted, so the admission itself is checked
// here against the rules as written in the README, by brute force over the arrival order:
// the watermark a row sees is the largest event time of the rows before it minus the delay.

export interface RefEvent {
  readonly k: string | null;
  readonly v: number | null;
  readonly d: number | null;
  /** Event time in milliseconds. */
  readonly ms: number;
}

export type RefWindow =
  | { readonly kind: 'tumble'; readonly size: number; readonly offset?: number }
  | { readonly kind: 'hop'; readonly slide: number; readonly size: number; readonly offset?: number }
  | { readonly kind: 'cumulate'; readonly step: number; readonly size: number; readonly offset?: number }
  | { readonly kind: 'session'; readonly gap: number }
  | { readonly kind: 'lag' };

/** Late drops as `seq` (whole row) or `seq@windowStartMs` (one HOP window), sorted. */
export function expectedLate(events: readonly RefEvent[], delayMs: number, window: RefWindow, passes: (e: RefEvent) => boolean, keyed: boolean): string[] {
  const out: string[] = [];
  let maxTs = -Infinity;
  const admitted: Array<{ key: string; ms: number }> = [];
  events.forEach((e, seq) => {
    const wm = maxTs - delayMs; // before this row
    if (e.ms > maxTs) maxTs = e.ms;
    if (!passes(e)) return;
    // Windows start at offset + k * period, whatever the sign of the offset (README, windows).
    const floor = (t: number, s: number, off = 0) => Math.floor((t - off) / s) * s + off;
    switch (window.kind) {
      case 'tumble':
        if (floor(e.ms, window.size, window.offset) + window.size <= wm) out.push(String(seq));
        return;
      case 'cumulate':
        // Late as a whole once its first window (ending at the next step boundary) has closed.
        if (floor(e.ms, window.step, window.offset) + window.step <= wm) out.push(String(seq));
        return;
      case 'hop': {
        for (let s = floor(e.ms, window.slide, window.offset); s > e.ms - window.size; s -= window.slide) {
          if (s + window.size <= wm) out.push(`${seq}@${s}`);
        }
        return;
      }
      case 'lag':
        if (e.ms < wm) out.push(String(seq));
        return;
      case 'session': {
        const key = keyed ? String(e.k) : '';
        const gap = window.gap;
        const times = admitted.filter((a) => a.key === key).map((a) => a.ms).sort((a, b) => a - b);
        const sessions: Array<{ start: number; end: number }> = [];
        for (const t of times) {
          const last = sessions[sessions.length - 1];
          if (last && t - (last.end - gap) < gap) last.end = t + gap;
          else sessions.push({ start: t, end: t + gap });
        }
        const joins = (s: { start: number; end: number }) => e.ms < s.end && e.ms + gap > s.start;
        const intoClosed = sessions.some((s) => s.end <= wm && joins(s));
        const intoOpen = sessions.some((s) => s.end > wm && joins(s));
        if (intoClosed || (e.ms + gap <= wm && !intoOpen)) out.push(String(seq));
        else admitted.push({ key, ms: e.ms });
        return;
      }
    }
  });
  return out.sort();
}
