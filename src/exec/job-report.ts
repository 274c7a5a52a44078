// What a job reports about itself: its live metrics (sources, sinks, state tables) and, at the
// end of a run, human-readable notes on records it skipped or dead-lettered and late rows it
// dropped without a late output to keep them.

import type { JobMetrics, StateMetrics } from './metrics.js';
import type { SinkRuntime } from './sink-runtime.js';
import type { SourceRuntime } from './source-runtime.js';

export function jobMetrics(sources: readonly SourceRuntime[], sinks: readonly SinkRuntime[], state: readonly StateMetrics[], startedAt: number): JobMetrics {
  return {
    sources: sources.map((s) => s.metrics),
    sinks: sinks.map((s) => s.metrics),
    state,
    startedAt,
  };
}

export function jobNotes(sources: readonly SourceRuntime[]): string[] {
  const out: string[] = [];
  for (const s of sources) {
    const declared = s.node.source.options['dead_letter'] !== undefined;
    for (const [reason, { count, first }] of s.skipped) {
      const n = `${count} record${count === 1 ? '' : 's'}`;
      out.push(
        declared
          ? `${s.metrics.name}: ${n} dead-lettered: ${reason} (first at ${first})`
          : `${s.metrics.name}: ${n} skipped: ${reason} (first at ${first}); declare dead_letter = '<path>' to keep them`,
      );
    }
    if (s.metrics.late > 0 && s.node.source.options['late'] === undefined) {
      out.push(`${s.metrics.name}: ${s.metrics.late} late row${s.metrics.late === 1 ? '' : 's'} dropped behind the watermark; declare late = '<path>' to keep them, or raise the WATERMARK delay`);
    }
  }
  return out;
}
