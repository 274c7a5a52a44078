// EXPLAIN: the physical plan as an indented tree per sink, each operator with its keys,
// window, emit mode and state tables, each output (sink, dead-letter, late) with its delivery
// guarantee; unbounded state is flagged with a warning.

import { typeToSql } from '../catalog/types.js';
import { formatDuration } from '../catalog/duration.js';
import type { BoundExpr } from '../expr/bound.js';
import type { GroupingSets, PhysicalNode, PhysicalPlan, PlanColumn, WindowSpec } from './physical.js';
import { describeExpr } from './describe-expr.js';
import { joinExpiry, joinTimeSide } from '../exec/time.js';
import { tableJoinText } from './explain-table-join.js';
import { overFunctionsText } from './bind-over.js';
import { topNText } from './explain-top-n.js';
import { guaranteeText } from '../connectors/connector.js';
import { sideGuarantee, sideTarget, sinkGuarantee, type GuaranteeContext } from './guarantees.js';

/** Guarantees are stated as `sluice run` gives them: with checkpoints. */
const RUN: GuaranteeContext = { job: 'job', checkpoints: true };

export function explainPlan(plan: PhysicalPlan): string {
  const out: string[] = [];
  for (const id of plan.sinks) {
    walk(plan, id, '', '', out);
    out.push('');
  }
  const unbounded = plan.nodes.filter((n) => n.state.some((s) => !s.bounded));
  for (const n of unbounded) {
    out.push(`warning: ${label(n)} #${n.id} keeps state that grows with its keys and never expires (${n.state.filter((s) => !s.bounded).map((s) => s.name).join(', ')})`);
  }
  return out.join('\n').trimEnd() + '\n';
}

function walk(plan: PhysicalPlan, id: number, first: string, rest: string, out: string[]): void {
  const n = plan.nodes[id]!;
  out.push(`${first}${line(n, plan)}`);
  const detail = rest + (n.inputs.length > 0 ? '│    ' : '     ');
  for (const s of n.state) {
    out.push(`${detail}state ${s.name}: ${s.shape === 'keyed' ? 'keyed' : 'time-keyed'} (${s.describe}), ${s.held ?? (s.bounded ? 'bounded: expires behind the watermark' : 'UNBOUNDED: grows with the number of keys')}`);
  }
  if (n.kind === 'source') {
    for (const kind of ['dead_letter', 'late'] as const) {
      const where = sideTarget(n.source, kind);
      if (where === undefined) continue;
      out.push(`${detail}${kind} [${where}] ${guaranteeText(sideGuarantee(plan, n, RUN))}`);
    }
  }
  n.inputs.forEach((input, i) => {
    const last = i === n.inputs.length - 1;
    walk(plan, input, `${rest}${last ? '└─ ' : '├─ '}`, `${rest}${last ? '   ' : '│  '}`, out);
  });
}

function label(n: PhysicalNode): string {
  const names: Record<PhysicalNode['kind'], string> = {
    source: 'Source',
    filter: 'Filter',
    project: 'Project',
    windowExpand: 'WindowExpand',
    windowAgg: 'WindowAggregate',
    sessionAgg: 'SessionAggregate',
    groupAgg: 'GroupAggregate',
    lag: 'Lag',
    overWindow: 'OverWindow',
    union: 'UnionAll',
    intervalJoin: 'IntervalJoin',
    regularJoin: 'RegularJoin',
    distinct: 'UnionDistinct',
    windowJoin: 'WindowJoin',
    temporalJoin: 'TemporalJoin',
    lookupJoin: 'LookupJoin',
    topN: 'TopN',
    sink: 'Sink',
  };
  return names[n.kind];
}

function line(n: PhysicalNode, plan: PhysicalPlan): string {
  const input = n.inputs[0] !== undefined ? plan.nodes[n.inputs[0]]! : undefined;
  const ex = (e: BoundExpr) => describeExpr(e, input?.schema ?? []);
  const head = `${label(n)} #${n.id}`;
  switch (n.kind) {
    case 'source': {
      const o = n.source.options;
      const where = o['path'] ?? o['generator'] ?? o['topic'] ?? '';
      const cols = n.schema.filter((c) => !c.hidden).map((c) => `${c.name} ${typeToSql(c.type)}`).join(', ');
      const wm = !n.watermark
        ? 'no watermark'
        : n.watermark.fromMarkers
          ? `watermark ${n.schema[n.watermark.column]!.name} from the upstream partitions' marks`
          : `watermark ${n.schema[n.watermark.column]!.name}${n.watermark.delayMicros === 0 ? '' : ` - ${formatDuration(n.watermark.delayMicros)}`}`;
      return `${head} ${n.source.name} [${o['connector']}${where ? ` ${where}` : ''}] (${cols}) ${wm}`;
    }
    case 'filter':
      return `${head} ${ex(n.predicate)}`;
    case 'project':
      return `${head} ${n.exprs.map((e, i) => (n.schema[i]!.hidden ? null : `${ex(e)}${e.kind === 'column' && e.name === n.schema[i]!.name ? '' : ` AS ${n.schema[i]!.name}`}`)).filter((x) => x !== null).join(', ')}`;
    case 'windowExpand':
      return `${head} ${windowText(n.window, input!.schema[n.timeInput]!.name)}`;
    case 'windowAgg':
    case 'sessionAgg':
      return `${head} ${windowText(n.window, input!.schema[n.timeInput]!.name)} keys=[${n.keys.map(ex).join(', ')}]${setsText(n, ex)} aggs=[${n.aggs.map((a) => a.display).join(', ')}] emit=${n.emit.toUpperCase()}`;
    case 'groupAgg':
      return `${head} keys=[${n.keys.map(ex).join(', ')}]${setsText(n, ex)} aggs=[${n.aggs.map((a) => a.display).join(', ')}] emit=CHANGES`;
    case 'lag':
      return `${head} partition=[${n.partitionBy.map(ex).join(', ')}] order=${input!.schema[n.timeInput]!.name} ${n.lags.map((l) => l.display).join(', ')}`;
    case 'overWindow':
      return `${head} partition=[${n.partitionBy.map(ex).join(', ')}] order=${input!.schema[n.timeInput]!.name} ${overFunctionsText(n.functions)}${n.timeColumn === undefined ? ' (LEAD: rows leave after their following rows, so the output keeps no event time)' : ''}`;
    case 'union': {
      const cols = n.schema.filter((c) => !c.hidden).map((c) => `${c.name} ${typeToSql(c.type)}`).join(', ');
      const time = n.timeColumn === undefined ? 'no event time' : `event time ${n.schema[n.timeColumn]!.name}, watermark the minimum of the ${n.inputs.length} inputs'`;
      return `${head} (${cols}) ${time}, ${n.appendOnly ? 'append-only' : 'changelog (+I/-U/+U/-D)'}`;
    }
    case 'intervalJoin':
      return `${head} ${joinText(n, plan)}`;
    case 'regularJoin':
      return `${head} ${regularJoinText(n, plan)}`;
    case 'distinct': {
      const cols = n.schema.map((c) => `${c.name} ${typeToSql(c.type)}`).join(', ');
      const how = !n.appendOnly
        ? 'a count per distinct row: +I at its first copy, -D when its last copy is retracted; changelog (+I/-D)'
        : n.timeInput === undefined
          ? 'first occurrence of each row, append-only; every distinct row kept for as long as the job runs (no event time to forget it by)'
          : `first occurrence of each row, append-only; a row kept until the watermark passes its ${n.schema[n.timeColumn!]!.name} (rows behind the watermark are late), event time ${n.schema[n.timeColumn!]!.name}`;
      return `${head} (${cols}) ${how}`;
    }
    case 'windowJoin':
      return `${head} ${windowJoinText(n, plan)}`;
    case 'temporalJoin':
    case 'lookupJoin':
      return `${head} ${tableJoinText(n, plan)}`;
    case 'topN':
      return `${head} ${topNText(n, input!.schema)}`;
    case 'sink': {
      const o = n.sink.options;
      const where = o['path'] ?? o['topic'] ?? '';
      return `${head} ${n.sink.name} [${o['connector']}${where ? ` ${where}` : ''}${o['format'] ? `, ${o['format']}` : ''}] ${n.appendOnly ? 'append-only' : 'changelog (+I/-U/+U/-D)'}, ${guaranteeText(sinkGuarantee(plan, n, RUN))}`;
    }
  }
}

/** A window's offset as its last argument, normalised (time.ts); nothing for epoch alignment. */
function offsetText(offset: number | undefined): string {
  return offset ? `, offset ${formatDuration(offset)}` : '';
}

function windowText(w: WindowSpec, ts: string): string {
  switch (w.kind) {
    case 'tumble':
      return `TUMBLE(${ts}, ${formatDuration(w.sizeMicros)}${offsetText(w.offsetMicros)})`;
    case 'hop':
      return `HOP(${ts}, ${formatDuration(w.slideMicros)}, ${formatDuration(w.sizeMicros)}${offsetText(w.offsetMicros)})`;
    case 'cumulate':
      return `CUMULATE(${ts}, ${formatDuration(w.stepMicros)}, ${formatDuration(w.sizeMicros)}${offsetText(w.offsetMicros)})`;
    case 'session':
      return `SESSION(${ts}, ${formatDuration(w.gapMicros)})`;
  }
}

/** `INNER TUMBLE(10s) keys=[...]; ...`: the window, keys, residual, when rows leave and what comes out. */
function windowJoinText(n: PhysicalNode & { kind: 'windowJoin' }, plan: PhysicalPlan): string {
  const l = plan.nodes[n.inputs[0]!]!.schema;
  const r = plan.nodes[n.inputs[1]!]!.schema;
  const keys = [`left ${l[n.starts[0]]!.name} = right ${r[n.starts[1]]!.name}`, `left ${l[n.ends[0]]!.name} = right ${r[n.ends[1]]!.name}`];
  n.leftKeys.forEach((k, i) => keys.push(`left ${describeExpr(k, l)} = right ${describeExpr(n.rightKeys[i]!, r)}`));
  const words = { inner: 'INNER', left: 'LEFT OUTER', right: 'RIGHT OUTER', full: 'FULL OUTER' }[n.joinType];
  // The window alone, without a time column: `TUMBLE(10s)`.
  const window = windowText(n.window, '\u0000').replace('\u0000, ', '');
  const parts = [`${words} ${window} keys=[${keys.join(', ')}]`];
  if (n.residual) parts.push(`residual ${describeExpr(n.residual, [...l, ...r])}`);
  const padded = { inner: '', left: ' (unmatched left rows with NULLs)', right: ' (unmatched right rows with NULLs)', full: ' (unmatched rows of both sides with NULLs)' }[n.joinType];
  parts.push(`each side's rows kept per window until the watermark (the minimum of both inputs') passes window_end, then the window's pairs emitted${padded}`);
  parts.push('no event time, append-only');
  return parts.join('; ');
}

/** `INNER keys=[a.k = b.k] b.ts - a.ts in [-5m, +1m], ...`: the keys, bounds, residual, how long rows wait, and the output's event time. */
function joinText(n: PhysicalNode & { kind: 'intervalJoin' }, plan: PhysicalPlan): string {
  const l = plan.nodes[n.inputs[0]!]!.schema;
  const r = plan.nodes[n.inputs[1]!]!.schema;
  const keys = n.leftKeys.map((k, i) => `left ${describeExpr(k, l)} = right ${describeExpr(n.rightKeys[i]!, r)}`);
  const lt = l[n.leftTime]!.name;
  const rt = r[n.rightTime]!.name;
  const signed = (m: number) => (m === 0 ? '0' : m < 0 ? `-${readable(-m)}` : `+${readable(m)}`);
  const words = { inner: 'INNER', left: 'LEFT OUTER', right: 'RIGHT OUTER', full: 'FULL OUTER' }[n.joinType];
  const parts = [`${words} keys=[${keys.join(', ')}]`, `bounds: right.${rt} - left.${lt} in ${boundsText(n.lowerMicros, n.upperMicros, signed)}`];
  if (n.residual) parts.push(`residual ${describeExpr(n.residual, [...l, ...r])}`);
  const side = joinTimeSide(n.joinType);
  // How long each side waits: until the join's watermark passes joinExpiry (exec/time.ts) of its row.
  const until = (s: 0 | 1, name: string): string => {
    const shift = joinExpiry(s, 0, side, n.lowerMicros, n.upperMicros);
    return s === side ? name : `${name} ${shift >= 0 ? '+' : '-'} ${readable(Math.abs(shift))}`;
  };
  const pad = ' (then, if unmatched, emitted with NULLs)';
  const padL = n.joinType === 'left' || n.joinType === 'full' ? pad : '';
  const padR = n.joinType === 'right' || n.joinType === 'full' ? pad : '';
  parts.push(`left rows kept until the watermark passes ${until(0, lt)}${padL}, right rows until it passes ${until(1, rt)}${padR}`);
  if (n.timeColumn === undefined) parts.push(`no event time (either side may be NULL), watermark min(left, right ${n.upperMicros >= 0 ? '-' : '+'} ${readable(Math.abs(n.upperMicros))}) for expiry only, append-only`);
  else if (side === 0) parts.push(`event time ${n.schema[n.timeColumn]!.name}, watermark min(left, right ${n.upperMicros >= 0 ? '-' : '+'} ${readable(Math.abs(n.upperMicros))}), append-only`);
  else parts.push(`event time ${n.schema[n.timeColumn]!.name}, watermark min(left ${n.lowerMicros >= 0 ? '+' : '-'} ${readable(Math.abs(n.lowerMicros))}, right), append-only`);
  const output = joinOutputText(n.outputs, n.schema, l, r);
  if (output !== undefined) parts.push(output);
  return parts.join('; ');
}

/**
 * The inclusive bounds as written: a strict bound (stored 1 µs inside a round one, `b.ts > a.ts`)
 * shows as an open end, `(0, +2m)` rather than `[+1us, +1m59.999999s]`.
 */
function boundsText(lower: number, upper: number, signed: (m: number) => string): string {
  const round = (m: number) => m === 0 || !formatDuration(Math.abs(m)).endsWith('us');
  const lo = !round(lower) && round(lower - 1) ? `(${signed(lower - 1)}` : `[${signed(lower)}`;
  const hi = !round(upper) && round(upper + 1) ? `${signed(upper + 1)})` : `${signed(upper)}]`;
  return `${lo}, ${hi}`;
}

/** A duration for reading: `5m`, `1s`, and `119.999999s` rather than `119999999us`. */
function readable(micros: number): string {
  const f = formatDuration(micros);
  if (!f.endsWith('us') || micros < 1_000_000) return f;
  return `${(micros / 1_000_000).toFixed(6).replace(/0+$/, '')}s`;
}

/** `LEFT OUTER keys=[...]; residual ...; every row kept ...; changelog`: how long rows are held, and what state_ttl does. */
function regularJoinText(n: PhysicalNode & { kind: 'regularJoin' }, plan: PhysicalPlan): string {
  const l = plan.nodes[n.inputs[0]!]!.schema;
  const r = plan.nodes[n.inputs[1]!]!.schema;
  const keys = n.leftKeys.map((k, i) => `left ${describeExpr(k, l)} = right ${describeExpr(n.rightKeys[i]!, r)}`);
  const kind = { inner: 'INNER', left: 'LEFT OUTER', right: 'RIGHT OUTER', full: 'FULL OUTER' }[n.joinType];
  const parts = [`${kind} keys=[${keys.join(', ')}]`];
  // Both sides may have a column of one name (date_time): the residual says whose.
  const sides = [...l.map((c) => ({ ...c, name: `left.${c.name}` })), ...r.map((c) => ({ ...c, name: `right.${c.name}` }))];
  if (n.residual) parts.push(`residual ${describeExpr(n.residual, sides)}`);
  parts.push(
    n.ttlMicros === undefined
      ? 'every row of both sides kept per key for as long as the job runs (no time bound: state grows with the distinct keys)'
      : `a key's rows kept until the watermark is more than state_ttl ${formatDuration(n.ttlMicros)} past its last row, then dropped (later rows no longer join them: results may differ from a join of all rows)`,
  );
  parts.push(`no event time, ${n.appendOnly ? 'append-only' : 'changelog (+I/-U/+U/-D)'}`);
  return parts.join('; ');
}

/** ` sets=[(sensor, site), (sensor), ()]` for an aggregate with grouping sets (the window is in each), else nothing. */
function setsText(n: { readonly kind: string; readonly keys: readonly BoundExpr[]; readonly groupingSets?: GroupingSets }, ex: (e: BoundExpr) => string): string {
  if (n.kind === 'sessionAgg' || n.groupingSets === undefined) return '';
  return ` sets=[${n.groupingSets.map((set) => `(${set.map((k) => ex(n.keys[k]!)).join(', ')})`).join(', ')}] (one group per set per row)`;
}

/**
 * A join's output columns when they are not simply each side's visible columns in order (a
 * SELECT list folded into the join, plan/fold-project.ts): `output left.a, right.ts AS b`.
 */
function joinOutputText(outputs: readonly (readonly [0 | 1, number])[], schema: readonly PlanColumn[], l: readonly PlanColumn[], r: readonly PlanColumn[]): string | undefined {
  const identity: Array<readonly [0 | 1, number]> = [];
  for (const [side, cols] of [[0, l], [1, r]] as const) cols.forEach((c, i) => c.hidden !== true && identity.push([side, i]));
  const same = outputs.length === identity.length && outputs.every(([s, c], k) => identity[k]![0] === s && identity[k]![1] === c) && outputs.every(([s, c], k) => (s === 0 ? l : r)[c]!.name === schema[k]!.name);
  if (same) return undefined;
  const cols = outputs.map(([s, c], k) => {
    const from = (s === 0 ? l : r)[c]!.name;
    const name = schema[k]!.name;
    return `${s === 0 ? 'left' : 'right'}.${from}${from === name ? '' : ` AS ${name}`}`;
  });
  return `output ${cols.join(', ')}`;
}
