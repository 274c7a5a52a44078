// Side outputs of a source: dead letters and late records, appended as JSON lines to a file
// (directories created). Used by the engine for the `dead_letter` and `late` source options.

import type { SideOutput } from './connector.js';
import { LineFileWriter } from './file/line-writer.js';

function toJsonLine(record: Readonly<Record<string, unknown>>): string {
  try {
    return `${JSON.stringify(record)}\n`;
  } catch (e) {
    // A value JSON cannot hold (a cycle, a bigint): keep the line, say why.
    return `${JSON.stringify({ unserializable: e instanceof Error ? e.message : String(e) })}\n`;
  }
}

/**
 * Opens (appending) the JSON-lines file at `file`, an absolute or cwd-relative path; `truncateTo`
 * (a checkpointed length) first rolls back what was written after the checkpoint.
 */
export function openSideOutput(file: string, truncateTo?: number): SideOutput {
  const out = new LineFileWriter(file, 'a', truncateTo);
  return {
    write(record) {
      out.append(toJsonLine(record));
    },
    flush: () => out.flush(),
    sync: () => out.sync(),
    close: () => out.close(),
    position: () => out.bytes,
  };
}
