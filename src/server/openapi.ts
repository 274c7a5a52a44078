// The OpenAPI 3 description served at GET /api/openapi.json (filled in below).
export const OPENAPI: Record<string, unknown> = { openapi: '3.0.3', info: { title: 'Sluice console API', version: '1' }, paths: {} };
