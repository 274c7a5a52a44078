// The REPL's demo catalog lives in catalog/demo.ts (shared with `sluice serve`).

export { DEMO_SQL, DEMO_QUERY } from '../catalog/demo.js';
