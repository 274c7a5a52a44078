// The running query's view: the latest result rows that fit (with a count of the rest; EMIT
// CHANGES rows are updated in place) and the status line. Re-rendered by the app's poll tick.
// Rows are cut to the terminal's width and the view to `height` rows, so it never scrolls.

import { Box, Text } from 'ink';
import type { LiveQuery } from '../live-query.js';
import { clip, plural, renderRows, type OutputFormat } from '../format.js';
import { queryStatus, statusLine } from '../status.js';
import { PANEL_KEY } from './WatermarkPanel.js';

export interface LiveTableProps {
  readonly query: LiveQuery;
  readonly format: OutputFormat;
  /** Terminal rows the whole view may take. */
  readonly height: number;
  /** Terminal columns. */
  readonly width: number;
  readonly panel: boolean;
}

export function LiveTable({ query, format, height, width, panel }: LiveTableProps) {
  const r = query.result;
  const status = statusLine(queryStatus(query));
  const statusRows = Math.max(1, Math.ceil(status.length / Math.max(1, width)));
  // Besides the rows: the "earlier rows" line, the header and its rule, the status, the key hint.
  const maxRows = Math.max(1, height - statusRows - 4);
  const table = renderRows(r.columns, r.rows, format, maxRows, r.dropped);
  return (
    <Box flexDirection="column">
      {table.hidden > 0 && <Text dimColor>… {plural(table.hidden, 'earlier row')} not shown</Text>}
      {r.total === 0 ? <Text dimColor>{query.running ? 'waiting for the first result (windows emit when the watermark passes their end)…' : 'no rows'}</Text> : <Text>{table.lines.map((l) => clip(l, width)).join('\n')}</Text>}
      <Text color="blue">{status}</Text>
      <Text dimColor>{clip(`Ctrl-C stops the query · ${PANEL_KEY} ${panel ? 'hides' : 'shows'} the watermarks and why windows are open`, width)}</Text>
    </Box>
  );
}
