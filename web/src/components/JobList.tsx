// The job list: every job with its status and the status-line figures (rates, lag, late and
// dead-letter counts, checkpoint age); click one to watch it below.

import type { Job } from '../api-types.js';
import { formatDuration, formatRate } from '../model/time.js';
import { errorText } from '../format.js';

export function JobList(props: { jobs: readonly Job[]; selected: string | null; onSelect: (id: string) => void; error: string | null }) {
  return (
    <section class="panel jobs-panel" aria-label="Jobs">
      <div class="toolbar">
        <h2>Jobs</h2>
        <span class="muted small">{props.jobs.length === 0 ? 'none yet: run a query' : `${props.jobs.length}`}</span>
      </div>
      {props.error ? <div class="answer error small">{props.error}</div> : null}
      <table class="grid jobs">
        <thead>
          <tr>
            <th>job</th>
            <th>status</th>
            <th class="num" title="events per second read">in/s</th>
            <th class="num" title="rows per second written">out/s</th>
            <th class="num" title="the slowest source's watermark behind the wall clock">lag</th>
            <th class="num">late</th>
            <th class="num" title="dead letters">DLQ</th>
            <th class="num" title="age of the last checkpoint">ckpt</th>
          </tr>
        </thead>
        <tbody>
          {props.jobs.map((j) => (
            <tr
              key={j.id}
              class={j.id === props.selected ? 'selected' : ''}
              data-job-id={j.id}
              data-status={j.status}
              onClick={() => props.onSelect(j.id)}
              title={j.error ? errorText(j.error) : j.sql}
            >
              <td class="job-name-cell">
                <div>{j.name}</div>
                <div class="muted small">{j.id}</div>
              </td>
              <td>
                <StatusBadge status={j.status} />
              </td>
              <td class="num">{formatRate(j.metrics.rateIn)}</td>
              <td class="num">{formatRate(j.metrics.rateOut)}</td>
              <td class="num">{formatDuration(j.metrics.lagMs)}</td>
              <td class={`num ${j.metrics.late > 0 ? 'warn' : ''}`}>{j.metrics.late}</td>
              <td class={`num ${j.metrics.deadLetters > 0 ? 'bad' : ''}`}>{j.metrics.deadLetters}</td>
              <td class="num">{formatDuration(j.metrics.checkpointAgeMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}
