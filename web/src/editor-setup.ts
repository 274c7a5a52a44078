// The SQL editor's CodeMirror 6 setup: Sluice's keywords and functions highlighted, completion of
// sources, views, their columns and the functions from /api/catalog, diagnostics from
// /api/check as you type (and on demand) placed at their line and column.

import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection, placeholder } from '@codemirror/view';
import { EditorState, Compartment, type Extension } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { syntaxHighlighting, bracketMatching, HighlightStyle } from '@codemirror/language';
import { autocompletion, completionKeymap, type Completion, type CompletionContext } from '@codemirror/autocomplete';
import { linter, lintGutter, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { sql, SQLDialect, type SQLNamespace } from '@codemirror/lang-sql';
import { tags } from '@lezer/highlight';
import type { Catalog, Diagnostic } from './api-types.js';
import { api } from './api.js';

// Colours are CSS variables (styles.css), so the light and dark palettes both apply.
const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: 'var(--syn-keyword)', fontWeight: '600' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--syn-string)' },
  { tag: [tags.number, tags.bool, tags.null], color: 'var(--syn-number)' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: 'var(--muted)', fontStyle: 'italic' },
  { tag: [tags.standard(tags.name), tags.function(tags.name)], color: 'var(--syn-function)' },
  { tag: tags.typeName, color: 'var(--syn-type)' },
]);

/** Editor positions of a server diagnostic (1-based line and column), clamped to the text. */
export function diagnosticRange(state: EditorState, d: Diagnostic): { from: number; to: number } {
  const lineAt = (n: number) => state.doc.line(Math.min(Math.max(1, n), state.doc.lines));
  const start = lineAt(d.line);
  const from = Math.min(start.from + Math.max(0, d.column - 1), start.to);
  let to: number;
  if (d.endLine !== undefined && d.endColumn !== undefined) {
    const end = lineAt(d.endLine);
    to = Math.min(end.from + Math.max(0, d.endColumn - 1), end.to);
  } else {
    const word = state.wordAt(from);
    to = word && word.from === from ? word.to : Math.min(from + 1, start.to);
  }
  return { from, to: Math.max(from, to) };
}

export function toCmDiagnostics(state: EditorState, list: readonly Diagnostic[]): CmDiagnostic[] {
  return list.map((d) => ({
    ...diagnosticRange(state, d),
    severity: 'error',
    source: 'sluice',
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
  }));
}

function languageFor(catalog: Catalog | null): Extension {
  const schema: Record<string, readonly Completion[]> = {};
  for (const e of [...(catalog?.sources ?? []), ...(catalog?.views ?? [])]) {
    schema[e.name] = e.columns.map((c) => ({ label: c.name, type: 'property', detail: c.type }));
  }
  const dialect = SQLDialect.define({
    keywords: (catalog?.keywords ?? []).map((k) => k.toLowerCase()).join(' ') || undefined,
    builtin: (catalog?.functions ?? []).map((f) => f.toLowerCase()).join(' '),
    types: 'boolean int integer bigint double float real decimal varchar string timestamp date interval struct',
    caseInsensitiveIdentifiers: true,
  });
  // Unqualified columns: those of the sources and views the statement under the cursor names
  // (lang-sql completes columns only after `table.`).
  const entries = [...(catalog?.sources ?? []), ...(catalog?.views ?? [])];
  const columnsInScope = (ctx: CompletionContext) => {
    const word = ctx.matchBefore(/\w+/);
    if (!word && !ctx.explicit) return null;
    if (ctx.matchBefore(/\.\w*/)) return null;
    const text = ctx.state.doc.toString();
    const start = text.lastIndexOf(';', ctx.pos - 1) + 1;
    const end = text.indexOf(';', ctx.pos);
    const words = new Set(text.slice(start, end < 0 ? undefined : end).toLowerCase().match(/\w+/g) ?? []);
    const seen = new Set<string>();
    const options: Completion[] = [];
    for (const e of entries) {
      if (!words.has(e.name.toLowerCase())) continue;
      for (const c of e.columns) {
        if (seen.has(c.name)) continue;
        seen.add(c.name);
        options.push({ label: c.name, type: 'property', detail: `${c.type} · ${e.name}`, boost: 2 });
      }
    }
    return options.length === 0 ? null : { from: word?.from ?? ctx.pos, options, validFor: /^\w*$/ };
  };
  return [
    dialect.language.data.of({ autocomplete: columnsInScope }),
    sql({
      dialect,
      schema: schema as SQLNamespace,
      upperCaseKeywords: true,
      // The dialect's builtins are Sluice's functions: complete them with their parenthesis.
      keywordCompletion: (label, type) =>
        type === 'variable' ? { label, type: 'function', apply: `${label}(`, detail: 'function' } : { label, type, boost: type === 'keyword' ? -1 : 0 },
    }),
  ];
}

export interface EditorHandle {
  readonly view: EditorView;
  setCatalog(catalog: Catalog | null): void;
}

export function createEditor(parent: HTMLElement, doc: string, onRun: () => void, onChange: (text: string) => void): EditorHandle {
  const lang = new Compartment();
  const serverLinter = linter(
    async (view) => {
      const text = view.state.doc.toString();
      if (text.trim() === '') return [];
      try {
        const { diagnostics } = await api.check(text);
        // The text may have changed while the check ran; the linter re-runs on the next change.
        return toCmDiagnostics(view.state, diagnostics);
      } catch {
        return [];
      }
    },
    { delay: 700 },
  );
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        bracketMatching(),
        syntaxHighlighting(highlight),
        autocompletion({ icons: false }),
        lintGutter(),
        serverLinter,
        placeholder('SELECT sensor, window_start, AVG(value) FROM sensors GROUP BY sensor, TUMBLE(ts, 10s);'),
        keymap.of([{ key: 'Mod-Enter', run: () => (onRun(), true) }, indentWithTab, ...completionKeymap, ...historyKeymap, ...defaultKeymap]),
        lang.of(languageFor(null)),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
        EditorView.lineWrapping,
      ],
    }),
  });
  return {
    view,
    setCatalog: (catalog) => view.dispatch({ effects: lang.reconfigure(languageFor(catalog)) }),
  };
}
