/**
 * `tsx broker/main.ts` as a real process: prints its URL, and on SIGTERM /
 * SIGINT disconnects MQTT clients, keeps the data and exits 0.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { CLOSE_GRACE_MS } from '../../broker/server.js';
import { USERS_FILE } from '../../broker/store/json-user-store.js';
import { startMainProcess } from '../support/test-backend.js';
import { register, request, startTestBackend, tempDir, jsonFilesOnly } from './support.js';

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: clients disconnected, data intact, exit 0`, { ...jsonFilesOnly, timeout: 60_000 }, async (t) => {
    const dataDir = await tempDir(t);
    const { child, origin, output } = await startMainProcess({ dataDir, env: { SCRYPT_COST: '1024' }, closeAfter: t });
    assert.match(output(), /listening on http:\/\/127\.0\.0\.1:\d+/);

    const user = await register({ origin }, { name: 'Stayer', email: 'stay@example.test', password: 'stay password' });
    const client = mqtt.connect(`${origin.replace('http', 'ws')}/mqtt`, {
      username: user.user.id,
      password: user.token,
      clientId: `${user.user.id}:shutdown`,
      reconnectPeriod: 0,
    });
    t.after(() => client.end(true));
    client.on('error', () => undefined); // the shutdown drops the connection: expected
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const disconnected = new Promise<void>((resolve) => client.once('close', () => resolve()));

    child.kill(signal);
    const { code } = await exited(child);
    assert.equal(code, 0, output());
    await disconnected;

    const stored = JSON.parse(await readFile(join(dataDir, USERS_FILE), 'utf8'));
    assert.deepEqual(
      stored.users.map((u: { email: string }) => u.email),
      ['stay@example.test'],
    );
    // And the same data serves a new backend.
    const again = await startTestBackend({ closeAfter: t, dataDir });
    const login = await request(again, 'POST', '/api/login', { json: { email: 'stay@example.test', password: 'stay password' } });
    assert.equal(login.status, 200);
    assert.equal(login.body.user.id, user.user.id);
  });
}

/** A TCP connection to `origin` that has opened and sends `bytes` (maybe nothing). */
async function openConnection(origin: string, bytes: string): Promise<Socket> {
  const { hostname, port } = new URL(origin);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  if (bytes) socket.write(bytes);
  return socket;
}

test('stopping is not held by connections that never finish a request', { timeout: 30_000 }, async (t) => {
  const backend = await startTestBackend();
  // Chromium opens a connection ahead of need and may never send on it; a slow client stops mid-headers.
  const silent = await openConnection(backend.origin, '');
  const halfway = await openConnection(backend.origin, 'GET /api/health HTTP/1.1\r\nHost: x\r\n');
  t.after(() => {
    silent.destroy();
    halfway.destroy();
  });
  const cut = [silent, halfway].map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
  const started = Date.now();
  await backend.close();
  const tookMs = Date.now() - started;
  await Promise.all(cut);
  assert.ok(tookMs < CLOSE_GRACE_MS + 10_000, `closed in ${tookMs} ms`);
});
