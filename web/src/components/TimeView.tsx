// The time view, "why is my window not emitting" in one place: each source's and partition's
// watermark and its lag behind the wall clock (now and over time), the open windows of each
// operator with the reason each is still open, and the late rows as they are dropped.

import { useEffect } from 'preact/hooks';
import type { Watermarks } from '../api-types.js';
import { api } from '../api.js';
import { usePoll } from '../hooks.js';
import type { JobStream } from '../live.js';
import { formatDuration, formatTime, toMillis } from '../model/time.js';
import { UPlot } from './UPlot.js';
import { SideRowsTable } from './SideRowsView.js';

export function TimeView({ stream }: { stream: JobStream }) {
  const id = stream.job.id;
  const polled = usePoll<Watermarks>(id, () => api.watermarks(id), 1500);
  const wm = polled.data;

  // The lag chart also takes the polled figures, so it fills in when watermark events are sparse.
  useEffect(() => {
    if (!wm) return;
    const now = Date.now();
    for (const s of wm.sources) {
      stream.lag.add(s.name, now, s.lagMs);
      if (s.partitions.length > 1) for (const p of s.partitions) stream.lag.add(`${s.name}[${p.partition}]`, now, lagOf(p.watermark, now));
    }
  }, [wm, stream]);

  const lag = stream.lag.aligned();
  return (
    <div class="time-view">
      {polled.error ? <div class="answer error small">{polled.error}</div> : null}
      <h3>Watermarks</h3>
      <table class="grid" data-testid="watermarks">
        <thead>
          <tr>
            <th>source</th>
            <th>partition</th>
            <th>watermark</th>
            <th class="num">lag behind wall clock</th>
            <th>idle</th>
          </tr>
        </thead>
        <tbody>
          {(wm?.sources ?? []).flatMap((s) => {
            // Watermarks only advance: the newer of the live event and the polled figure.
            const live = stream.watermarks.get(s.name) ?? null;
            const polledMs = toMillis(s.watermark);
            const ms = live === null ? polledMs : polledMs === null ? live : Math.max(live, polledMs);
            const head = (
              <tr class="source-row" data-source={s.name} data-watermark-ms={ms ?? ''}>
                <td>{s.name}</td>
                <td class="muted">{s.partitions.length > 1 ? 'all (minimum)' : ''}</td>
                <td>{formatTime(ms)}</td>
                <td class="num">{formatDuration(s.lagMs)}</td>
                <td />
              </tr>
            );
            const parts =
              s.partitions.length > 1
                ? s.partitions.map((p) => {
                    const pms = toMillis(p.watermark);
                    const slowest = pms !== null && ms !== null && pms === ms;
                    return (
                      <tr class={slowest ? 'partition-row holding' : 'partition-row'} title={slowest ? 'this partition holds the watermark back' : ''}>
                        <td />
                        <td>{String(p.partition)}</td>
                        <td>{formatTime(pms)}</td>
                        <td class="num">{formatDuration(lagOf(p.watermark, Date.now()))}</td>
                        <td>{p.idle ? <span class="badge status-stopped">idle</span> : ''}</td>
                      </tr>
                    );
                  })
                : [];
            return [head, ...parts];
          })}
        </tbody>
      </table>
      {wm && wm.sources.length === 0 ? <div class="empty">no source with an event time</div> : null}
      <h3>Lag behind the wall clock</h3>
      {lag.xs.length > 0 ? (
        <UPlot xs={lag.xs} series={lag.series} height={180} yLabel="lag" yFormat={(v) => formatDuration(v)} testId="lag-chart" />
      ) : (
        <div class="chart-empty muted small">waiting for the first watermark…</div>
      )}
      <h3>Open windows and why they are still open</h3>
      <OpenWindows wm={wm} />
      <h3>Late rows, as they are dropped {stream.late.length > 0 ? <span class="count">{stream.late.length}</span> : null}</h3>
      <SideRowsTable rows={[...stream.late].reverse()} kind="late" empty="no late rows since the page opened" testId="late-live" />
    </div>
  );
}

function lagOf(v: string | number | null, now: number): number | null {
  const ms = toMillis(v);
  return ms === null ? null : Math.max(0, now - ms);
}

function OpenWindows({ wm }: { wm: Watermarks | null }) {
  const ops = (wm?.operators ?? []).filter((o) => o.openWindows.length > 0);
  if (!wm) return <div class="muted small">loading…</div>;
  if (ops.length === 0) return <div class="empty">no open windows</div>;
  const keyed = ops.some((o) => o.openWindows.some((w) => w.key !== undefined && w.key !== ''));
  return (
    <table class="grid" data-testid="open-windows">
      <thead>
        <tr>
          <th>operator</th>
          <th>window</th>
          {keyed ? <th>key</th> : null}
          <th>why still open</th>
        </tr>
      </thead>
      <tbody>
        {ops.flatMap((o) =>
          o.openWindows.slice(0, 50).map((w, i) => (
            <tr>
              <td>{i === 0 ? `${o.kind} #${o.id}` : ''}</td>
              <td>
                {formatTime(toMillis(w.windowStart))} – {formatTime(toMillis(w.windowEnd))}
              </td>
              {keyed ? <td>{w.key ?? ''}</td> : null}
              <td class="reason">{w.reason}</td>
            </tr>
          )),
        )}
      </tbody>
    </table>
  );
}
