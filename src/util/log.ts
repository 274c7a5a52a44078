// The process's log: one logger that the CLI configures (level; JSON lines or text) and that the
// CLI and the connectors write to; never used per event. Every line passes through redact(), so
// values read from `${env:NAME}` options (registerSecret) never reach stderr.

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export type LogFields = Readonly<Record<string, unknown>>;

export interface LogConfig {
  readonly level: LogLevel;
  /** JSON lines (one object per line: time, level, msg, fields) instead of the text a terminal shows. */
  readonly json: boolean;
  readonly write: (line: string) => void;
}

let config: LogConfig = { level: 'info', json: false, write: (line) => process.stderr.write(line) };
const secrets = new Set<string>();

export function configureLog(c: Partial<LogConfig>): void {
  config = { ...config, ...c };
}

export function logConfig(): LogConfig {
  return config;
}

/** A value that must never be printed (a resolved `${env:NAME}` option). */
export function registerSecret(value: string): void {
  // Shorter values would blank ordinary words and numbers; nobody's password is two characters.
  if (value.length >= 3) secrets.add(value);
}

/** `text` with every registered secret, raw or JSON-escaped, replaced by `***`. */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    out = out.split(s).join('***');
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s) out = out.split(escaped).join('***');
  }
  return out;
}

function emit(level: LogLevel, msg: string, fields: LogFields | undefined): void {
  if (RANK[level] > RANK[config.level]) return;
  if (config.json) {
    config.write(redact(JSON.stringify({ time: new Date().toISOString(), level, msg: msg.trim(), ...fields })) + '\n');
  } else {
    config.write(redact(msg.endsWith('\n') ? msg : msg + '\n'));
  }
}

/** Text mode prints `msg` as it is (it may span lines); JSON mode adds `fields` to the record. */
export const log = {
  error: (msg: string, fields?: LogFields) => emit('error', msg, fields),
  warn: (msg: string, fields?: LogFields) => emit('warn', msg, fields),
  info: (msg: string, fields?: LogFields) => emit('info', msg, fields),
  debug: (msg: string, fields?: LogFields) => emit('debug', msg, fields),
};
