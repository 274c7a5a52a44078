// The running query's view: the latest result rows that fit (with a count of the rest; EMIT
// CHANGES rows are updated in place) and the status line. Re-rendered by the app's poll tick.

import { Box, Text } from 'ink';
import type { LiveQuery } from '../live-query.js';
import { plural, renderRows, type OutputFormat } from '../format.js';
import { queryStatus, statusLine } from '../status.js';

export function LiveTable({ query, format, maxRows }: { query: LiveQuery; format: OutputFormat; maxRows: number }) {
  const r = query.result;
  const table = renderRows(r.columns, r.rows, format, maxRows, r.dropped);
  const status = statusLine(queryStatus(query));
  return (
    <Box flexDirection="column">
      {table.hidden > 0 && <Text dimColor>… {plural(table.hidden, 'earlier row')} not shown</Text>}
      {r.total === 0 ? <Text dimColor>{query.running ? 'waiting for the first result (windows emit when the watermark passes their end)…' : 'no rows'}</Text> : <Text>{table.lines.join('\n')}</Text>}
      <Text color="blue">{status}</Text>
      <Text dimColor>Ctrl-C stops the query · \watermarks explains open windows</Text>
    </Box>
  );
}
