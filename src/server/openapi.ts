// The OpenAPI 3 description of the console API, served at GET /api/openapi.json. Kept beside the
// routes (routes-*.ts, ingest.ts); test/server/api.test.ts checks that every path is described.

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description = 'OK'): Json => ({ description, content: { 'application/json': { schema } } });
const error = (description: string): Json => json(ref('Error'), description);
const sqlBody: Json = { required: true, content: { 'application/json': { schema: { type: 'object', required: ['sql'], properties: { sql: { type: 'string' } } } } } };
const idParam: Json = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const limitParam: Json = { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } };
const formatParam: Json = { name: 'format', in: 'query', schema: { type: 'string', enum: ['jsonl'] }, description: 'jsonl: download as JSON lines' };
const jobOp = (summary: string, ok: Json, extra: Json = {}): Json => ({ summary, parameters: [idParam], responses: { '200': ok, '404': error('no job with that id') }, ...extra });
const columns: Json = { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string' } } } };
const relation: Json = { type: 'object', properties: { name: { type: 'string' }, connector: { type: 'string' }, columns, watermark: { type: 'string', example: 'ts - 2s' } } };
const sideRows: Json = {
  type: 'object',
  properties: {
    rows: {
      type: 'array',
      description: 'the last N, newest last',
      items: { type: 'object', properties: { source: { type: 'string' }, reason: { type: 'string' }, position: { type: 'object' }, record: { type: 'string' }, row: { type: 'string', nullable: true }, at: { type: 'string', format: 'date-time' } } },
    },
  },
};

const metrics: Json = {
  type: 'object',
  properties: {
    rowsIn: { type: 'integer' },
    rowsOut: { type: 'integer' },
    rateIn: { type: 'number', description: 'records per second over the last second' },
    rateOut: { type: 'number' },
    lagMs: { type: 'integer', nullable: true, description: "wall clock minus the furthest-behind source's watermark" },
    late: { type: 'integer' },
    deadLetters: { type: 'integer' },
    checkpointAgeMs: { type: 'integer', nullable: true },
    stateBytes: { type: 'integer' },
  },
};

const job: Json = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: ['starting', 'running', 'stopped', 'finished', 'failed'] },
    error: { type: 'string' },
    startedAt: { type: 'string', format: 'date-time' },
    file: { type: 'string' },
    sql: { type: 'string' },
    sinks: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, columns, updating: { type: 'boolean' }, windowed: { type: 'boolean' }, keyColumns: { type: 'array', items: { type: 'string' } } } },
    },
    metrics: ref('Metrics'),
  },
};

export const OPENAPI: Json = {
  openapi: '3.0.3',
  info: {
    title: 'Sluice console API',
    version: '1',
    description:
      'The HTTP API of `sluice serve`. All JSON. Errors are {"error": {"message", "line"?, "column"?, "caret"?, "hint"?}}. When the server has a token, every request needs `Authorization: Bearer TOKEN` or `?token=TOKEN` (401 otherwise).',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, query: { type: 'apiKey', in: 'query', name: 'token' } },
    schemas: {
      Error: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            required: ['message'],
            properties: { message: { type: 'string' }, line: { type: 'integer' }, column: { type: 'integer' }, endLine: { type: 'integer' }, endColumn: { type: 'integer' }, caret: { type: 'string' }, hint: { type: 'string' } },
          },
        },
      },
      Metrics: metrics,
      Job: job,
    },
  },
  security: [{}, { bearer: [] }, { query: [] }],
  paths: {
    '/api/openapi.json': { get: { summary: 'this description', responses: { '200': json({ type: 'object' }) } } },
    '/api/catalog': {
      get: {
        summary: 'sources (the demo sources included), views, functions and keywords, for completion',
        responses: { '200': json({ type: 'object', properties: { sources: { type: 'array', items: relation }, views: { type: 'array', items: relation }, functions: { type: 'array', items: { type: 'string' } }, keywords: { type: 'array', items: { type: 'string' } } } }) },
      },
    },
    '/api/check': {
      post: {
        summary: 'parse and plan a text without running it',
        requestBody: sqlBody,
        responses: {
          '200': json({ type: 'object', properties: { diagnostics: { type: 'array', items: { type: 'object', properties: { message: { type: 'string' }, line: { type: 'integer' }, column: { type: 'integer' }, endLine: { type: 'integer' }, endColumn: { type: 'integer' }, hint: { type: 'string' }, caret: { type: 'string' } } } } } }, 'empty diagnostics when fine'),
          '400': error('malformed request'),
        },
      },
    },
    '/api/explain': { post: { summary: 'the EXPLAIN text of a job', requestBody: sqlBody, responses: { '200': json({ type: 'object', properties: { plan: { type: 'string' } } }), '400': error('bad SQL, with its position') } } },
    '/api/compare': {
      post: {
        summary: 'run a bounded job as a stream and as one DuckDB query and compare each sink',
        requestBody: sqlBody,
        responses: {
          '200': json({ type: 'object', properties: { sinks: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, equal: { type: 'boolean' }, missing: { type: 'array', items: { type: 'array' } }, unexpected: { type: 'array', items: { type: 'array' } }, note: { type: 'string' } } } } } }),
          '400': error('bad SQL, or an unbounded input'),
        },
      },
    },
    '/api/jobs': {
      get: { summary: 'every job', responses: { '200': json({ type: 'object', properties: { jobs: { type: 'array', items: ref('Job') } } }) } },
      post: {
        summary: 'submit a .sql text (CREATE SOURCE / VIEW / SINK and/or bare SELECTs, each a console sink) as a job',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['sql'], properties: { sql: { type: 'string' }, name: { type: 'string' } } } } } },
        responses: { '201': json(ref('Job'), 'created and starting'), '400': error('bad SQL with its position, or a malformed request'), '413': error('body over 1 MiB'), '415': error('not application/json') },
      },
    },
    '/api/jobs/{id}': {
      get: jobOp('one job', json(ref('Job'))),
      delete: jobOp('stop the job and remove it, its state and its entry in jobs.json of the state directory', json({ type: 'object', properties: { deleted: { type: 'string' } } })),
    },
    '/api/jobs/{id}/stop': { post: jobOp('stop cleanly (sinks flushed, a final checkpoint)', json(ref('Job'))) },
    '/api/jobs/{id}/restart': {
      post: jobOp('restart from the last checkpoint, or from the beginning with fresh', json(ref('Job')), {
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { fresh: { type: 'boolean' } } } } } },
      }),
    },
    '/api/jobs/{id}/explain': { get: jobOp('the plan', json({ type: 'object', properties: { plan: { type: 'string' } } })) },
    '/api/jobs/{id}/state': {
      get: jobOp(
        'SHOW STATE: the last checkpoint, recent checkpoints, and each operator\'s state tables in memory and in DuckDB',
        json({
          type: 'object',
          properties: {
            checkpoint: { type: 'object', nullable: true, properties: { at: { type: 'string' }, bytes: { type: 'integer' }, durationMs: { type: 'number' } } },
            checkpoints: { type: 'array', items: { type: 'object' } },
            operators: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, kind: { type: 'string' }, tables: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, rowsMemory: { type: 'integer' }, bytesMemory: { type: 'integer' }, rowsDuckdb: { type: 'integer' }, bytesDuckdb: { type: 'integer' }, bounded: { type: 'boolean' } } } } } } },
          },
        }),
      ),
    },
    '/api/jobs/{id}/watermarks': {
      get: jobOp(
        "each source's and partition's watermark, and each windowed operator's open windows with why the earliest is still open (the REPL's \\watermarks)",
        json({
          type: 'object',
          properties: {
            sources: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, watermark: { type: 'string', nullable: true }, lagMs: { type: 'integer', nullable: true }, idle: { type: 'boolean' }, ended: { type: 'boolean' }, partitions: { type: 'array', items: { type: 'object', properties: { partition: { type: 'integer' }, watermark: { type: 'string', nullable: true }, idle: { type: 'boolean' }, records: { type: 'integer' } } } } } } },
            operators: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, kind: { type: 'string' }, label: { type: 'string' }, open: { type: 'integer' }, openWindows: { type: 'array', items: { type: 'object', properties: { windowStart: { type: 'string', nullable: true }, windowEnd: { type: 'string' }, reason: { type: 'string' } } } } } } },
          },
        }),
      ),
    },
    '/api/jobs/{id}/dead-letters': { get: { ...jobOp('the last dead letters (records that could not be decoded)', json(sideRows)), parameters: [idParam, limitParam, formatParam] } },
    '/api/jobs/{id}/late': { get: { ...jobOp('the last late rows (dropped behind the watermark)', json(sideRows)), parameters: [idParam, limitParam, formatParam] } },
    '/api/jobs/{id}/events': {
      get: jobOp('Server-Sent Events: snapshot, then rows, watermark, status, late, deadLetter and end events', {
        description: 'text/event-stream',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      }),
    },
    '/ingest/{path}': {
      post: {
        summary: "records for a running job's `http` source declared with path = '/ingest/...'",
        parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] } }, 'application/x-ndjson': { schema: { type: 'string' } } } },
        responses: {
          '200': json({ type: 'object', properties: { accepted: { type: 'integer' }, rejected: { type: 'array', maxItems: 0 } } }, 'all accepted'),
          '207': json({ type: 'object', properties: { accepted: { type: 'integer' }, rejected: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, reason: { type: 'string' } } } } } }, 'some rejected (each also a dead letter)'),
          '400': error('none accepted, or a malformed body'),
          '404': error('no running job declares the path'),
          '413': error("over the source's max_body"),
          '415': error('not application/json or application/x-ndjson'),
          '503': error('the in-memory queue is full; Retry-After says when to try again'),
        },
      },
    },
  },
};
