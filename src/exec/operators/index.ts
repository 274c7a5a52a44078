// The closed registry of operators: one switch over the physical node kinds. Sources and sinks
// are not operators: the runner drives connectors for them.

import type { PhysicalNode } from '../../plan/physical.js';
import type { Operator } from '../operator.js';
import { FilterOperator } from './filter.js';
import { GroupAggOperator } from './group-agg.js';
import { LagOperator } from './lag.js';
import { OverWindowOperator } from './over-window.js';
import { ProjectOperator } from './project.js';
import { SessionAggOperator } from './session-agg.js';
import { WindowAggOperator } from './window-agg.js';
import { WindowExpandOperator } from './window-expand.js';
import { UnionOperator } from './union.js';
import { IntervalJoinOperator } from './interval-join.js';
import { RegularJoinOperator } from './regular-join.js';
import { DistinctOperator } from './distinct.js';
import { WindowJoinOperator } from './window-join.js';
import { TemporalJoinOperator } from './temporal-join.js';
import { LookupJoinOperator } from './lookup-join.js';
import { createTopN } from './top-n.js';

export function createOperator(node: PhysicalNode): Operator {
  switch (node.kind) {
    case 'filter':
      return new FilterOperator(node);
    case 'project':
      return new ProjectOperator(node);
    case 'windowExpand':
      return new WindowExpandOperator(node);
    case 'windowAgg':
      return new WindowAggOperator(node);
    case 'sessionAgg':
      return new SessionAggOperator(node);
    case 'groupAgg':
      return new GroupAggOperator(node);
    case 'lag':
      return new LagOperator(node);
    case 'overWindow':
      return new OverWindowOperator(node);
    case 'union':
      return new UnionOperator(node);
    case 'intervalJoin':
      return new IntervalJoinOperator(node);
    case 'regularJoin':
      return new RegularJoinOperator(node);
    case 'distinct':
      return new DistinctOperator(node);
    case 'windowJoin':
      return new WindowJoinOperator(node);
    case 'temporalJoin':
      return new TemporalJoinOperator(node);
    case 'lookupJoin':
      return new LookupJoinOperator(node);
    case 'topN':
      return createTopN(node);
    case 'source':
    case 'sink':
      throw new Error(`${node.kind} node ${node.id} is driven by the runner, not an operator`);
    default: {
      const unhandled: never = node;
      throw new Error(`unknown operator kind ${(unhandled as PhysicalNode).kind}`);
    }
  }
}

export { FilterOperator, GroupAggOperator, LagOperator, ProjectOperator, SessionAggOperator, WindowAggOperator, WindowExpandOperator, UnionOperator, IntervalJoinOperator, RegularJoinOperator, DistinctOperator, WindowJoinOperator, TemporalJoinOperator, LookupJoinOperator };
