// The page's only door to the server: typed calls to the console HTTP API. The auth token comes
// from the page's address (`/?token=...`, kept for the tab's session) and goes on every request
// as a Bearer header, and on EventSource URLs as ?token= (EventSource cannot set headers).

import type { ApiError, Catalog, Diagnostic, Job, JobState, SideRow, Watermarks } from './api-types.js';

const TOKEN_KEY = 'sluice-token';

function readToken(): string | null {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const token = readToken();

/** An API answer that is not 2xx, with the server's error body when it sent one. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new HttpError(0, { message: `the server did not answer (${(err as Error).message}); is sluice serve still running?` });
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: reported below when the status is an error
  }
  if (!res.ok) {
    const err = (parsed as { error?: ApiError } | undefined)?.error;
    const message = res.status === 401 ? 'not authorized: open the console with ?token=YOUR_TOKEN' : `${res.status} ${res.statusText}`;
    throw new HttpError(res.status, err && typeof err.message === 'string' ? err : { message: text.trim() || message });
  }
  return parsed as T;
}

const enc = encodeURIComponent;

/** A URL with the token added, for EventSource and download links. */
export function withToken(path: string): string {
  if (!token) return path;
  return `${path}${path.includes('?') ? '&' : '?'}token=${enc(token)}`;
}

export const api = {
  catalog: () => call<Catalog>('GET', '/api/catalog'),
  check: (sql: string) => call<{ diagnostics: Diagnostic[] }>('POST', '/api/check', { sql }),
  explain: (sql: string) => call<{ plan: string }>('POST', '/api/explain', { sql }),
  jobs: () => call<{ jobs: Job[] }>('GET', '/api/jobs'),
  submit: (sql: string, name?: string) => call<Job>('POST', '/api/jobs', name ? { sql, name } : { sql }),
  job: (id: string) => call<Job>('GET', `/api/jobs/${enc(id)}`),
  stop: (id: string) => call<unknown>('POST', `/api/jobs/${enc(id)}/stop`, {}),
  restart: (id: string, fresh: boolean) => call<unknown>('POST', `/api/jobs/${enc(id)}/restart`, { fresh }),
  remove: (id: string) => call<unknown>('DELETE', `/api/jobs/${enc(id)}`),
  jobExplain: (id: string) => call<{ plan: string }>('GET', `/api/jobs/${enc(id)}/explain`),
  state: (id: string) => call<JobState>('GET', `/api/jobs/${enc(id)}/state`),
  watermarks: (id: string) => call<Watermarks>('GET', `/api/jobs/${enc(id)}/watermarks`),
  deadLetters: (id: string, limit = 100) => call<{ rows: SideRow[] }>('GET', `/api/jobs/${enc(id)}/dead-letters?limit=${limit}`),
  late: (id: string, limit = 100) => call<{ rows: SideRow[] }>('GET', `/api/jobs/${enc(id)}/late?limit=${limit}`),
  eventsUrl: (id: string) => withToken(`/api/jobs/${enc(id)}/events`),
  downloadUrl: (id: string, kind: 'dead-letters' | 'late') => withToken(`/api/jobs/${enc(id)}/${kind}?format=jsonl&limit=10000`),
};
