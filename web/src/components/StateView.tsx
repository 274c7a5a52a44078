// State and checkpoints: the SHOW STATE tables per operator (rows and bytes in memory and
// spilled to DuckDB, bounded or not) and the checkpoints' sizes and durations over time.

import type { JobState } from '../api-types.js';
import { api } from '../api.js';
import { usePoll } from '../hooks.js';
import type { JobStream } from '../live.js';
import { formatBytes, formatDuration, formatTime, toMillis } from '../model/time.js';
import { UPlot } from './UPlot.js';

export function StateView({ stream }: { stream: JobStream }) {
  const id = stream.job.id;
  const polled = usePoll<JobState>(id, () => api.state(id), 2000);
  const st = polled.data;
  if (!st) return <div class="muted small">{polled.error ?? 'loading…'}</div>;
  const cps = [...st.checkpoints]
    .map((c) => ({ t: toMillis(c.at), bytes: c.bytes, ms: c.durationMs }))
    .filter((c): c is { t: number; bytes: number; ms: number } => c.t !== null)
    .sort((a, b) => a.t - b.t);
  const xs = cps.map((c) => c.t / 1000);
  const totals = st.operators.flatMap((o) => o.tables).reduce((a, t) => ({ mem: a.mem + t.bytesMemory, duck: a.duck + t.bytesDuckdb }), { mem: 0, duck: 0 });
  return (
    <div class="state-view">
      {polled.error ? <div class="answer error small">{polled.error}</div> : null}
      <div class="stat-row">
        <Stat label="in memory" value={formatBytes(totals.mem)} />
        <Stat label="spilled to DuckDB" value={formatBytes(totals.duck)} />
        <Stat label="last checkpoint" value={st.checkpoint ? formatTime(toMillis(st.checkpoint.at)) : 'none yet'} />
        <Stat label="its size" value={st.checkpoint ? formatBytes(st.checkpoint.bytes) : '—'} />
        <Stat label="it took" value={st.checkpoint ? formatDuration(st.checkpoint.durationMs) : '—'} />
      </div>
      <h3>State tables</h3>
      <table class="grid" data-testid="state-tables">
        <thead>
          <tr>
            <th>operator</th>
            <th>table</th>
            <th class="num">rows in memory</th>
            <th class="num">bytes in memory</th>
            <th class="num">rows in DuckDB</th>
            <th class="num">bytes in DuckDB</th>
            <th>bounded</th>
          </tr>
        </thead>
        <tbody>
          {st.operators.flatMap((o) =>
            o.tables.map((t, i) => (
              <tr>
                <td>{i === 0 ? `${o.kind} #${o.id}` : ''}</td>
                <td>{t.name}</td>
                <td class="num">{t.rowsMemory}</td>
                <td class="num">{formatBytes(t.bytesMemory)}</td>
                <td class="num">{t.rowsDuckdb}</td>
                <td class="num">{formatBytes(t.bytesDuckdb)}</td>
                <td>{typeof t.bounded === 'string' ? t.bounded : t.bounded ? 'yes' : <span class="warn">no: grows with the keys</span>}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
      {st.operators.length === 0 ? <div class="empty">this job keeps no state</div> : null}
      <h3>Checkpoints</h3>
      {cps.length > 0 ? (
        <div class="two-charts">
          <div>
            <div class="muted small">size</div>
            <UPlot xs={xs} series={[{ label: 'size', values: cps.map((c) => c.bytes) }]} height={160} mode="bar" yFormat={formatBytes} testId="checkpoint-size" />
          </div>
          <div>
            <div class="muted small">duration</div>
            <UPlot xs={xs} series={[{ label: 'duration', values: cps.map((c) => c.ms) }]} height={160} yFormat={(v) => formatDuration(v)} testId="checkpoint-duration" />
          </div>
        </div>
      ) : (
        <div class="empty">no checkpoint yet</div>
      )}
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div class="stat">
      <div class="muted small">{label}</div>
      <div class="stat-value">{value}</div>
    </div>
  );
}
