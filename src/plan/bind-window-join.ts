// Binds a window join: `FROM l JOIN r ON l.window_start = r.window_start AND l.window_end =
// r.window_end AND l.k = r.k` where both sides' window columns come from windows of one spec
// (the TVF form `TUMBLE(a, ts, 10s)`, or a windowed aggregate, through projections and filters).
// Flink's rule: both bounds must be equal; the rest of ON is keys and a residual.

import type { FromItem } from '../sql/ast.js';
import { T } from '../catalog/types.js';
import { formatDuration } from '../catalog/duration.js';
import type { BoundExpr } from '../expr/bound.js';
import { PlanError } from './errors.js';
import { Scope } from './scope.js';
import type { PlanBuilder } from './builder.js';
import type { BoundRelation } from './bind-relation.js';
import { groupKeyWidth, type AlignedWindow, type StateDecl } from './physical.js';
import { alignKeys, joinOutputs, splitCondition } from './join-condition.js';

type JoinItem = FromItem & { kind: 'join' };

interface WindowColumn {
  readonly bound: 'start' | 'end';
  readonly window: AlignedWindow;
}

/** The window join of `on`, or undefined when ON equates no window bounds of the two sides. */
export function bindWindowJoin(b: PlanBuilder, f: JoinItem, text: string, left: BoundRelation, right: BoundRelation, on: BoundExpr): BoundRelation | undefined {
  const lw = left.scope.columns.length;
  // No event-time bounds here (-1): every column equality is a key, the window bounds among them.
  const cond = splitCondition(on, lw, -1, -1);
  const starts: Array<[number, number]> = [];
  const ends: Array<[number, number]> = [];
  const windows: AlignedWindow[] = [];
  const keys: Array<[BoundExpr, BoundExpr]> = [];
  cond.leftKeys.forEach((l, i) => {
    const r = cond.rightKeys[i]!;
    const lc = l.kind === 'column' ? windowColumn(b, left.node, l.index) : undefined;
    const rc = r.kind === 'column' ? windowColumn(b, right.node, r.index - lw) : undefined;
    if (l.kind === 'column' && r.kind === 'column' && lc && rc && lc.bound === rc.bound) {
      (lc.bound === 'start' ? starts : ends).push([l.index, r.index - lw]);
      windows.push(lc.window, rc.window);
    } else keys.push([l, r]);
  });
  if (starts.length === 0 && ends.length === 0) return undefined;
  const span = f.on!.span;
  if (starts.length === 0 || ends.length === 0) {
    throw new PlanError(text, span, `a window join needs both window_start and window_end equal on the two sides; this ON equates only window_${starts.length === 0 ? 'end' : 'start'}`, {
      hint: 'ON l.window_start = r.window_start AND l.window_end = r.window_end AND l.k = r.k',
    });
  }
  const window = windows[0]!;
  const differs = windows.find((w) => !sameWindow(w, window));
  if (differs !== undefined) {
    throw new PlanError(text, span, `a window join needs the same windows on both sides: ${describe(window)} and ${describe(differs)} differ`, {
      hint: 'window both inputs with the same TUMBLE, HOP or CUMULATE (size, slide or step, and offset)',
    });
  }
  const [leftKeys, rightKeys] = alignKeys(
    keys.map((k) => k[0]),
    keys.map((k) => k[1]),
    lw,
  );
  const rest = cond.residual;
  const residual = rest.length === 0 ? undefined : rest.length === 1 ? rest[0]! : ({ kind: 'logic', op: 'AND', operands: rest, type: T.boolean } as const);
  const { outputs, cols } = joinOutputs(left, right, undefined, undefined);
  const scope = new Scope(cols, undefined, undefined, "a window join's rows keep no event time", 'window JOIN');
  const state: StateDecl[] = [{ name: 'windows', shape: 'timeKeyed', describe: "window end × window start and join key → each side's rows", bounded: true }];
  const node = b.add({
    kind: 'windowJoin',
    inputs: [left.node, right.node],
    schema: scope.schema(),
    timeColumn: undefined,
    appendOnly: true,
    state,
    joinType: f.joinType === 'cross' ? 'inner' : f.joinType,
    window,
    leftKeys,
    rightKeys,
    starts: [starts[0]![0], starts[0]![1]],
    ends: [ends[0]![0], ends[0]![1]],
    times: [left.scope.timeColumn, right.scope.timeColumn],
    residual,
    condition: on,
    outputs,
    refInputs: [left.scope.refColumn, right.scope.refColumn],
  });
  return { node, scope, appendOnly: true };
}

/** Where column `col` of node `id` comes from, when it is a window's start or end (through projections, filters and window joins). */
export function windowColumn(b: PlanBuilder, id: number, col: number): WindowColumn | undefined {
  const n = b.node(id);
  switch (n.kind) {
    case 'project': {
      const e = n.exprs[col];
      return e?.kind === 'column' ? windowColumn(b, n.inputs[0]!, e.index) : undefined;
    }
    case 'filter':
      return windowColumn(b, n.inputs[0]!, col);
    case 'windowExpand': {
      const width = b.node(n.inputs[0]!).schema.length;
      if (col === width) return { bound: 'start', window: n.window };
      if (col === width + 1) return { bound: 'end', window: n.window };
      return undefined;
    }
    case 'windowAgg':
      if (n.emit !== 'final') return undefined;
      if (col === groupKeyWidth(n)) return { bound: 'start', window: n.window };
      if (col === groupKeyWidth(n) + 1) return { bound: 'end', window: n.window };
      return undefined;
    case 'windowJoin': {
      const o = n.outputs[col];
      return o === undefined ? undefined : windowColumn(b, n.inputs[o[0]]!, o[1]);
    }
    default:
      return undefined;
  }
}

function sameWindow(a: AlignedWindow, b: AlignedWindow): boolean {
  if (a.kind !== b.kind || a.sizeMicros !== b.sizeMicros || (a.offsetMicros ?? 0) !== (b.offsetMicros ?? 0)) return false;
  if (a.kind === 'hop' && b.kind === 'hop') return a.slideMicros === b.slideMicros;
  if (a.kind === 'cumulate' && b.kind === 'cumulate') return a.stepMicros === b.stepMicros;
  return true;
}

function describe(w: AlignedWindow): string {
  const s = formatDuration;
  return w.kind === 'tumble' ? `TUMBLE(${s(w.sizeMicros)})` : w.kind === 'hop' ? `HOP(${s(w.slideMicros)}, ${s(w.sizeMicros)})` : `CUMULATE(${s(w.stepMicros)}, ${s(w.sizeMicros)})`;
}
