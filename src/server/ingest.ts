// POST /ingest/...: records for a running `http` source (connectors/http). One JSON object, a
// JSON array of them (application/json) or JSON lines (application/x-ndjson); 200 when all were
// accepted, 207 when some were rejected (each also goes to the source's dead letters), 400 when
// none was or the body is malformed, 413 over the source's size limit, 415 for another content
// type, 404 when no running job declares the path (or its job stopped before it read a request
// that waited for it), 503 with Retry-After when its queue is full.

import type { IncomingMessage } from 'node:http';
import { ingestEndpoint } from '../connectors/http/endpoints.js';
import { HttpError } from './errors.js';
import { parseJson, readBody } from './body.js';
import type { Reply } from './router.js';

const TYPES = ['application/json', 'application/x-ndjson', 'application/jsonl', 'application/json-seq'];

export async function ingest(req: IncomingMessage, pathname: string): Promise<Reply> {
  const endpoint = ingestEndpoint(pathname);
  if (!endpoint) {
    req.resume();
    throw new HttpError(404, `no running job takes records at ${pathname}`, { hint: "a job with CREATE SOURCE ... WITH (connector = 'http', path = '" + pathname + "') must be running" });
  }
  if (req.method !== 'POST') {
    req.resume();
    throw new HttpError(405, `${req.method} is not allowed on ${pathname}; POST records to it`, {}, { allow: 'POST' });
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!TYPES.includes(type)) {
    req.resume();
    throw new HttpError(415, `expected Content-Type application/json (one object or an array) or application/x-ndjson (JSON lines), got '${type || 'none'}'`, {
      hint: "curl -H 'Content-Type: application/json' -d '{...}'",
    });
  }
  const text = (await readBody(req, endpoint.maxBodyBytes)).toString('utf8');
  let values: unknown[];
  if (type === 'application/json') {
    if (text.trim() === '') throw new HttpError(400, 'the request body is empty; send one JSON object or an array of them');
    const v = parseJson(text);
    values = Array.isArray(v) ? v : [v];
  } else {
    // JSON lines: each line is one record, decoded (and rejected) as a file source's line is.
    values = text.split('\n').map((l) => l.replace(/\r$/, ''));
    if (values.length > 0 && values[values.length - 1] === '') values.pop();
  }
  if (values.length === 0) throw new HttpError(400, 'the request holds no records');
  const result = await endpoint.offer(values);
  if (result === 'stopped') throw new HttpError(404, `the job taking records at ${pathname} stopped before it read them`, { hint: 'GET /api/jobs shows its status and error' });
  if (result === 'full') {
    throw new HttpError(503, `the in-memory queue of source '${endpoint.source}' is full; retry shortly`, { hint: "the job is behind its input; back the source with a Kafka topic (topic = '...') to buffer more" }, { 'retry-after': '1' });
  }
  const status = result.rejected.length === 0 ? 200 : result.accepted === 0 ? 400 : 207;
  if (status === 400) return { status, json: { error: { message: `none of the ${result.rejected.length} records was accepted; the first: record ${result.rejected[0]!.index}: ${result.rejected[0]!.reason}` }, accepted: 0, rejected: result.rejected } };
  return { status, json: { accepted: result.accepted, rejected: result.rejected } };
}
