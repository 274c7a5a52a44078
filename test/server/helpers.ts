// Helpers of the server tests: a `sluice serve` server in this process on an ephemeral port with
// a temporary state directory, JSON requests, and a Server-Sent Events reader.

import * as http from 'node:http';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer, type RunningServer } from '../../src/server/server.js';

export interface TestServer {
  readonly base: string;
  readonly server: RunningServer;
  readonly dir: string;
  close(): Promise<void>;
}

/** A server on a new temporary folder (removed by close()), or on `dir` (kept: to start another server on its state). */
export async function serve(options: { token?: string; files?: string[]; dir?: string } = {}): Promise<TestServer> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-serve-'));
  const server = await startServer({ port: 0, host: '127.0.0.1', token: options.token, stateDir: path.join(dir, 'state'), files: options.files ?? [] });
  return {
    base: `http://127.0.0.1:${server.port}`,
    server,
    dir,
    close: async () => {
      await server.close();
      if (options.dir === undefined) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Response {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/** One request; `body` as an object is sent as JSON, a string as it is. */
export function request(base: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}, agent?: http.Agent): Promise<Response> {
  const data = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const h: Record<string, string> = { ...(data !== undefined && typeof body === 'object' && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {}), ...headers };
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${url}`, { method, headers: h, ...(agent ? { agent } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

export interface SseEvent {
  readonly event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly data: any;
}

/** An open event stream: the events so far, a wait for one that matches, and close(). */
export interface EventStream {
  readonly events: SseEvent[];
  readonly status: number;
  until(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export function events(base: string, url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${url}`, { headers }, (res) => {
      const list: SseEvent[] = [];
      const waiters: Array<() => void> = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let cut;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(block)?.[1];
          list.push({ event, data: data === undefined ? undefined : JSON.parse(data) });
          for (const w of waiters.splice(0)) w();
        }
      });
      res.on('error', () => {});
      resolve({
        events: list,
        status: res.statusCode ?? 0,
        until: async (match, timeoutMs = 20_000) => {
          const t0 = Date.now();
          for (;;) {
            const hit = list.find(match);
            if (hit) return hit;
            if (Date.now() - t0 > timeoutMs) throw new Error(`no matching event within ${timeoutMs} ms; got: ${list.map((e) => e.event).join(', ')}`);
            await new Promise<void>((r) => {
              waiters.push(r);
              setTimeout(r, 200);
            });
          }
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

/** Polls `f` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(f: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** POSTs to an ingest path, once: a job's path takes requests from the moment the job is accepted (no retry on 404). */
export function ingest(base: string, pathName: string, body: string, type = 'application/json'): Promise<Response> {
  return request(base, 'POST', pathName, body, { 'content-type': type });
}
