// Fails when grammar/diagrams.html or grammar/cst.d.ts no longer match src/sql/parser.ts.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { grammarArtifacts } from '../../../scripts/generate-grammar.js';

it('the generated grammar files are up to date', () => {
  for (const [path, fresh] of Object.entries(grammarArtifacts())) {
    let committed = '';
    try {
      committed = readFileSync(path, 'utf8');
    } catch {
      // reported below as stale
    }
    assert.ok(committed === fresh, `${path} is stale: run \`npm run grammar:generate\` and commit the result`);
  }
});
