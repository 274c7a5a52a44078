// The status line and the `\watermarks` report are computed in exec/job-status.ts (shared with
// `sluice serve`'s API); the REPL renders them.

export * from '../exec/job-status.js';
