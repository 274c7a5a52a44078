// /api/jobs: list, submit, read, stop, restart, delete; each job's plan, state, watermarks, late
// rows and dead letters as JSON, and its live events over Server-Sent Events.

import { explainPlan } from '../plan/explain.js';
import type { Router } from './router.js';
import type { JobManager } from './job-manager.js';
import { jsonBody, stringField } from './body.js';
import { HttpError, userError } from './errors.js';
import { jobState, jobWatermarks } from './job-views.js';

/** `?limit=N`: 1..1000, default 100. */
function limitOf(url: URL): number {
  const t = url.searchParams.get('limit');
  if (t === null) return 100;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1) throw new HttpError(400, `limit must be a whole number from 1 to 1000, not '${t}'`);
  return Math.min(n, 1000);
}

export function jobRoutes(router: Router, jobs: JobManager): void {
  router.add('GET', '/api/jobs', () => ({ json: { jobs: jobs.list().map((j) => j.toJSON()) } }));

  router.add('POST', '/api/jobs', async ({ req }) => {
    const body = await jsonBody(req);
    const sql = stringField(body, 'sql')!;
    const name = stringField(body, 'name', false);
    if (name !== undefined && name.trim() === '') throw new HttpError(400, "field 'name' must not be empty");
    try {
      const job = jobs.submit(sql, name !== undefined ? { name } : {});
      return { status: 201, json: job.toJSON(), headers: { location: `/api/jobs/${job.id}` } };
    } catch (e) {
      throw userError(e);
    }
  });

  router.add('GET', '/api/jobs/:id', ({ params }) => ({ json: jobs.get(params['id']!).toJSON() }));

  router.add('POST', '/api/jobs/:id/stop', async ({ params }) => {
    return { json: (await jobs.stop(params['id']!)).toJSON() };
  });

  router.add('POST', '/api/jobs/:id/restart', async ({ req, params }) => {
    jobs.get(params['id']!);
    const body = await jsonBody(req);
    const fresh = body['fresh'];
    if (fresh !== undefined && typeof fresh !== 'boolean') throw new HttpError(400, "field 'fresh' must be true or false");
    return { json: (await jobs.restart(params['id']!, fresh === true)).toJSON() };
  });

  router.add('DELETE', '/api/jobs/:id', async ({ params }) => {
    await jobs.remove(params['id']!);
    return { json: { deleted: params['id'] } };
  });

  router.add('GET', '/api/jobs/:id/explain', ({ params }) => ({ json: { plan: explainPlan(jobs.get(params['id']!).plan) } }));
  router.add('GET', '/api/jobs/:id/state', ({ params }) => ({ json: jobState(jobs.get(params['id']!)) }));
  router.add('GET', '/api/jobs/:id/watermarks', ({ params }) => ({ json: jobWatermarks(jobs.get(params['id']!)) }));

  for (const [path, pick] of [
    ['dead-letters', 'deadLetters'],
    ['late', 'late'],
  ] as const) {
    router.add('GET', `/api/jobs/:id/${path}`, ({ params, url, res }) => {
      const j = jobs.get(params['id']!);
      const rows = j.hub[pick].last(limitOf(url));
      if (url.searchParams.get('format') === 'jsonl') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-disposition': `attachment; filename="${j.id}-${path}.jsonl"` });
        res.end(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
        return 'handled';
      }
      return { json: { rows } };
    });
  }

  router.add('GET', '/api/jobs/:id/events', ({ params, res, req }) => {
    const j = jobs.get(params['id']!);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    req.socket.setNoDelay(true);
    j.hub.attach(res, j.sinksJson().map((s) => s.name), { status: j.status, metrics: j.metrics() });
    if (!j.active) {
      res.write(`event: end\ndata: ${JSON.stringify({ status: j.status, ...(j.error ? { error: j.error } : {}) })}\n\n`);
      res.end();
    }
    return 'handled';
  });
}
