// A REPL session without any UI: the catalog (demo sources first), settings (\format, \timing),
// the running query and the last one (for \compare and \watermarks). `submit` takes what the
// user typed (SQL ended by ';' or a backslash command) and returns outputs to print.

import * as path from 'node:path';
import { Catalog } from '../catalog/catalog.js';
import { parseScript } from '../sql/index.js';
import { SqlError } from '../sql/diagnostics.js';
import { applyDdl } from '../plan/ddl.js';
import { ConnectorError } from '../connectors/connector.js';
import type { Statement } from '../sql/ast.js';
import { DEMO_SQL } from './demo.js';
import { LiveQuery } from './live-query.js';
import { out, type Output } from './output.js';
import type { OutputFormat } from './format.js';
import { describeStatement, explainStatement, showStatement } from './statements.js';
import { findCommand } from './commands/index.js';

export interface SessionOptions {
  /** Load the demo sources (default true). */
  readonly demo?: boolean;
  readonly baseDir?: string;
}

export class Session {
  readonly catalog = new Catalog();
  format: OutputFormat = 'table';
  timing = false;
  baseDir: string;
  /** The query on screen: running, or finished and not yet moved to the scrollback. */
  live: LiveQuery | undefined;
  /** The most recent query started, for \compare and \watermarks after it stopped. */
  last: LiveQuery | undefined;
  exitRequested = false;
  /** Called when a statement starts a query (the UI subscribes to show it live). */
  onQuery: ((q: LiveQuery) => void) | undefined;

  constructor(options: SessionOptions = {}) {
    this.baseDir = options.baseDir ?? process.cwd();
    if (options.demo ?? true) this.runScript(DEMO_SQL, undefined);
  }

  /** One submission: a backslash command, or one or more `;`-separated statements. */
  async submit(input: string): Promise<Output[]> {
    const text = input.trim();
    if (text === '') return [];
    const t0 = performance.now();
    let result: Output[];
    if (text.startsWith('\\')) {
      const [name = '', ...rest] = text.slice(1).split(/\s+/);
      const cmd = findCommand(name.replace(/;$/, ''));
      if (!cmd) return [out.error(`unknown command \\${name}; \\help lists the commands`)];
      result = await cmd.run(rest.join(' ').replace(/;\s*$/, '').trim(), this);
    } else {
      result = this.runScript(text, undefined);
    }
    if (this.timing) result.push(out.dim(`time: ${(performance.now() - t0).toFixed(1)} ms`));
    return result;
  }

  /** Applies a script's statements in order; a query starts running (the last one wins). */
  runScript(text: string, file: string | undefined, baseDir = this.baseDir): Output[] {
    const outputs: Output[] = [];
    try {
      const script = parseScript(text, file);
      for (const s of script.statements) outputs.push(...this.statement(s.statement, text, baseDir));
    } catch (e) {
      outputs.push(errorOutput(e, file));
    }
    return outputs;
  }

  private statement(s: Statement, text: string, baseDir: string): Output[] {
    switch (s.kind) {
      case 'createSource':
      case 'createView':
      case 'createSink':
      case 'drop':
      case 'set': {
        applyDdl(this.catalog, s, { text, baseDir });
        const what = s.kind === 'createSource' ? 'source' : s.kind === 'createView' ? 'view' : s.kind === 'createSink' ? 'sink' : undefined;
        if (s.kind === 'set') return [out.dim(`set ${s.key} = '${s.value}'`)];
        if (s.kind === 'drop') return [out.dim(`dropped ${s.what} ${s.name.name}`)];
        return [out.dim(`created ${what} ${s.name.name}`)];
      }
      case 'show':
        return showStatement(this.catalog, s.what);
      case 'describe':
        return describeStatement(this.catalog, s, text);
      case 'explain':
        return explainStatement(this.catalog, s, text);
      case 'query': {
        const q = new LiveQuery(this.catalog, text, s.query);
        void this.live?.stop();
        this.live = q;
        this.last = q;
        this.onQuery?.(q);
        return [];
      }
    }
  }

  /** Ctrl-C: stops the running query; false when none was running. */
  stopQuery(): boolean {
    if (!this.live?.running) return false;
    void this.live.stop();
    return true;
  }

  resolvePath(p: string): string {
    return path.resolve(this.baseDir, p);
  }
}

export function errorOutput(e: unknown, file?: string): Output {
  if (e instanceof SqlError) return out.error((file && e.file === undefined ? e.withFile(file) : e).render());
  if (e instanceof ConnectorError) return out.error(`error: ${e.message}${e.hint ? `\n  = hint: ${e.hint}` : ''}`);
  return out.error(`error: ${(e as Error).message ?? String(e)}`);
}
