// The SQL panel: CodeMirror editor, a job name, Run / Explain / Check, an examples menu, and
// the answer underneath (the plan, "no problems", or the error with its caret and hint; the
// same diagnostics are marked in the editor at their position).

import { useEffect, useRef, useState } from 'preact/hooks';
import { setDiagnostics } from '@codemirror/lint';
import type { ApiError, Catalog, Job } from '../api-types.js';
import { api, HttpError } from '../api.js';
import { createEditor, toCmDiagnostics, type EditorHandle } from '../editor-setup.js';
import { EXAMPLES } from '../examples.js';

type Answer =
  | { kind: 'none' }
  | { kind: 'busy'; what: string }
  | { kind: 'plan'; text: string }
  | { kind: 'ok'; text: string }
  | { kind: 'error'; error: ApiError; count?: number };

const DRAFT_KEY = 'sluice-draft';

export function Editor(props: { catalog: Catalog | null; onSubmitted: (job: Job) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<EditorHandle | null>(null);
  const [name, setName] = useState('');
  const [answer, setAnswer] = useState<Answer>({ kind: 'none' });
  const runRef = useRef<() => void>(() => {});

  useEffect(() => {
    if (!host.current) return;
    const initial = localStorage.getItem(DRAFT_KEY) ?? EXAMPLES[0]!.sql;
    editor.current = createEditor(host.current, initial, () => runRef.current(), (text) => localStorage.setItem(DRAFT_KEY, text));
    return () => editor.current?.view.destroy();
  }, []);

  useEffect(() => editor.current?.setCatalog(props.catalog), [props.catalog]);

  const text = () => editor.current?.view.state.doc.toString() ?? '';

  const showError = (e: unknown) => {
    const error: ApiError = e instanceof HttpError ? e.error : { message: (e as Error).message };
    setAnswer({ kind: 'error', error });
    const view = editor.current?.view;
    if (view && error.line !== undefined && error.column !== undefined) {
      const d = { ...error, line: error.line, column: error.column };
      view.dispatch(setDiagnostics(view.state, toCmDiagnostics(view.state, [d])));
    }
  };

  const run = async () => {
    const sql = text();
    if (sql.trim() === '') return setAnswer({ kind: 'error', error: { message: 'the editor is empty: write a SELECT or a job (CREATE SOURCE / SINK ...)' } });
    setAnswer({ kind: 'busy', what: 'starting the job' });
    try {
      const job = await api.submit(sql, name.trim() || undefined);
      setAnswer({ kind: 'ok', text: `job ${job.name} (${job.id}) submitted` });
      props.onSubmitted(job);
    } catch (e) {
      showError(e);
    }
  };
  runRef.current = () => void run();

  const explain = async () => {
    setAnswer({ kind: 'busy', what: 'planning' });
    try {
      setAnswer({ kind: 'plan', text: (await api.explain(text())).plan });
    } catch (e) {
      showError(e);
    }
  };

  const check = async () => {
    setAnswer({ kind: 'busy', what: 'checking' });
    try {
      const { diagnostics } = await api.check(text());
      const view = editor.current?.view;
      if (view) view.dispatch(setDiagnostics(view.state, toCmDiagnostics(view.state, diagnostics)));
      const first = diagnostics[0];
      if (!first) setAnswer({ kind: 'ok', text: 'no problems: the job parses and plans' });
      else setAnswer({ kind: 'error', error: first, count: diagnostics.length });
    } catch (e) {
      showError(e);
    }
  };

  const loadExample = (i: number) => {
    const ex = EXAMPLES[i];
    const view = editor.current?.view;
    if (!ex || !view) return;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: ex.sql } });
    setName(ex.name);
    setAnswer({ kind: 'none' });
  };

  return (
    <section class="panel editor-panel" aria-label="SQL editor">
      <div class="toolbar">
        <h2>Query</h2>
        <select
          class="examples"
          aria-label="Examples"
          value=""
          onChange={(e) => {
            loadExample(Number((e.target as HTMLSelectElement).value));
            (e.target as HTMLSelectElement).value = '';
          }}
        >
          <option value="">Examples…</option>
          {EXAMPLES.map((ex, i) => (
            <option value={String(i)}>{ex.title}</option>
          ))}
        </select>
        <span class="spacer" />
        <input class="job-name" placeholder="job name (optional)" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <button type="button" onClick={() => void check()} data-action="check">
          Check
        </button>
        <button type="button" onClick={() => void explain()} data-action="explain">
          Explain
        </button>
        <button type="button" class="primary" onClick={() => void run()} data-action="run" title="Run (Ctrl-Enter)">
          Run
        </button>
      </div>
      <div class="editor" ref={host} />
      <AnswerView answer={answer} />
    </section>
  );
}

function AnswerView({ answer }: { answer: Answer }) {
  switch (answer.kind) {
    case 'none':
      return null;
    case 'busy':
      return <div class="answer muted">{answer.what}…</div>;
    case 'ok':
      return <div class="answer ok">{answer.text}</div>;
    case 'plan':
      return <pre class="answer plan">{answer.text}</pre>;
    case 'error': {
      const e = answer.error;
      return (
        <div class="answer error" role="alert">
          <div>
            {e.line !== undefined ? <span class="pos">{`${e.line}:${e.column ?? 1} `}</span> : null}
            {e.message}
            {answer.count !== undefined && answer.count > 1 ? <span class="muted">{` (+${answer.count - 1} more, marked in the editor)`}</span> : null}
          </div>
          {e.caret ? <pre class="caret">{e.caret}</pre> : null}
          {e.hint ? <div class="hint">hint: {e.hint}</div> : null}
        </div>
      );
    }
    default: {
      const never: never = answer;
      return never;
    }
  }
}
