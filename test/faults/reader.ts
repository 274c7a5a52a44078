// The suite's read_committed reader: the Kafka tests' Java consumer (test/kafka/java/
// ReadCommitted.java), compiled once into a temp dir kept between runs (keyed by the source's
// hash) instead of in java's source-file mode, which compiles it again on every read (~7 s of a
// loaded machine per read, and the suite reads ~25 topics).

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { BOOTSTRAP } from './harness.js';

const run = promisify(execFile);
const KAFKA_LIB = path.join(process.env['SLUICE_KAFKA_HOME'] ?? path.join(os.homedir(), '.cache', 'sluice', 'kafka-3.9.1'), 'lib');
const JAVA_DIR = path.resolve('test/kafka/java');
const SOURCE = path.join(JAVA_DIR, 'ReadCommitted.java');
let compiled: Promise<string> | undefined;

function classes(): Promise<string> {
  compiled ??= (async () => {
    const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 12);
    const dir = path.join(os.tmpdir(), `sluice-faults-java-${hash}`);
    if (existsSync(path.join(dir, 'ReadCommitted.class'))) return dir;
    const tmp = mkdtempSync(`${dir}.tmp-`);
    await run('javac', ['-d', tmp, '-cp', path.join(KAFKA_LIB, '*'), SOURCE], { timeout: 120_000 });
    try {
      renameSync(tmp, dir);
    } catch {
      // Another process compiled it first.
      rmSync(tmp, { recursive: true, force: true });
    }
    return dir;
  })();
  return compiled;
}

/** Every committed record of `topic` as sorted "key|value" lines, read by Apache Kafka's Java consumer. */
export async function readCommitted(topic: string): Promise<string[]> {
  const cp = `${path.join(KAFKA_LIB, '*')}${path.delimiter}${await classes()}`;
  const { stdout } = await run('java', [`-Dlog4j.configuration=file:${path.join(JAVA_DIR, 'log4j.properties')}`, '-cp', cp, 'ReadCommitted', BOOTSTRAP, topic], {
    maxBuffer: 1 << 28,
    timeout: 120_000,
  });
  return stdout.split('\n').filter((l) => l !== '').sort();
}
