// The exactly-once sink's commits as Kafka records them: each offset transactional-sink.ts
// commits to a source's consumer group (or, for a further sink of the same source, to a group of
// its own: sink.ts commitGroups) carries `sluice:<epoch>:<checkpoint id>`, in the same
// transaction as the output. Read here so that `sluice run` can hold the checkpoint it would
// resume from against them (cli/restore.ts): the group, not the state directory, is the truth
// about what output was committed.

import type { SourceDef } from '../../catalog/catalog.js';
import type { CommitMark, SinkCommits, SinkPosition } from '../connector.js';
import { kafkaClient, withAdmin } from './client.js';
import { MARKER } from './exactly-once.js';
import type { KafkaClient } from './port.js';
import { kafkaSourceSettings } from './source.js';

/**
 * The distinct markers a sink committed for the Kafka sources among `sources`, read from the
 * group it commits each one's offsets to (`groups` by source name, sink.ts commitGroups; the
 * source's own group when absent), with where each was first seen.
 */
export async function recordedMarks(
  sources: readonly SourceDef[],
  groups: ReadonlyMap<string, string> = new Map(),
  client: (def: SourceDef) => KafkaClient = (d) => kafkaClient(d.options, `sluice-${d.name}`),
): Promise<CommitMark[]> {
  const out = new Map<string, CommitMark>();
  for (const def of sources) {
    if (def.options['connector'] !== 'kafka') continue;
    const settings = kafkaSourceSettings(def);
    const group = groups.get(def.name) ?? settings.group;
    const topic = settings.topic;
    // Through an outage too: the job may be started while its broker is still coming up.
    const parts = await withAdmin(client(def), `kafka source '${topic}': reading the committed markers of group '${group}'`, (admin) => admin.groupOffsets(group, topic));
    for (const p of parts) {
      const m = MARKER.exec(p.metadata ?? '');
      if (!m) continue;
      const key = `${m[1]}:${m[2]}`;
      if (!out.has(key)) out.set(key, { run: m[1]!, checkpoint: Number(m[2]), where: `consumer group '${group}', topic '${topic}' partition ${p.partition} (offset ${p.offset})` });
    }
  }
  return [...out.values()];
}

/** The commit a checkpoint's stored position of the exactly-once sink stands for (its Sealed epoch and id). */
export function sealedMark(resume: SinkPosition | undefined): SinkCommits['checkpoint'] {
  const epoch = resume?.['epoch'];
  const id = resume?.['id'];
  return typeof epoch === 'string' && typeof id === 'number' ? { run: epoch, checkpoint: id } : undefined;
}
