// CREATE TABLE's own checks (the rest is CREATE SOURCE's, in ddl.ts): a table is a bounded file
// (CSV or JSON lines, read whole) or a Kafka topic read as an upsert changelog keyed by its
// PRIMARY KEY, which is the message key. Each refusal points at what to change.

import type { Statement } from '../sql/ast.js';
import type { Column, TableInfo } from '../catalog/catalog.js';
import { nearest } from '../sql/diagnostics.js';
import { PlanError } from './errors.js';

type CreateTable = Statement & { kind: 'createSource' };

export function tableInfo(s: CreateTable, connector: string, columns: readonly Column[], options: Readonly<Record<string, string>>, text: string): TableInfo {
  const t = s.table!;
  const connSpan = s.options.find((o) => o.key === 'connector')?.valueSpan ?? s.name.span;
  if (connector !== 'file' && connector !== 'kafka') {
    throw new PlanError(text, connSpan, `a table reads a file or a Kafka topic, not the '${connector}' connector`, {
      hint: `use connector = 'file' (path, format = 'csv' or 'jsonl') for reference data, or connector = 'kafka' for a changelog topic; a generated stream is a CREATE SOURCE`,
    });
  }
  const seen = new Set<string>();
  for (const k of t.primaryKey) {
    if (!columns.some((c) => c.name === k.name)) {
      const guess = nearest(k.name, columns.map((c) => c.name));
      throw new PlanError(text, k.span, `unknown column '${k.name}' in PRIMARY KEY`, guess ? { hint: `did you mean '${guess}'?` } : {});
    }
    if (seen.has(k.name)) throw new PlanError(text, k.span, `column '${k.name}' is in the PRIMARY KEY twice`);
    seen.add(k.name);
  }
  if (connector === 'file') {
    const follow = s.options.find((o) => o.key === 'follow');
    if (follow && options['follow'] === 'true') {
      throw new PlanError(text, follow.valueSpan, 'a file table is read whole, once, before the stream is joined with it; it cannot follow a growing file', {
        hint: "drop follow = 'true', or keep changing reference data in a Kafka topic: CREATE TABLE ... WITH (connector = 'kafka', topic = ...)",
      });
    }
    return { primaryKey: t.primaryKey.map((k) => k.name), upsert: false };
  }
  if (t.primaryKey.length === 0) {
    throw new PlanError(text, s.name.span, `Kafka table '${s.name.name}' needs a PRIMARY KEY: its topic is read as an upsert changelog, the latest value per key`, {
      hint: 'add PRIMARY KEY (id) naming the column(s) that the message key holds (a tombstone, a message without a value, deletes its key)',
    });
  }
  const notKey = columns.find((c) => c.key && !t.primaryKey.some((k) => k.name === c.name));
  if (notKey) {
    throw new PlanError(text, s.name.span, `column '${notKey.name}' is marked KEY but is not in the PRIMARY KEY of table '${s.name.name}'`, {
      hint: 'a Kafka table is keyed by its message key: list every KEY column in PRIMARY KEY (...)',
    });
  }
  return { primaryKey: t.primaryKey.map((k) => k.name), upsert: true };
}
