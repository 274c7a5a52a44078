// A connector error names its option once: "option 'path' is required" is not followed by
// "(option 'path')"; a message that does not quote its option gets it appended.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../../src/connectors/connector.js';
import { requiredOption } from '../../../src/connectors/options.js';

test('the option is named once, the hint on its own line', () => {
  let e: unknown;
  try {
    requiredOption({}, 'path', 'data.jsonl');
  } catch (x) {
    e = x;
  }
  assert.ok(e instanceof ConnectorError);
  assert.equal(e.render('sluice: '), "sluice: option 'path' is required\n  = hint: add path = 'data.jsonl'");
  assert.equal(new ConnectorError('file not found: x.jsonl', 'path').render('error: '), "error: file not found: x.jsonl (option 'path')");
  assert.equal(new ConnectorError('no brokers').render(''), 'no brokers');
});
