/**
 * MQTT CONNECT (PROTOCOL.md §3): token check, username = sub, clientId
 * prefix, deleted users, disconnect at token expiry and reconnect with a
 * renewed token.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { openJsonUserStore } from '../../broker/store/json-user-store.js';
import { closed, connectAs, connectMqtt, refusedWith, register, request, startTestBackend, jsonFilesOnly } from './support.js';

test('a valid token, username = sub and clientId `<sub>:…` connect', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const user = await register(backend);
  const client = await connectAs(t, backend, user);
  assert.equal(client.connected, true);
});

test('CONNACK refusals: bad token, expired token, wrong username, wrong clientId prefix', { timeout: 60_000 }, async (t) => {
  const secret = 'a fixed test secret that is long enough for HS256';
  const backend = await startTestBackend({ closeAfter: t, jwtSecret: secret });
  const user = await register(backend);
  const other = await register(backend);
  const id = user.user.id;
  const expired = await new SignJWT({ name: 'x' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(id)
    .setIssuer('rtc-call')
    .setAudience('rtc-call')
    .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
    .sign(new TextEncoder().encode(secret));

  const cases: Array<[string, { username?: string; password?: string; clientId: string }]> = [
    ['garbage token', { username: id, password: 'not-a-token', clientId: `${id}:a` }],
    ['no password', { username: id, clientId: `${id}:a` }],
    ['expired token', { username: id, password: expired, clientId: `${id}:a` }],
    ["another user's token", { username: id, password: other.token, clientId: `${id}:a` }],
    ['username is not sub', { username: other.user.id, password: user.token, clientId: `${other.user.id}:a` }],
    ['clientId of another user', { username: id, password: user.token, clientId: `${other.user.id}:a` }],
    ['clientId without the colon', { username: id, password: user.token, clientId: `${id}abc` }],
    ['clientId is just the id', { username: id, password: user.token, clientId: id }],
  ];
  for (const [label, auth] of cases) {
    const code = await refusedWith(connectMqtt(t, backend, auth));
    assert.ok(code === 4 || code === 5, `${label}: CONNACK ${code}`);
  }
  // A password without a username is not even a valid MQTT 3.1.1 CONNECT: dropped without CONNACK.
  await refusedWith(connectMqtt(t, backend, { password: user.token, clientId: `${id}:a` }));
});

test('a persistent session (clean: false) is refused', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const user = await register(backend);
  const code = await refusedWith(
    connectMqtt(t, backend, { username: user.user.id, password: user.token, clientId: `${user.user.id}:persistent` }, { clean: false }),
  );
  assert.equal(code, 5);
});

test("a deleted user's token is refused", { ...jsonFilesOnly, timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const user = await register(backend);
  // Delete through another handle on the same store, as the admin CLI does.
  const store = await openJsonUserStore(backend.config.dataDir);
  assert.equal(await store.delete(user.user.id), true);
  await store.close();
  const code = await refusedWith(connectAs(t, backend, user));
  assert.ok(code === 4 || code === 5);
  assert.equal((await request(backend, 'GET', '/api/me', { token: user.token })).status, 401);
});

test('the broker disconnects a client when its token expires; a renewed token reconnects', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, tokenTtlSeconds: 3 });
  const user = await register(backend);
  const client = await connectAs(t, backend, user);
  const gone = closed(client);
  // Renew before expiry, as the widget does; a second later, so the new expiry (whole seconds) is later.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const renewed = await request(backend, 'POST', '/api/token', { token: user.token });
  assert.equal(renewed.status, 200);
  await gone;
  assert.equal(client.connected, false);

  // The old token is expired now: refused.
  const code = await refusedWith(connectAs(t, backend, user));
  assert.equal(code, 4);

  const again = await connectAs(t, backend, { user: user.user, token: renewed.body.token });
  assert.equal(again.connected, true);
});

test('with ALLOWED_ORIGINS set, a browser WebSocket from another origin is refused', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, allowedOrigins: ['https://allowed.test'] });
  const user = await register(backend);
  const withOrigin = (origin: string) =>
    connectMqtt(
      t,
      backend,
      { username: user.user.id, password: user.token, clientId: `${user.user.id}:${origin.length}` },
      { wsOptions: { headers: { origin } } },
    );
  await refusedWith(withOrigin('https://evil.test'));
  assert.equal((await withOrigin('https://allowed.test')).connected, true);
  // Non-browser clients send no Origin: the token alone decides.
  assert.equal((await connectAs(t, backend, user)).connected, true);
});

test('WebSocket upgrades elsewhere than /mqtt are refused', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const user = await register(backend);
  const wrongPath = connectMqtt(
    t,
    { ...backend, wsUrl: backend.wsUrl.replace('/mqtt', '/other') },
    { username: user.user.id, password: user.token, clientId: `${user.user.id}:x` },
  );
  await refusedWith(wrongPath);
});
