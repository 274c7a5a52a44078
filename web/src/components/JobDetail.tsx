// The selected job: its header (status, figures, Stop / Restart / Delete) and tabs for live
// results, the time view, state and checkpoints, dead letters and late rows, and the plan.

import { useEffect, useState } from 'preact/hooks';
import type { Job } from '../api-types.js';
import { api } from '../api.js';
import { usePoll, useStream } from '../hooks.js';
import { JobStream } from '../live.js';
import { formatBytes, formatDuration, formatRate } from '../model/time.js';
import { errorText } from '../format.js';
import { StatusBadge } from './JobList.js';
import { Tabs } from './Tabs.js';
import { ResultsView } from './ResultsView.js';
import { TimeView } from './TimeView.js';
import { StateView } from './StateView.js';
import { SideRowsView } from './SideRowsView.js';

type Tab = 'results' | 'time' | 'state' | 'side' | 'plan';

export function JobDetail(props: { job: Job; onChanged: () => void; onDeleted: () => void }) {
  const [stream, setStream] = useState<JobStream | null>(null);
  const [tab, setTab] = useState<Tab>('results');
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const { job } = props;
  // A restart starts a new run: reconnect when the job's start time changes.
  const runKey = `${job.id}@${String(job.startedAt)}`;

  useEffect(() => {
    const s = new JobStream(job);
    s.open();
    setStream(s);
    return () => s.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runKey]);
  useStream(stream);

  const act = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(what);
    setActionError(null);
    try {
      await fn();
      props.onChanged();
    } catch (e) {
      setActionError(`${what}: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  };

  const status = stream?.status ?? job.status;
  const m = stream?.metrics ?? job.metrics;
  const active = status === 'running' || status === 'starting';
  const error = stream?.error ?? (job.error ? errorText(job.error) : null);
  const dead = Math.max(m.deadLetters, stream?.deadLetters.length ?? 0);
  return (
    <section class="panel detail-panel" aria-label={`Job ${job.name}`} data-job-id={job.id} data-status={status} data-started={String(job.startedAt)}>
      <div class="toolbar">
        <h2>{job.name}</h2>
        <StatusBadge status={status} />
        {stream && stream.connection !== 'open' && active ? <span class="muted small">live feed: {stream.connection}</span> : null}
        <span class="spacer" />
        <button type="button" disabled={!active || busy !== null} onClick={() => void act('stop', () => api.stop(job.id))} data-action="stop">
          Stop
        </button>
        <button type="button" disabled={busy !== null} onClick={() => void act('restart', () => api.restart(job.id, false))} data-action="restart" title="restart from the last checkpoint">
          Restart
        </button>
        <button type="button" disabled={busy !== null} onClick={() => void act('restart fresh', () => api.restart(job.id, true))} data-action="restart-fresh" title="restart with empty state">
          Restart fresh
        </button>
        <button
          type="button"
          class="danger"
          disabled={busy !== null}
          data-action="delete"
          onClick={() => {
            if (confirm(`Delete job ${job.name} and its state?`)) void act('delete', () => api.remove(job.id)).then(props.onDeleted);
          }}
        >
          Delete
        </button>
      </div>
      {actionError ? <div class="answer error">{actionError}</div> : null}
      {error ? (
        <div class="answer error" role="alert">
          {error}
        </div>
      ) : null}
      <div class="stat-row compact">
        <Figure label="in/s" value={formatRate(m.rateIn)} />
        <Figure label="out/s" value={formatRate(m.rateOut)} />
        <Figure label="rows in" value={String(m.rowsIn)} />
        <Figure label="rows out" value={String(m.rowsOut)} />
        <Figure label="lag" value={formatDuration(m.lagMs)} />
        <Figure label="late" value={String(m.late)} tone={m.late > 0 ? 'warn' : ''} />
        <Figure label="dead letters" value={String(dead)} tone={dead > 0 ? 'bad' : ''} />
        <Figure label="state" value={formatBytes(m.stateBytes)} />
        <Figure label="checkpoint age" value={formatDuration(m.checkpointAgeMs)} />
      </div>
      <Tabs<Tab>
        active={tab}
        onChange={setTab}
        tabs={[
          { id: 'results', label: 'Results' },
          { id: 'time', label: 'Time & watermarks', count: stream?.late.length ?? 0 },
          { id: 'state', label: 'State & checkpoints' },
          { id: 'side', label: 'Dead letters & late', count: dead },
          { id: 'plan', label: 'Plan' },
        ]}
      />
      <div class="tab-body">
        {!stream ? null : tab === 'results' ? (
          <ResultsView stream={stream} />
        ) : tab === 'time' ? (
          <TimeView stream={stream} />
        ) : tab === 'state' ? (
          <StateView stream={stream} />
        ) : tab === 'side' ? (
          <SideRowsView stream={stream} />
        ) : (
          <PlanView id={job.id} sql={job.sql} />
        )}
      </div>
    </section>
  );
}

function Figure({ label, value, tone = '' }: { label: string; value: string; tone?: string }) {
  return (
    <div class={`stat ${tone}`} data-figure={label}>
      <div class="muted small">{label}</div>
      <div class="stat-value">{value}</div>
    </div>
  );
}

function PlanView({ id, sql }: { id: string; sql: string }) {
  const plan = usePoll(id, () => api.jobExplain(id), 3_600_000);
  return (
    <div class="plan-view">
      <h3>SQL</h3>
      <pre class="plan">{sql}</pre>
      <h3>Plan</h3>
      {plan.error ? <div class="answer error">{plan.error}</div> : <pre class="plan">{plan.data?.plan ?? 'loading…'}</pre>}
    </div>
  );
}
