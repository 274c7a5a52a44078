// The process-wide table of HTTP ingest endpoints: each running `http` source registers its path
// while its reader runs, and the server (server/ingest.ts) looks the path of a POST up here. The
// connector owns it so that neither the engine nor the connector imports the server.

/** What an ingest request gets back from a source: per record index, why it was rejected. */
export interface OfferResult {
  readonly accepted: number;
  readonly rejected: ReadonlyArray<{ readonly index: number; readonly reason: string }>;
}

/** A source taking records over HTTP. */
export interface IngestEndpoint {
  /** The source's name (for messages). */
  readonly source: string;
  /** The largest request body it takes, in bytes. */
  readonly maxBodyBytes: number;
  /**
   * Validates `values` (parsed JSON objects, or JSON-lines text) against the source's schema and
   * hands them to the job; resolves once accepted ones are durable as documented (a Kafka topic:
   * acknowledged by all in-sync replicas; otherwise queued in memory). 'full': the in-memory
   * queue has no room; nothing was taken.
   */
  offer(values: readonly unknown[]): Promise<OfferResult | 'full'>;
}

const endpoints = new Map<string, IngestEndpoint>();
let served = false;

/** Called by `sluice serve` once it takes requests: only then can an http source receive any. */
export function markIngestServed(): void {
  served = true;
}

export function ingestServed(): boolean {
  return served;
}

export function ingestEndpoint(path: string): IngestEndpoint | undefined {
  return endpoints.get(path);
}

/** Registers `endpoint` at `path`; false when another running source already holds it. */
export function registerIngest(path: string, endpoint: IngestEndpoint): boolean {
  if (endpoints.has(path)) return false;
  endpoints.set(path, endpoint);
  return true;
}

export function unregisterIngest(path: string, endpoint: IngestEndpoint): void {
  if (endpoints.get(path) === endpoint) endpoints.delete(path);
}
