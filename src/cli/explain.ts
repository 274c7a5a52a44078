// `sluice explain FILE`: the physical plan of the file's sinks. With --scale-out, how the job
// runs scaled out: one task per partition, or two stages around the repartition topic.

import { loadScriptFile, planScript } from './load.js';
import { selectSinks } from './select-sinks.js';
import { explainPlan } from '../plan/explain.js';
import { scaleOutLayout, stage2Group } from '../exec/scale-out/runner.js';
import { changelogTopic } from '../exec/scale-out/changelog.js';

export function explainCommand(file: string, opts: { sink?: string[]; scaleOut?: boolean }): number {
  const script = loadScriptFile(file);
  const sinks = selectSinks(script, opts.sink);
  const plan = planScript(script, sinks, { provenance: false });
  if (!opts.scaleOut) {
    process.stdout.write(explainPlan(plan));
    return 0;
  }
  const { settings, topic, stages } = scaleOutLayout(plan);
  const group = settings.group;
  if (stages === undefined) {
    process.stdout.write(`Scaled out: one task per input partition (every stateful operator is keyed by the message key); consumer group ${group}; state in ${changelogTopic(group)}\n\n${explainPlan(plan)}`);
    return 0;
  }
  const op = plan.nodes[stages.operator]!;
  process.stdout.write(
    `Scaled out in two stages: operator ${stages.operator} (${op.kind}) is not keyed by the message key, so rows are repartitioned by its key through ${topic}\n\n` +
      `Stage 1, one task per input partition (group ${group}, state in ${changelogTopic(group)}):\n${explainPlan(stages.first)}\n` +
      `Stage 2, one task per partition of ${topic} (group ${stage2Group(group)}, state in ${changelogTopic(stage2Group(group))}; watermark: the minimum of the stage-1 partitions' marks):\n${explainPlan(stages.second)}`,
  );
  return 0;
}
