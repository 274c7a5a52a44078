// A live-events client that stops reading is dropped once MAX_CLIENT_BUFFER (8 MB, hub.ts) waits
// for it in the server, so it holds neither memory nor the job: the server closes its stream,
// while a client that reads goes on getting rows and the job keeps running.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { eventually, request, serve } from './helpers.js';

/** A raw GET of an event stream; counts the bytes it reads and notes when the server closes it. */
function rawEvents(port: number, url: string): { socket: net.Socket; bytes: () => number; closed: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  let bytes = 0;
  socket.on('data', (d: Buffer) => (bytes += d.length));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(`GET ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
  return { socket, bytes: () => bytes, closed };
}

test('a client that does not read is dropped past 8 MB; a reading client and the job go on', { timeout: 120_000 }, async () => {
  const s = await serve();
  try {
    // About 10 MB of rows a second: 10,000 rows of 1 KB.
    const sql = `CREATE SOURCE fast WITH (connector = 'datagen', generator = 'sensors', rate = 10000);
SELECT sensor, value, ts, '${'x'.repeat(1000)}' AS pad FROM fast;`;
    const created = await request(s.base, 'POST', '/api/jobs', { sql });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id as string;
    const hub = s.server.jobs.get(id).hub;

    const slow = rawEvents(s.server.port, `/api/jobs/${id}/events`);
    slow.socket.pause(); // reads nothing from here on: the kernel's buffers fill, then the server's
    const reader = rawEvents(s.server.port, `/api/jobs/${id}/events`);
    await eventually(() => (hub.clientCount === 2 ? true : undefined), 'both clients attached');

    await eventually(() => (hub.clientCount === 1 ? true : undefined), 'the slow client to be dropped', 30_000);
    slow.socket.resume();
    await slow.closed; // the server ended its stream (what it held for it was discarded)

    const before = reader.bytes();
    const rowsOut = (await request(s.base, 'GET', `/api/jobs/${id}`)).json.metrics.rowsOut;
    await eventually(async () => (reader.bytes() > before + 1024 * 1024 ? true : undefined), 'the reading client to get more rows');
    const j = (await request(s.base, 'GET', `/api/jobs/${id}`)).json;
    assert.equal(j.status, 'running');
    assert.ok(j.metrics.rowsOut > rowsOut, 'the job keeps writing rows');
    assert.equal(hub.clientCount, 1);
    reader.socket.destroy();
  } finally {
    await s.close();
  }
});
