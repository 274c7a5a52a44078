// Sessions over small bounded or rate-limited generated sources, without the demo catalog and
// without touching the user's history file.

import { Session } from '../../src/repl/session.js';
import type { Output } from '../../src/repl/output.js';

export const BOUNDED = "CREATE SOURCE s WITH (connector = 'datagen', generator = 'sensors', count = 400, disorder = '800ms');";
export const SLOW = "CREATE SOURCE slow WITH (connector = 'datagen', generator = 'sensors', rate = 200, disorder = '800ms');";

export function session(...ddl: string[]): Session {
  const s = new Session({ demo: false });
  for (const d of ddl) {
    const outs = s.runScript(d, undefined);
    const err = outs.find((o) => o.tone === 'error');
    if (err) throw new Error(err.text);
  }
  return s;
}

export function text(outs: readonly Output[]): string {
  return outs.map((o) => o.text).join('\n');
}

export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
