// `sluice serve [FILE.sql ...]`: the console and its HTTP API (server/), running the given jobs
// and those submitted later. Loopback only unless --auth-token (or SLUICE_TOKEN) is given; the
// first Ctrl-C or SIGTERM stops every job cleanly (a final checkpoint each), a second exits at once.

import * as path from 'node:path';
import { UsageError } from './errors.js';
import { configureLog, log } from '../util/log.js';

export interface ServeCliOptions {
  port?: string;
  host?: string;
  authToken?: string;
  stateDir?: string;
}

export async function serveCommand(files: readonly string[], opts: ServeCliOptions): Promise<number> {
  configureLog({ level: 'info', json: !process.stderr.isTTY });
  const port = Number(opts.port ?? '8080');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`port '${opts.port}' is not a port; write a number from 1 to 65535 (0: any free port)`);
  const { startServer, ServeError } = await import('../server/server.js');
  const { SqlError } = await import('../sql/diagnostics.js');
  let server;
  try {
    server = await startServer({
      port,
      host: opts.host ?? '127.0.0.1',
      token: opts.authToken ?? process.env['SLUICE_TOKEN'],
      stateDir: opts.stateDir ?? path.join('.sluice', 'serve'),
      files,
    });
  } catch (e) {
    if (e instanceof ServeError) throw new UsageError(e.message);
    if (e instanceof SqlError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use; give another with --port (0: any free port)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot bind to host '${opts.host}': not an address of this machine`);
    throw e;
  }
  const running = server;
  log.info(`sluice: serving the console on ${running.url} (Ctrl-C stops every job and exits)`, { event: 'serve', url: running.url, port: running.port });
  await new Promise<void>((resolve) => {
    let interrupts = 0;
    const stop = (): void => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      log.info('\nsluice: stopping every job (Ctrl-C again to exit at once)', { event: 'stopping' });
      void running.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log.info('sluice: stopped', { event: 'stopped' });
  return 0;
}
