// A small router: method and path pattern (`/api/jobs/:id`) to a handler that returns a JSON
// reply (or writes the response itself, for streams and files). Unknown paths are 404 and a
// known path with another method 405, both as JSON errors.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './errors.js';

export interface Ctx {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
}

/** A JSON reply, or 'handled' when the handler wrote the response itself. */
export type Reply = { readonly status?: number; readonly json: unknown; readonly headers?: Readonly<Record<string, string>> } | 'handled';
export type Handler = (c: Ctx) => Reply | Promise<Reply>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((part) => {
        if (part.startsWith(':')) {
          names.push(part.slice(1));
          return '([^/]+)';
        }
        if (part === '*') {
          names.push('rest');
          return '(.*)';
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  /** The handler and parameters for a request; throws 404 or 405. */
  match(method: string, pathname: string): { handler: Handler; params: Record<string, string> } {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(pathname);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method && !(r.method === 'GET' && method === 'HEAD')) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { handler: r.handler, params };
    }
    if (pathMatched) throw new HttpError(405, `${method} is not allowed on ${pathname}`);
    throw new HttpError(404, `no such endpoint: ${method} ${pathname}`, { hint: 'GET /api/openapi.json describes the API' });
  }
}
