// Request bodies: read up to a size limit (413 past it, without buffering the rest), and parsed
// as JSON with the position of a syntax error (400).

import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/** The API's own requests (SQL texts) are small. */
export const API_MAX_BODY = 1024 * 1024;

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new HttpError(413, `the request body is ${declared} bytes, over the limit of ${limit} bytes`, { hint: 'send smaller requests' }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, `the request body is over the limit of ${limit} bytes`, { hint: 'send smaller requests' }));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

/** Line and column (1-based) of character `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** JSON.parse with a 400 that says where the text went wrong. */
export function parseJson(text: string, what = 'the request body'): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const at = m ? lineColumn(text, Number(m[1])) : undefined;
    throw new HttpError(400, `${what} is not valid JSON: ${msg}`, at ?? {});
  }
}

/** The JSON object body of an API request, with a 415 for another content type. */
export async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== '' && type !== 'application/json') {
    req.resume();
    throw new HttpError(415, `expected Content-Type application/json, got '${type}'`, { hint: 'send JSON with Content-Type: application/json' });
  }
  const text = (await readBody(req, API_MAX_BODY)).toString('utf8');
  if (text.trim() === '') return {};
  const v = parseJson(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'the request body must be a JSON object');
  return v as Record<string, unknown>;
}

/** A required string field of a JSON body. */
export function stringField(body: Record<string, unknown>, name: string, required = true): string | undefined {
  const v = body[name];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, `field '${name}' must be a string`, { hint: `send {"${name}": "..."}` });
  return v;
}
