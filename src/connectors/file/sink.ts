// The `file` sink: JSON lines (compileEncoder), the file truncated or created when the job
// opens it, parent directories created; rows are queued per batch and written in large chunks.
// Exactly-once under checkpoints: position() is the length in bytes, synced to disk before each
// checkpoint records it; a resumed sink is first truncated to its checkpointed length (and
// refused when the file is shorter than that).

import type { Column, SinkDef } from '../../catalog/catalog.js';
import { Op } from '../../catalog/batch.js';
import { ConnectorError } from '../connector.js';
import type { SinkConnector, SinkContext, SinkPosition, SinkWriter } from '../connector.js';
import { compileEncoder } from '../format/encode.js';
import { choiceOption, requiredOption, resolvePath } from '../options.js';
import { fileGuarantee, LineFileWriter, OutputCutShortError } from './line-writer.js';

export function openFileSink(file: string, columns: readonly Column[], changelog: boolean, resume?: SinkPosition): SinkWriter {
  const encode = compileEncoder(columns, changelog);
  const length = resume?.['bytes'];
  const out = new LineFileWriter(file, 'w', typeof length === 'number' ? length : undefined);
  return {
    write(batch) {
      const { rows, ops } = batch;
      let text = '';
      for (let i = 0; i < rows.length; i++) text += `${encode(rows[i]!, ops ? ops[i]! : Op.Insert)}\n`;
      if (text.length > 0) out.append(text);
    },
    flush: () => out.flush(),
    sync: () => out.sync(),
    close: () => out.close(),
    position: () => ({ bytes: out.bytes }),
  };
}

export const fileSink: SinkConnector = {
  name: 'file',
  options: ['connector', 'path', 'format'],
  identity: ['connector', 'path'],
  guarantee: (_def: SinkDef, context: SinkContext) => fileGuarantee(context.checkpoints),
  open(def: SinkDef, columns: readonly Column[], changelog: boolean, resume?: SinkPosition): SinkWriter {
    const p = requiredOption(def.options, 'path', 'out.jsonl');
    choiceOption(def.options, 'format', ['jsonl', 'json'] as const, 'jsonl');
    const file = resolvePath(def.baseDir, p);
    try {
      return openFileSink(file, columns, changelog, resume);
    } catch (e) {
      if (e instanceof OutputCutShortError) throw e;
      throw new ConnectorError(`cannot open ${file} for writing: ${e instanceof Error ? e.message : String(e)}`, 'path', 'check that the directory is writable');
    }
  },
};
