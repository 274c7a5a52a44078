// What `sluice run --fresh` says it discarded and what stays: file outputs (sinks, dead-letter
// and late files) are written again from the start; a Kafka sink's topic and a Kafka source's
// dead-letter and late topics keep what earlier runs wrote, each said in a warning.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { loadScriptText, planScript } from '../../../src/cli/load.js';
import { freshNotes } from '../../../src/cli/restore.js';
import { selectSinks } from '../../../src/cli/select-sinks.js';

const SQL = `CREATE SOURCE ev (k VARCHAR, v INT) WITH (connector = 'kafka', topic = 'in', dead_letter = 'in.dlq', late = 'in.late');
CREATE SOURCE f (k VARCHAR, v INT) WITH (connector = 'file', path = 'in.jsonl', dead_letter = 'bad.jsonl');
CREATE SINK out WITH (connector = 'kafka', topic = 'out') AS SELECT k, v FROM ev;
CREATE SINK copy WITH (connector = 'file', path = 'copy.jsonl') AS SELECT k, v FROM f;
`;

test('--fresh: file outputs start over; Kafka sink and side topics keep what earlier runs wrote', () => {
  const script = loadScriptText(SQL, undefined, os.tmpdir());
  const plan = planScript(script, selectSinks(script, undefined, 'jsonl'), { provenance: false });
  const notes = freshNotes(plan, '/state', { id: 4, createdAt: Date.UTC(2024, 4, 20) } as Parameters<typeof freshNotes>[2], new Map());
  assert.equal(notes.info.length, 1);
  assert.match(notes.info[0]!, /discarded checkpoint 4 of 2024-05-20T00:00:00.000Z in \/state; .*file sinks, dead-letter and late files are written again from the start/);
  assert.equal(notes.warn.length, 3, notes.warn.join('\n'));
  assert.match(notes.warn[0]!, /topic 'out' \(sink 'out'\) stays there/);
  assert.match(notes.warn[1]!, /topic 'in\.dlq' \(dead_letter of source 'ev'\) stays there, .*point dead_letter at a new topic/);
  assert.match(notes.warn[2]!, /topic 'in\.late' \(late of source 'ev'\) stays there/);
  // Nothing discarded (a first run with --fresh): nothing to say.
  assert.deepEqual(freshNotes(plan, '/state', undefined, new Map()), { info: [], warn: [] });
});
