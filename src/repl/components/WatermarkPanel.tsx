// The watermark panel (toggled by Ctrl-T): `\watermarks` kept up to date on every poll tick, for
// the running query, then one line per background sink with its sources' watermarks.

import { Box, Text } from 'ink';
import type { LiveQuery } from '../live-query.js';
import type { SinkJob } from '../sink-job.js';
import { formatLag, formatWatermark, queryStatus, watermarkReport } from '../status.js';

export const PANEL_KEY = 'Ctrl-T';

/** The panel's lines, without its frame. */
export function panelLines(query: LiveQuery | undefined, sinks: readonly SinkJob[], now = Date.now()): string[] {
  const lines = query ? watermarkReport(query, now) : ['no query running: the next query shows here'];
  for (const j of sinks) {
    const s = queryStatus(j, now);
    const srcs = s.sources.map((x) => `${x.name} ${x.ended ? 'ended' : `wm ${formatWatermark(x.watermark)}${x.lagMs !== undefined ? ` lag ${formatLag(x.lagMs)}` : ''}`}`);
    lines.push(`sink ${j.name} (${j.state}): ${srcs.join(', ')}; open windows ${s.openWindows}, late ${s.late}`);
  }
  return lines;
}

/** Terminal rows the panel takes at `width` columns (long lines wrap inside its frame). */
export function panelHeight(lines: readonly string[], width: number): number {
  const inner = Math.max(20, width - 4);
  return 3 + lines.reduce((a, l) => a + Math.max(1, Math.ceil(l.length / inner)), 0);
}

export function WatermarkPanel({ lines, width }: { lines: readonly string[]; width: number }) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="gray" paddingX={1} width={Math.max(24, width)}>
      <Text bold>watermarks · {PANEL_KEY} hides</Text>
      <Text>{lines.join('\n')}</Text>
    </Box>
  );
}
