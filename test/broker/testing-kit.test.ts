/**
 * The testing kit's backend (testing/backend.ts, `rtc-call/testing`): what a
 * site owner's test gets from `startTestBackend()` — a loopback origin that
 * serves the API, a data folder of its own that `close()` removes, cheap
 * hashing, relaxed throttles, `createUser`, and with `turn` a real coturn
 * whose credentials the backend hands out.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { API_PATHS, type IceServersResponse } from '../../src/protocol/index.js';
import { RELAXED_PUBLISH_LIMITS, TEST_BACKEND_SETTINGS, startTestBackend, turnAvailable } from '../../testing/index.js';
import { request } from './support.js';

test('startTestBackend: loopback, own data folder removed on close, test settings, createUser', async () => {
  const backend = await startTestBackend();
  const dataDir = backend.config.dataDir;
  try {
    assert.match(backend.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(backend.wsUrl, `${backend.origin.replace('http', 'ws')}/mqtt`);
    assert.ok(existsSync(dataDir), 'a data folder of its own');
    assert.equal(backend.config.scryptCost, TEST_BACKEND_SETTINGS.scryptCost);
    assert.equal(backend.config.publishRate, RELAXED_PUBLISH_LIMITS.publishRate, 'relaxed publish budgets by default');
    assert.equal(backend.turn, null);

    const ada = await backend.createUser({ name: 'Ada' });
    assert.equal(ada.name, 'Ada');
    const login = await request(backend, 'POST', API_PATHS.login, { json: { email: ada.email, password: ada.password } });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.equal(login.body.user.id, ada.id);
    // Many wrong passwords from one address in a row: the relaxed throttles keep answering 401, not 429.
    for (let i = 0; i < 12; i++) {
      const wrong = await request(backend, 'POST', API_PATHS.login, { json: { email: ada.email, password: 'wrong password!' } });
      assert.equal(wrong.status, 401);
    }
    await assert.rejects(backend.createUser({ email: ada.email }), /registering .* failed: 409/);
  } finally {
    await backend.close();
  }
  assert.ok(!existsSync(dataDir), 'close() removes the data folder');
  await backend.close(); // a second close is harmless
});

test('startTestBackend: closeAfter closes it with the test; production budgets on request', async (t) => {
  let origin = '';
  await t.test('inner', async (inner) => {
    const backend = await startTestBackend({ closeAfter: inner, relaxPublishLimits: false });
    origin = backend.origin;
    assert.notEqual(backend.config.publishRate, RELAXED_PUBLISH_LIMITS.publishRate);
  });
  await assert.rejects(fetch(`${origin}${API_PATHS.healthz}`), 'closed after the test');
});

test(
  'startTestBackend({ turn: true }): a local coturn whose credentials the backend hands out',
  { skip: !turnAvailable() && 'no turnserver' },
  async (t) => {
    const backend = await startTestBackend({ turn: true, closeAfter: t });
    assert.ok(backend.turn, 'coturn started');
    const pid = backend.turn.pid;
    const user = await backend.createUser();
    const ice = await request<IceServersResponse>(backend, 'GET', API_PATHS.iceServers, { token: user.token });
    assert.equal(ice.status, 200, JSON.stringify(ice.body));
    const urls = ice.body.iceServers.flatMap((server) => server.urls);
    assert.deepEqual(urls.sort(), [...backend.turn.urls].sort());
    await backend.close();
    assert.throws(() => process.kill(pid, 0), 'coturn stopped with the backend');
  },
);
