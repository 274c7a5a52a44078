// The process-wide table of HTTP ingest endpoints: each running `http` source registers its path
// while its reader runs, and the server (server/ingest.ts) looks the path of a POST up here. A
// served job reserves its paths when it is accepted, before its reader runs: requests arriving in
// between wait in the reservation (within the source's queue bound) and go to the reader when it
// registers. The connector owns it so that neither the engine nor the connector imports the server.

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
   * queue has no room; nothing was taken. 'stopped': the job stopped before its source read
   * (a reservation's waiting request); nothing was taken.
   */
  offer(values: readonly unknown[]): Promise<OfferResult | 'full' | 'stopped'>;
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

/** A path held for a job whose reader has not started yet: requests wait here for it. */
class Reservation implements IngestEndpoint {
  private waiting: Array<{ values: readonly unknown[]; resolve: (r: Promise<OfferResult | 'full' | 'stopped'> | 'stopped') => void }> = [];
  private records = 0;

  constructor(
    readonly source: string,
    readonly maxBodyBytes: number,
    private readonly maxQueue: number,
  ) {}

  offer(values: readonly unknown[]): Promise<OfferResult | 'full' | 'stopped'> {
    if (this.records + values.length > this.maxQueue) return Promise.resolve('full');
    this.records += values.length;
    return new Promise((resolve) => this.waiting.push({ values, resolve }));
  }

  /** The reader took over: the waiting requests go to it in the order they came. */
  handOver(to: IngestEndpoint): void {
    for (const w of this.waiting.splice(0)) w.resolve(to.offer(w.values));
    this.records = 0;
  }

  release(): void {
    for (const w of this.waiting.splice(0)) w.resolve('stopped');
    this.records = 0;
  }
}

/**
 * Holds `path` for a job about to run its `http` source (so a POST right after the job was
 * accepted never meets 404); returns the release, called when the run ends (a no-op once the
 * reader registered), or undefined when another job already holds the path.
 */
export function reserveIngest(path: string, source: string, maxBodyBytes: number, maxQueue: number): (() => void) | undefined {
  if (endpoints.has(path)) return undefined;
  const r = new Reservation(source, maxBodyBytes, maxQueue);
  endpoints.set(path, r);
  return () => {
    if (endpoints.get(path) !== r) return;
    endpoints.delete(path);
    r.release();
  };
}

/**
 * Registers `endpoint` at `path`, taking over a reservation there (its waiting requests go to
 * `endpoint`); false when another running source already holds it.
 */
export function registerIngest(path: string, endpoint: IngestEndpoint): boolean {
  const held = endpoints.get(path);
  if (held !== undefined && !(held instanceof Reservation)) return false;
  endpoints.set(path, endpoint);
  held?.handOver(endpoint);
  return true;
}

export function unregisterIngest(path: string, endpoint: IngestEndpoint): void {
  if (endpoints.get(path) === endpoint) endpoints.delete(path);
}
