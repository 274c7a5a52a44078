// The options a `SET key = value` statement may set, and the values each takes. Checked where SET
// is applied (plan/ddl.ts), so the REPL and `sluice run` accept and refuse the same statements;
// run.ts reads the values (command-line flags override them).

import { MAX_DURATION_TEXT, durationTooLong, parseIntervalMs } from '../catalog/duration.js';
import { nearest } from '../sql/diagnostics.js';
import { parseStateMemory } from '../state/budget.js';

interface SetOption {
  /** Why the value is refused, or undefined when it is fine. */
  check(value: string): string | undefined;
  /** What a valid value looks like. */
  readonly expected: string;
}

const SET_OPTIONS: Readonly<Record<string, SetOption>> = {
  checkpoint_interval: {
    expected: "a positive duration, e.g. '500ms', '10s' or '1m'",
    check: (v) => {
      if (durationTooLong(v)) return `checkpoint_interval '${v}' is longer than ${MAX_DURATION_TEXT}`;
      const ms = parseIntervalMs(v);
      return ms === undefined || ms <= 0 ? `checkpoint_interval '${v}' is not a positive duration` : undefined;
    },
  },
  // Read by `sluice run` on the Kafka-outage branch (--kafka-retry-for): 0s means no retries.
  kafka_retry_for: {
    expected: "a duration, e.g. '30s' or '5m' ('0s': no retries)",
    check: (v) => {
      if (durationTooLong(v)) return `kafka_retry_for '${v}' is longer than ${MAX_DURATION_TEXT}`;
      return parseIntervalMs(v) === undefined ? `kafka_retry_for '${v}' is not a duration` : undefined;
    },
  },
  state_memory: {
    expected: "a size, e.g. '256MB' or '2GB'",
    check: (v) => {
      const r = parseStateMemory(v);
      return 'error' in r ? r.error : undefined;
    },
  },
  // Read by the planner (bind-regular-join.ts): a regular join drops a key idle for this long.
  state_ttl: {
    expected: "a positive duration, e.g. '1h' or '30m'",
    check: (v) => {
      if (durationTooLong(v)) return `state_ttl '${v}' is longer than ${MAX_DURATION_TEXT}`;
      const ms = parseIntervalMs(v);
      return ms === undefined || ms <= 0 ? `state_ttl '${v}' is not a positive duration` : undefined;
    },
  },
  state_dir: {
    expected: "a directory, e.g. '.sluice/job'",
    check: (v) => (v.trim() === '' ? 'state_dir must not be empty' : undefined),
  },
};

export const SET_OPTION_NAMES: readonly string[] = Object.keys(SET_OPTIONS);

export interface SetProblem {
  readonly on: 'key' | 'value';
  readonly message: string;
  readonly expected: string;
  readonly hint?: string;
}

/** Why `SET key = value` is refused, or undefined when it is fine. */
export function checkSetOption(key: string, value: string): SetProblem | undefined {
  const option = SET_OPTIONS[key];
  if (!option) {
    const guess = nearest(key, SET_OPTION_NAMES);
    return {
      on: 'key',
      message: `unknown option '${key}'`,
      expected: `one of ${SET_OPTION_NAMES.join(', ')}`,
      ...(guess ? { hint: `did you mean ${guess}?` } : {}),
    };
  }
  const message = option.check(value);
  return message === undefined ? undefined : { on: 'value', message, expected: option.expected };
}
