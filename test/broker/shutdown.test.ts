/**
 * `tsx broker/main.ts` as a real process: prints its URL, and on SIGTERM /
 * SIGINT disconnects MQTT clients, keeps the data and exits 0.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { USERS_FILE } from '../../broker/store/json-user-store.js';
import { startMainProcess } from '../support/test-backend.js';
import { register, request, startTestBackend, tempDir } from './support.js';

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: clients disconnected, data intact, exit 0`, { timeout: 60_000 }, async (t) => {
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
