// The live data of one served job for Server-Sent Events clients: each sink's last rows (for the
// snapshot a new client gets first), the last late rows and dead letters, and the clients to
// send each event to. Rows are coalesced and sent every ROWS_EVERY_MS; a client whose socket
// buffer outgrows MAX_CLIENT_BUFFER (it does not read) is dropped, so a slow page never holds
// memory or the job back. A disconnected client is forgotten; the job never notices.

import type { ServerResponse } from 'node:http';

/** Rows kept per sink for the snapshot; late rows and dead letters kept per job. */
export const KEEP_ROWS = 1000;
export const KEEP_SIDE = 1000;
const ROWS_EVERY_MS = 100;
const MAX_CLIENT_BUFFER = 8 * 1024 * 1024;

/** One row as JSON text (`[v, ...]`) with its changelog op. */
interface HeldRow {
  readonly op: string;
  readonly json: string;
}

class Ring<T> {
  private items: T[] = [];
  constructor(private readonly limit: number) {}
  push(x: T): void {
    this.items.push(x);
    if (this.items.length > this.limit * 2) this.items = this.items.slice(-this.limit);
  }
  last(n = this.limit): T[] {
    return this.items.slice(-Math.min(n, this.limit));
  }
}

export class Hub {
  private readonly clients = new Set<ServerResponse>();
  private readonly rows = new Map<string, Ring<HeldRow>>();
  private readonly totals = new Map<string, number>();
  private readonly pending = new Map<string, HeldRow[]>();
  readonly late = new Ring<Record<string, unknown>>(KEEP_SIDE);
  readonly deadLetters = new Ring<Record<string, unknown>>(KEEP_SIDE);
  private timer: NodeJS.Timeout | undefined;

  get clientCount(): number {
    return this.clients.size;
  }

  /** Rows a sink wrote (JSON texts of value arrays), sent to clients within ROWS_EVERY_MS. */
  rowsOut(sink: string, ops: readonly string[], json: readonly string[]): void {
    let ring = this.rows.get(sink);
    if (!ring) this.rows.set(sink, (ring = new Ring(KEEP_ROWS)));
    let p = this.pending.get(sink);
    if (!p) this.pending.set(sink, (p = []));
    for (let i = 0; i < json.length; i++) {
      const r = { op: ops[i]!, json: json[i]! };
      ring.push(r);
      if (this.clients.size > 0) p.push(r);
    }
    this.totals.set(sink, (this.totals.get(sink) ?? 0) + json.length);
    if (this.clients.size > 0) this.timer ??= setTimeout(() => this.flushRows(), ROWS_EVERY_MS);
  }

  /** Sends an event to every client now. */
  send(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A new client: the snapshot of every sink, then live events until it goes. */
  attach(res: ServerResponse, sinks: readonly string[], extra: Record<string, unknown>): void {
    this.flushRows();
    const snapshot = sinks.map((s) => {
      const held = this.rows.get(s)?.last() ?? [];
      return `{"sink":${JSON.stringify(s)},"total":${this.totals.get(s) ?? 0},"ops":${JSON.stringify(held.map((r) => r.op))},"rows":[${held.map((r) => r.json).join(',')}]}`;
    });
    res.write(`event: snapshot\ndata: {"sinks":[${snapshot.join(',')}],${JSON.stringify(extra).slice(1, -1)}}\n\n`);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  /** Ends every client's stream (after an `end` event). */
  closeAll(): void {
    this.flushRows();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  private flushRows(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const [sink, p] of this.pending) {
      if (p.length === 0) continue;
      this.write(`event: rows\ndata: {"sink":${JSON.stringify(sink)},"ops":${JSON.stringify(p.map((r) => r.op))},"rows":[${p.map((r) => r.json).join(',')}]}\n\n`);
      this.pending.set(sink, []);
    }
  }

  private write(text: string): void {
    for (const c of this.clients) {
      if (c.writableLength > MAX_CLIENT_BUFFER) {
        this.clients.delete(c);
        c.destroy();
        continue;
      }
      c.write(text);
    }
  }
}
