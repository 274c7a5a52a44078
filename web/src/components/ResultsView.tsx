// Live results of the selected job: per sink a chart (chosen from the columns, adjustable) and
// a table that appends (append-only sinks, newest first) or updates rows in place (changelogs).

import { useMemo, useState } from 'preact/hooks';
import type { Column, SinkInfo } from '../api-types.js';
import type { JobStream } from '../live.js';
import { chartData, chooseChart, isNumeric, isTime, type ChartChoice } from '../model/chart.js';
import type { ResultTable } from '../model/result-table.js';
import { cell } from '../format.js';
import { UPlot } from './UPlot.js';

const SHOWN = 200;

export function ResultsView({ stream }: { stream: JobStream }) {
  const sinks = [...stream.tables.keys()];
  const [picked, setPicked] = useState<string | null>(null);
  const sinkName = picked !== null && sinks.includes(picked) ? picked : (sinks[0] ?? null);
  if (sinkName === null) return <div class="empty">This job has no sink whose rows come to the page.</div>;
  const info = stream.job.sinks.find((s) => s.name === sinkName);
  const table = stream.table(sinkName);
  const columns = info?.columns.length ? info.columns : guessColumns(table);
  return (
    <div class="results">
      {sinks.length > 1 ? (
        <div class="sink-picker">
          {sinks.map((s) => (
            <button type="button" class={s === sinkName ? 'chip active' : 'chip'} onClick={() => setPicked(s)}>
              {s}
            </button>
          ))}
        </div>
      ) : null}
      <ResultChart key={sinkName} columns={columns} info={info} table={table} version={table.version} />
      <ResultGrid columns={columns} info={info} table={table} version={table.version} />
    </div>
  );
}

function guessColumns(table: ResultTable): Column[] {
  const first = table.rows()[0];
  return first ? first.values.map((_, i) => ({ name: `column${i + 1}`, type: 'UNKNOWN' })) : [];
}

function ResultChart(props: { columns: readonly Column[]; info: SinkInfo | undefined; table: ResultTable; version: number }) {
  const auto = useMemo(() => chooseChart(props.columns, props.info?.keyColumns ?? []), [props.columns, props.info]);
  const [choice, setChoice] = useState<ChartChoice | null>(null);
  const c = choice ?? auto;
  const data = useMemo(() => (c ? chartData(props.columns, props.table.rows().map((r) => r.values), c) : null), [c, props.columns, props.table, props.version]);
  const times = props.columns.filter(isTime);
  const numbers = props.columns.filter(isNumeric);
  if (!c || numbers.length === 0) {
    return <div class="chart-none muted small">No chart: it needs a numeric column, and a time column (window_start or a TIMESTAMP) or a key.</div>;
  }
  const set = (patch: Partial<ChartChoice>) => setChoice({ ...c, ...patch });
  const others = props.columns.filter((col) => col.name !== c.time && col.name !== c.value);
  return (
    <div class="chart-box">
      <div class="chart-controls">
        <label>
          time
          <select value={c.time ?? ''} onChange={(e) => set({ time: (e.target as HTMLSelectElement).value || null })}>
            {times.map((t) => (
              <option value={t.name}>{t.name}</option>
            ))}
            <option value="">none: one bar per key</option>
          </select>
        </label>
        <label>
          value
          <select value={c.value ?? ''} onChange={(e) => set({ value: (e.target as HTMLSelectElement).value })}>
            {numbers.map((t) => (
              <option value={t.name}>{t.name}</option>
            ))}
          </select>
        </label>
        <span class="series-picker">
          {c.time === null ? 'key' : 'one line per'}
          {others.map((col) => (
            <label class="check">
              <input
                type="checkbox"
                checked={c.series.includes(col.name)}
                onChange={(e) => {
                  const on = (e.target as HTMLInputElement).checked;
                  set({ series: on ? [...c.series, col.name] : c.series.filter((s) => s !== col.name) });
                }}
              />
              {col.name}
            </label>
          ))}
        </span>
        <span class="spacer" />
        <span class="segmented">
          <button type="button" class={c.mode === 'line' ? 'active' : ''} onClick={() => set({ mode: 'line' })}>
            line
          </button>
          <button type="button" class={c.mode === 'bar' ? 'active' : ''} onClick={() => set({ mode: 'bar' })}>
            bar
          </button>
        </span>
        {choice ? (
          <button type="button" class="link" onClick={() => setChoice(null)}>
            automatic
          </button>
        ) : null}
      </div>
      {data && data.xs.length > 0 ? (
        <UPlot xs={data.xs} series={data.series} mode={c.mode} yLabel={c.value ?? ''} testId="result-chart" {...(data.categories ? { categories: data.categories } : {})} />
      ) : (
        <div class="chart-empty muted small" data-testid="result-chart-waiting">
          waiting for rows…
        </div>
      )}
      {data && data.dropped > 0 ? <div class="muted small">{`${data.dropped} more ${data.categories ? 'keys' : 'series'} not drawn (the first ${data.categories ? data.categories.length : 20} by name are)`}</div> : null}
    </div>
  );
}

function ResultGrid(props: { columns: readonly Column[]; info: SinkInfo | undefined; table: ResultTable; version: number }) {
  const updating = props.info?.updating ?? false;
  const all = props.table.rows();
  const rows = updating ? all.slice(-SHOWN) : all.slice(-SHOWN).reverse();
  // Changed rows flash, in a changelog and when a batch is small: flashing hundreds of rows
  // several times a second costs more than the table itself.
  const latest = props.table.version;
  const flash = all.filter((r) => r.version === latest).length <= (updating ? 100 : 20);
  return (
    <div class="table-box">
      <div class="muted small table-note">
        {updating
          ? `changelog: rows updated in place by ${props.info?.keyColumns.length ? props.info.keyColumns.join(', ') : 'value'}`
          : 'append-only: newest first'}
        {` · ${all.length} row${all.length === 1 ? '' : 's'} shown of ${props.table.received} received`}
        {all.length > SHOWN ? ` (the last ${SHOWN} drawn)` : ''}
      </div>
      <div class="scroll">
        <table class="grid results-table" data-testid="result-table" data-rows={all.length} data-received={props.table.received} data-unmatched={props.table.unmatched}>
          <thead>
            <tr>
              {props.columns.map((c) => (
                <th class={isNumeric(c) ? 'num' : ''} title={c.type}>
                  {c.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} class={flash && r.version === latest ? 'fresh' : ''}>
                {r.values.map((v, i) => (
                  <td class={typeof v === 'number' ? 'num' : v === null ? 'null' : ''}>{cell(v)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {all.length === 0 ? <div class="empty">no rows yet</div> : null}
      </div>
    </div>
  );
}
