// The console page: files of dist/console/ (the bundle `npm run build` makes from the console's
// sources) at / and /assets/*. Without that directory, / answers a page saying so.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { HttpError } from './errors.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** dist/console beside dist/src/server (this file's compiled home). */
export function consoleDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'console');
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Sluice</title>
<h1>Sluice</h1><p>The console bundle is not built (no dist/console/). Run <code>npm run build</code>
from the repository root, then reload. The HTTP API works meanwhile: <a href="/api/openapi.json">/api/openapi.json</a>.</p>\n`;

export function serveStatic(res: ServerResponse, rel: string, head: boolean): void {
  const root = consoleDir();
  const name = rel === '' || rel === '/' ? 'index.html' : rel.replace(/^\/+/, '');
  const file = path.resolve(root, name);
  if (!file.startsWith(root + path.sep)) throw new HttpError(404, 'no such file');
  let body: Buffer;
  try {
    body = fs.readFileSync(file);
  } catch {
    if (name === 'index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(head ? undefined : NOT_BUILT);
      return;
    }
    throw new HttpError(404, `no such file: /${name}`);
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-cache' });
  res.end(head ? undefined : body);
}
