// `\compare`: re-runs the last query as one DuckDB batch query over a bounded snapshot of the
// source rows it read (captured during the live run), and reports equal or the differing rows.

import type { Command } from './command.js';
import { out, type Output } from '../output.js';
import type { Session } from '../session.js';
import type { SinkDef } from '../../catalog/catalog.js';
import type { SourceReader, SourceRecord } from '../../connectors/connector.js';
import { compileEncoder } from '../../connectors/format/encode.js';
import { Op } from '../../catalog/batch.js';
import { checkJob } from '../../oracle/check-job.js';
import { renderComparison } from '../../oracle/index.js';
import type { SourceSnapshot } from '../live-query.js';
import { plural } from '../format.js';
import { errorOutput } from '../error-output.js';

/** A bounded reader replaying captured rows as JSON records, in the order they were read. */
export function snapshotReader(snap: SourceSnapshot): SourceReader {
  const encode = compileEncoder(snap.columns, false);
  return {
    bounded: true,
    async run(emit, signal) {
      const batch = 4096;
      for (let i = 0; i < snap.rows.length && !signal.aborted; i += batch) {
        const records: SourceRecord[] = [];
        for (let j = i; j < Math.min(snap.rows.length, i + batch); j++) records.push({ value: encode(snap.rows[j]!, Op.Insert), position: { index: j } });
        await emit(records);
      }
    },
  };
}

export async function compareLast(session: Session): Promise<Output[]> {
  const q = session.last;
  if (!q) return [out.dim('no query to compare yet: run a query first, then \\compare')];
  if (q.running) await q.stop();
  const snaps = new Map([...q.snapshot.values()].map((s) => [s.name, s]));
  // The snapshot holds rows as they were read; a Kafka table's tombstones (deletions) are not
  // rows, so a replay would keep keys the live run had deleted: say so rather than compare wrongly.
  const upsert = [...snaps.keys()].find((name) => session.catalog.sources.get(name)?.table?.upsert === true);
  if (upsert !== undefined) {
    return [out.dim(`not compared: \\compare replays the rows the query read, and Kafka table '${upsert}' is an upsert changelog whose deletions (tombstones) a replay would lose; put the statements in a .sql file and run sluice compare FILE.sql, which reads the topic itself`)];
  }
  const sink: SinkDef = { name: 'query', options: { connector: 'stdout' }, query: q.query, span: q.query.span, baseDir: session.baseDir, sourceText: q.text };
  try {
    const result = await checkJob(session.catalog, [sink], {
      reader: (name) => {
        const s = snaps.get(name);
        return s ? snapshotReader(s) : undefined;
      },
    });
    const read = [...snaps.values()].map((s) => `${s.name}: ${plural(s.rows.length, 'row')}`).join(', ');
    const note = q.snapshotTruncated ? ' (the first rows only: the snapshot stops at its limit)' : '';
    return [out.dim(`compared over the snapshot the query read — ${read}${note}`), out.plain(renderComparison([...result.comparisons], { color: false }))];
  } catch (e) {
    return [errorOutput(e)];
  }
}

export const compareCommand: Command = {
  name: 'compare',
  usage: '\\compare',
  summary: 'stop the last query and check it against DuckDB over exactly what it read',
  run: (_args, session) => compareLast(session),
};
