// Sessions over small bounded or rate-limited generated sources, without the demo catalog and
// without touching the user's history file.

import { Session } from '../../src/repl/session.js';
import type { Output } from '../../src/repl/output.js';
import { parseScript } from '../../src/sql/index.js';
import { applyDdl } from '../../src/plan/ddl.js';

export const BOUNDED = "CREATE SOURCE s WITH (connector = 'datagen', generator = 'sensors', count = 400, disorder = '800ms');";
export const SLOW = "CREATE SOURCE slow WITH (connector = 'datagen', generator = 'sensors', rate = 200, disorder = '800ms');";

export function session(...ddl: string[]): Session {
  const s = new Session({ demo: false });
  // Sources and views only: applied directly, so the session is ready on return.
  for (const d of ddl) for (const st of parseScript(d).statements) applyDdl(s.catalog, st.statement, { text: d, baseDir: process.cwd() });
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
