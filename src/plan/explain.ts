// EXPLAIN: the physical plan as an indented tree per sink, each operator with its keys,
// window, emit mode and state tables, each output (sink, dead-letter, late) with its delivery
// guarantee; unbounded state is flagged with a warning.

import { typeToSql } from '../catalog/types.js';
import { formatDuration } from '../catalog/duration.js';
import type { BoundExpr } from '../expr/bound.js';
import type { PhysicalNode, PhysicalPlan, WindowSpec } from './physical.js';
import { describeExpr } from './describe-expr.js';
import { tableJoinText } from './explain-table-join.js';
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
    out.push(`${detail}state ${s.name}: ${s.shape === 'keyed' ? 'keyed' : 'time-keyed'} (${s.describe}), ${s.bounded ? 'bounded: expires behind the watermark' : 'UNBOUNDED: grows with the number of keys'}`);
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
    union: 'UnionAll',
    intervalJoin: 'IntervalJoin',
    temporalJoin: 'TemporalJoin',
    lookupJoin: 'LookupJoin',
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
          : `watermark ${n.schema[n.watermark.column]!.name} - ${formatDuration(n.watermark.delayMicros)}`;
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
      return `${head} ${windowText(n.window, input!.schema[n.timeInput]!.name)} keys=[${n.keys.map(ex).join(', ')}] aggs=[${n.aggs.map((a) => a.display).join(', ')}] emit=${n.emit.toUpperCase()}`;
    case 'groupAgg':
      return `${head} keys=[${n.keys.map(ex).join(', ')}] aggs=[${n.aggs.map((a) => a.display).join(', ')}] emit=CHANGES`;
    case 'lag':
      return `${head} partition=[${n.partitionBy.map(ex).join(', ')}] order=${input!.schema[n.timeInput]!.name} ${n.lags.map((l) => l.display).join(', ')}`;
    case 'union': {
      const cols = n.schema.filter((c) => !c.hidden).map((c) => `${c.name} ${typeToSql(c.type)}`).join(', ');
      const time = n.timeColumn === undefined ? 'no event time' : `event time ${n.schema[n.timeColumn]!.name}, watermark the minimum of the ${n.inputs.length} inputs'`;
      return `${head} (${cols}) ${time}, ${n.appendOnly ? 'append-only' : 'changelog (+I/-U/+U/-D)'}`;
    }
    case 'intervalJoin':
      return `${head} ${joinText(n, plan)}`;
    case 'temporalJoin':
    case 'lookupJoin':
      return `${head} ${tableJoinText(n, plan)}`;
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

/** `INNER keys=[a.k = b.k] b.ts - a.ts in [-5m, +1m], ...`: the keys, bounds, residual, how long rows wait, and the output's event time. */
function joinText(n: PhysicalNode & { kind: 'intervalJoin' }, plan: PhysicalPlan): string {
  const l = plan.nodes[n.inputs[0]!]!.schema;
  const r = plan.nodes[n.inputs[1]!]!.schema;
  const keys = n.leftKeys.map((k, i) => `left ${describeExpr(k, l)} = right ${describeExpr(n.rightKeys[i]!, r)}`);
  const lt = l[n.leftTime]!.name;
  const rt = r[n.rightTime]!.name;
  const signed = (m: number) => (m < 0 ? `-${formatDuration(-m)}` : `+${formatDuration(m)}`);
  const parts = [
    `${n.joinType === 'left' ? 'LEFT OUTER' : 'INNER'} keys=[${keys.join(', ')}]`,
    `bounds: right.${rt} - left.${lt} in [${signed(n.lowerMicros)}, ${signed(n.upperMicros)}]`,
  ];
  if (n.residual) parts.push(`residual ${describeExpr(n.residual, [...l, ...r])}`);
  parts.push(`left rows kept until the watermark passes ${lt}${n.joinType === 'left' ? ' (then, if unmatched, emitted with NULLs)' : ''}, right rows until it passes ${rt} ${n.lowerMicros <= 0 ? '+' : '-'} ${formatDuration(Math.abs(n.lowerMicros))}`);
  parts.push(`event time ${n.schema[n.timeColumn!]!.name}, watermark min(left, right ${n.upperMicros >= 0 ? '-' : '+'} ${formatDuration(Math.abs(n.upperMicros))}), append-only`);
  return parts.join('; ');
}
