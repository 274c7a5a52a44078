// Example jobs offered in the editor's menu: they run as written against `sluice serve`'s demo
// sources (sensors, bid, auction, person) or declare their own HTTP source.

export interface Example {
  readonly title: string;
  readonly name: string;
  readonly sql: string;
}

export const EXAMPLES: readonly Example[] = [
  {
    title: 'Sensor downsampling (demo source, 10 s windows)',
    name: 'sensor-downsampling',
    sql: `-- Each sensor's readings per 10-second window: count, min, max and mean.
SELECT sensor, window_start, window_end, COUNT(*) AS readings,
       MIN(value) AS min_value, MAX(value) AS max_value, AVG(value) AS mean
FROM sensors
GROUP BY sensor, TUMBLE(ts, 10s);
`,
  },
  {
    title: 'Running maximum per sensor (a changelog, updated in place)',
    name: 'sensor-max',
    sql: `SELECT sensor, COUNT(*) AS readings, MAX(value) AS max_value
FROM sensors
GROUP BY sensor;
`,
  },
  {
    title: 'Clicks over HTTP (POST JSON to /ingest/clicks), per page per 10 s',
    name: 'clicks',
    sql: `-- POST JSON to /ingest/clicks on this server (content-type: application/json):
--   {"user_id": "ada", "page": "/home", "ts": "2026-01-01T10:00:00Z"}
-- one object, an array of them, or JSON lines (application/x-ndjson).
CREATE SOURCE clicks (
  user_id VARCHAR, page VARCHAR, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (connector = 'http', path = '/ingest/clicks', format = 'json');

-- Each click as it arrives, and the clicks per page per 10 s window (a click
-- over 1 s behind the newest is late for a closed window: see Time & watermarks).
SELECT user_id, page, ts FROM clicks;
SELECT page, window_start, COUNT(*) AS clicks
FROM clicks GROUP BY page, TUMBLE(ts, 10s);
`,
  },
  {
    title: 'Nexmark: bids per auction in 10 s windows',
    name: 'nexmark-bids',
    sql: `SELECT auction, window_start, COUNT(*) AS bids, MAX(price) AS top_price
FROM bid
GROUP BY auction, TUMBLE(date_time, 10s);
`,
  },
];
