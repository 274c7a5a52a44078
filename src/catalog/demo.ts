// The demo catalog every REPL session and `sluice serve` start with: live, rate-limited datagen
// sources whose event time tracks the wall clock (start = 'now'), so windows close every few
// seconds. A Nexmark stream's event time advances 50 ids per 50 events at first_event_rate: rate x 50 / its share.

export const DEMO_SQL = `
CREATE SOURCE sensors WITH (connector = 'datagen', generator = 'sensors', rate = 4, disorder = '800ms', start = 'now');
CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', rate = 23, first_event_rate = 25, disorder = '1s', start = 'now');
CREATE SOURCE auction WITH (connector = 'datagen', generator = 'auction', rate = 3, first_event_rate = 50, disorder = '1s', start = 'now');
CREATE SOURCE person WITH (connector = 'datagen', generator = 'person', rate = 1, first_event_rate = 50, disorder = '1s', start = 'now');
`;

export const DEMO_QUERY = 'SELECT sensor, window_start, AVG(value) FROM sensors GROUP BY sensor, TUMBLE(ts, 10s);';
