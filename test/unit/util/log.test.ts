// The log: level filter, JSON records with fields, text as given, and secrets redacted in both.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configureLog, log, redact, registerSecret } from '../../../src/util/log.js';
import { secretOption } from '../../../src/connectors/kafka/client.js';
import { out } from '../../../src/repl/output.js';

test('levels, JSON lines and text; a resolved ${env:NAME} option never prints', () => {
  const lines: string[] = [];
  const write = (l: string) => void lines.push(l);
  try {
    configureLog({ level: 'warn', json: true, write });
    log.info('not shown');
    log.warn('sluice: careful', { event: 'x', n: 1 });
    assert.equal(lines.length, 1);
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.deepEqual({ ...rec, time: undefined }, { time: undefined, level: 'warn', msg: 'sluice: careful', event: 'x', n: 1 });
    assert.match(String(rec['time']), /^\d{4}-\d\d-\d\dT/);

    process.env['SLUICE_LOG_TEST_SECRET'] = 'pa"ss-word';
    assert.equal(secretOption({ sasl_password: '${env:SLUICE_LOG_TEST_SECRET}' }, 'sasl_password'), 'pa"ss-word');
    log.error('failed with pa"ss-word', { detail: 'pa"ss-word' });
    assert.ok(!lines[1]!.includes('pa\\"ss-word') && !lines[1]!.includes('pa"ss-word'), lines[1]);
    assert.deepEqual(JSON.parse(lines[1]!).detail, '***');

    configureLog({ level: 'debug', json: false, write });
    log.debug('  indented\nsecond pa"ss-word');
    assert.equal(lines[2], '  indented\nsecond ***\n');
    assert.equal(out.error("broker 'pa\"ss-word' is not host:port").text, "broker '***' is not host:port", 'REPL errors too');
    registerSecret('ab');
    assert.equal(redact('ab cd'), 'ab cd', 'too short to be a secret');
  } finally {
    configureLog({ level: 'info', json: false, write: (l) => process.stderr.write(l) });
  }
});
