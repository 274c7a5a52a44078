// Dead letters and late rows: the last ones kept by the server (polled) with their reason and
// position, plus the ones seen live since the page opened; each list downloadable as JSON lines.

import type { SideRow } from '../api-types.js';
import { api } from '../api.js';
import { usePoll } from '../hooks.js';
import type { JobStream } from '../live.js';
import { position } from '../format.js';
import { formatTime, toMillis } from '../model/time.js';

export function SideRowsView({ stream }: { stream: JobStream }) {
  const id = stream.job.id;
  const dead = usePoll(id, () => api.deadLetters(id, 100), 2000);
  const late = usePoll(id, () => api.late(id, 100), 2000);
  return (
    <div class="side-view">
      <div class="toolbar">
        <h3>Dead letters</h3>
        <span class="muted small">records that could not be read: the reason and where they were</span>
        <span class="spacer" />
        <a class="button" href={api.downloadUrl(id, 'dead-letters')} download={`${stream.job.name}-dead-letters.jsonl`} data-action="download-dead-letters">
          Download .jsonl
        </a>
      </div>
      {dead.error ? <div class="answer error small">{dead.error}</div> : null}
      <SideRowsTable rows={[...(dead.data?.rows ?? [])].reverse()} kind="dead" empty="no dead letters" testId="dead-letters" />
      <div class="toolbar">
        <h3>Late rows</h3>
        <span class="muted small">rows behind the watermark, dropped from their window</span>
        <span class="spacer" />
        <a class="button" href={api.downloadUrl(id, 'late')} download={`${stream.job.name}-late.jsonl`} data-action="download-late">
          Download .jsonl
        </a>
      </div>
      {late.error ? <div class="answer error small">{late.error}</div> : null}
      <SideRowsTable rows={[...(late.data?.rows ?? [])].reverse()} kind="late" empty="no late rows" testId="late-rows" />
    </div>
  );
}

export function SideRowsTable(props: { rows: readonly SideRow[]; kind: 'dead' | 'late'; empty: string; testId?: string }) {
  if (props.rows.length === 0) return <div class="empty">{props.empty}</div>;
  return (
    <div class="scroll short">
      <table class="grid side-rows" data-testid={props.testId} data-rows={props.rows.length}>
        <thead>
          <tr>
            <th>at</th>
            <th>source</th>
            <th>reason</th>
            {props.kind === 'late' ? <th>event time</th> : null}
            <th>position</th>
            <th>{props.kind === 'dead' ? 'record' : 'row'}</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              <td class="nowrap">{formatTime(toMillis(r.at ?? null))}</td>
              <td>{r.source}</td>
              <td class="reason">{r.reason}</td>
              {props.kind === 'late' ? <td class="nowrap">{formatTime(toMillis(r.eventTime ?? null))}</td> : null}
              <td class="nowrap">{position(r.position)}</td>
              <td class="record">{recordText(r.record ?? r.row)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function recordText(v: unknown) {
  if (v === null || v === undefined) return <span class="muted">—</span>;
  return <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>;
}
