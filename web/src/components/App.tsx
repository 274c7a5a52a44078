// The console page: the SQL editor and the job list side by side, the selected job underneath.
// The job list is polled; the selected job's live data comes over its event stream. The
// selection is kept in the address (#job=ID) so a reload or a shared link shows the same job.

import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Catalog, Job } from '../api-types.js';
import { api } from '../api.js';
import { Editor } from './Editor.js';
import { JobList } from './JobList.js';
import { JobDetail } from './JobDetail.js';

function selectedFromHash(): string | null {
  const m = /job=([^&]+)/.exec(location.hash);
  return m ? decodeURIComponent(m[1]!) : null;
}

export function App() {
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [jobs, setJobs] = useState<Job[]>([]);
  const [jobsError, setJobsError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(selectedFromHash());

  const refresh = useCallback(async () => {
    try {
      setJobs((await api.jobs()).jobs);
      setJobsError(null);
    } catch (e) {
      setJobsError((e as Error).message);
    }
  }, []);

  useEffect(() => {
    api.catalog().then(setCatalog, () => setCatalog(null));
    void refresh();
    const timer = setInterval(() => void refresh(), 1500);
    const onHash = () => setSelected(selectedFromHash());
    addEventListener('hashchange', onHash);
    return () => {
      clearInterval(timer);
      removeEventListener('hashchange', onHash);
    };
  }, [refresh]);

  const select = (id: string | null) => {
    setSelected(id);
    history.replaceState(null, '', id ? `#job=${encodeURIComponent(id)}` : location.pathname + location.search);
  };

  const job = jobs.find((j) => j.id === selected) ?? null;
  return (
    <div class="app">
      <header class="topbar">
        <span class="logo" aria-hidden="true">
          ≋
        </span>
        <h1>Sluice</h1>
        <span class="muted">console</span>
        <span class="spacer" />
        <span class="muted small">{catalog ? `${catalog.sources.length} sources · ${catalog.views.length} views` : 'catalog not loaded'}</span>
      </header>
      <main>
        <div class="top-row">
          <Editor
            catalog={catalog}
            onSubmitted={(j) => {
              setJobs((list) => [...list.filter((x) => x.id !== j.id), j]);
              select(j.id);
              void refresh();
            }}
          />
          <JobList jobs={jobs} selected={selected} onSelect={select} error={jobsError} />
        </div>
        {job ? (
          <JobDetail key={job.id} job={job} onChanged={() => void refresh()} onDeleted={() => select(null)} />
        ) : (
          <section class="panel empty-detail">
            <div class="empty">{selected && jobs.length > 0 ? `job ${selected} is gone` : 'Run a query or pick a job to watch its results, watermarks and state.'}</div>
          </section>
        )}
      </main>
    </div>
  );
}
