/**
 * Sessions (PROTOCOL.md §1 POST /api/logout, §2): a logout revokes the whole
 * session family on every route and on the broker, closes its live MQTT
 * connections within 2 s (also on another node sharing the store), survives a
 * restart; renewals stop at SESSION_MAX_AGE.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { API_PATHS, type AuthResponse } from '../../src/protocol/index.js';
import { ConnectRefused, closed, closedWithin, connectAs, register, request, startTestBackend, tempDir } from './support.js';

const LIVE_CLOSE_LIMIT_MS = 2000;

const renew = async (backend: { origin: string }, token: string): Promise<AuthResponse> => {
  const result = await request<AuthResponse>(backend, 'POST', API_PATHS.token, { token });
  assert.equal(result.status, 200, JSON.stringify(result.body));
  return result.body;
};

test('logout: 204, then the token and its whole family get 401 on every route; other sign-ins stay', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const user = await register(backend);
  const renewed = await renew(backend, user.token);
  const elsewhere = await request<AuthResponse>(backend, 'POST', API_PATHS.login, {
    json: { email: user.user.email, password: user.password },
  });
  assert.equal(elsewhere.status, 200);
  // A renewal keeps the family: same session id and sign-in time.
  assert.equal(decodeJwt(renewed.token).sid, decodeJwt(user.token).sid);
  assert.equal(decodeJwt(renewed.token).auth_time, decodeJwt(user.token).auth_time);
  assert.notEqual(decodeJwt(elsewhere.body.token).sid, decodeJwt(user.token).sid);

  const out = await request(backend, 'POST', API_PATHS.logout, { token: user.token });
  assert.equal(out.status, 204);
  assert.equal(out.body, '');

  for (const token of [user.token, renewed.token]) {
    for (const [method, path] of [
      ['POST', API_PATHS.token],
      ['GET', API_PATHS.me],
      ['GET', API_PATHS.iceServers],
      ['POST', API_PATHS.logout],
    ] as const) {
      const result = await request(backend, method, path, { token });
      assert.equal(result.status, 401, `${method} ${path}`);
      assert.equal(result.body.error.code, 'unauthorized');
    }
  }
  // The other sign-in of the same person is another session.
  assert.equal((await request(backend, 'GET', API_PATHS.me, { token: elsewhere.body.token })).status, 200);
  assert.equal((await request(backend, 'POST', API_PATHS.logout, { token: elsewhere.body.token })).status, 204);
  // Without a token, or with garbage: 401 too.
  assert.equal((await request(backend, 'POST', API_PATHS.logout)).status, 401);
  assert.equal((await request(backend, 'POST', API_PATHS.logout, { token: 'not-a-jwt' })).status, 401);
});

test(
  'logout closes the live MQTT connections of that session within 2 s, refuses it at CONNECT, spares the others',
  { timeout: 60_000 },
  async (t) => {
    const backend = await startTestBackend({ closeAfter: t });
    const user = await register(backend);
    const renewed = await renew(backend, user.token);
    const other = await request<AuthResponse>(backend, 'POST', API_PATHS.login, {
      json: { email: user.user.email, password: user.password },
    });
    // Two tabs of the session (one on the first token, one on the renewed one) and one tab of another sign-in.
    const tabA = await connectAs(t, backend, user, 'a');
    const tabB = await connectAs(t, backend, { ...user, token: renewed.token }, 'b');
    const otherTab = await connectAs(t, backend, other.body, 'other');

    const since = Date.now();
    assert.equal((await request(backend, 'POST', API_PATHS.logout, { token: renewed.token })).status, 204);
    const took = await Promise.all([closedWithin(tabA, since, LIVE_CLOSE_LIMIT_MS), closedWithin(tabB, since, LIVE_CLOSE_LIMIT_MS)]);
    t.diagnostic(`closed after ${took.join(' and ')} ms`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(otherTab.connected, true, 'another sign-in keeps its connection');

    await assert.rejects(connectAs(t, backend, user, 'again'), (e) => e instanceof ConnectRefused && e.code === 4);
    await assert.rejects(
      connectAs(t, backend, { ...user, token: renewed.token }, 'again'),
      (e) => e instanceof ConnectRefused && e.code === 4,
    );
  },
);

test('revocations survive a restart of the backend', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const first = await startTestBackend({ closeAfter: t, dataDir });
  const user = await register(first);
  const kept = await request<AuthResponse>(first, 'POST', API_PATHS.login, { json: { email: user.user.email, password: user.password } });
  assert.equal((await request(first, 'POST', API_PATHS.logout, { token: user.token })).status, 204);
  await first.close();

  const second = await startTestBackend({ closeAfter: t, dataDir });
  assert.equal((await request(second, 'GET', API_PATHS.me, { token: user.token })).status, 401);
  await assert.rejects(connectAs(t, second, user), (e) => e instanceof ConnectRefused && e.code === 4);
  assert.equal((await request(second, 'GET', API_PATHS.me, { token: kept.body.token })).status, 200);
});

test('two nodes on one store: a logout on one closes the connection on the other within 2 s', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const nodeA = await startTestBackend({ closeAfter: t, dataDir });
  const nodeB = await startTestBackend({ closeAfter: t, dataDir });
  const user = await register(nodeA);
  const onB = await connectAs(t, nodeB, user);

  const since = Date.now();
  assert.equal((await request(nodeA, 'POST', API_PATHS.logout, { token: user.token })).status, 204);
  t.diagnostic(`closed on the other node after ${await closedWithin(onB, since, LIVE_CLOSE_LIMIT_MS)} ms`);
  assert.equal((await request(nodeB, 'GET', API_PATHS.me, { token: user.token })).status, 401);
});

test('renewals stop at SESSION_MAX_AGE after the sign-in, and the session ends then', { timeout: 60_000 }, async (t) => {
  const maxAge = 4;
  const backend = await startTestBackend({ closeAfter: t, sessionMaxAgeSeconds: maxAge, tokenTtlSeconds: 3600 });
  const user = await register(backend);
  const signedInAt = decodeJwt(user.token).auth_time as number;
  // Even the first token ends with the session, not one TTL later.
  assert.ok((decodeJwt(user.token).exp as number) <= signedInAt + maxAge);
  const renewed = await renew(backend, user.token);
  assert.ok((decodeJwt(renewed.token).exp as number) <= signedInAt + maxAge, 'a renewal never outlives the session');
  const tab = await connectAs(t, backend, { ...user, token: renewed.token });

  await closed(tab);
  assert.ok(Date.now() / 1000 >= signedInAt + maxAge - 1, 'the connection lasted until the session ended');
  const late = await request(backend, 'POST', API_PATHS.token, { token: renewed.token });
  assert.equal(late.status, 401);
  assert.equal(late.body.error.code, 'unauthorized');
  // Signing in again starts a new session.
  const again = await request(backend, 'POST', API_PATHS.login, { json: { email: user.user.email, password: user.password } });
  assert.equal(again.status, 200);
  assert.equal((await request(backend, 'POST', API_PATHS.token, { token: again.body.token })).status, 200);
});
