// `sluice serve`'s HTTP server on node:http: the token check, the routes (API, ingest, the
// console's files), JSON replies and errors. Jobs live in the JobManager; closing the server
// stops every job cleanly (a final checkpoint each).

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router, type Reply } from './router.js';
import { HttpError } from './errors.js';
import { JobManager } from './job-manager.js';
import { isLoopback, requestToken, tokenMatches } from './auth.js';
import { catalogRoutes } from './routes-catalog.js';
import { jobRoutes } from './routes-jobs.js';
import { ingest } from './ingest.js';
import { serveStatic } from './static.js';
import { OPENAPI } from './openapi.js';
import { log } from '../util/log.js';
import { markIngestServed } from '../connectors/http/endpoints.js';

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly token: string | undefined;
  readonly stateDir: string;
  /** .sql files to run at start-up. */
  readonly files?: readonly string[];
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly jobs: JobManager;
  /** Stops every job (final checkpoints) and the server. */
  close(): Promise<void>;
}

export class ServeError extends Error {}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  if (!isLoopback(o.host) && (o.token === undefined || o.token === '')) {
    throw new ServeError(`binding to ${o.host} makes the console reachable from other machines; give --auth-token TOKEN (or set SLUICE_TOKEN) to require it on every request, or bind to 127.0.0.1`);
  }
  markIngestServed();
  const jobs = new JobManager(o.stateDir);
  for (const f of o.files ?? []) jobs.submitFile(f);
  const router = new Router();
  router.add('GET', '/api/openapi.json', () => ({ json: OPENAPI }));
  catalogRoutes(router, jobs);
  jobRoutes(router, jobs);

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => fail(res, e));
  });
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (o.token !== undefined && o.token !== '' && !tokenMatches(requestToken(req, url), o.token)) {
      req.resume();
      throw new HttpError(401, 'this server requires a token', { hint: 'send Authorization: Bearer TOKEN, or ?token=TOKEN' }, { 'www-authenticate': 'Bearer' });
    }
    const method = req.method ?? 'GET';
    const pathname = url.pathname;
    let reply: Reply;
    if (pathname.startsWith('/ingest/')) reply = await ingest(req, pathname);
    else if (!pathname.startsWith('/api/') && (method === 'GET' || method === 'HEAD')) {
      serveStatic(res, pathname === '/' ? '' : pathname.startsWith('/assets/') ? pathname : pathname, method === 'HEAD');
      return;
    } else {
      const { handler, params } = router.match(method, pathname);
      reply = await handler({ req, res, url, params });
    }
    if (reply === 'handled') return;
    const body = JSON.stringify(reply.json);
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...reply.headers });
    res.end(method === 'HEAD' ? undefined : body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostText = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${hostText === '0.0.0.0' ? '127.0.0.1' : hostText}:${port}/`,
    port,
    jobs,
    close: async () => {
      await jobs.stopAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function fail(res: http.ServerResponse, e: unknown): void {
  const err =
    e instanceof HttpError
      ? e
      : (() => {
          log.error(`sluice serve: ${(e as Error).message}`, { event: 'http-error' });
          return new HttpError(500, `internal error: ${(e as Error).message}`);
        })();
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(err.body());
  res.writeHead(err.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...err.headers });
  res.end(body);
}
