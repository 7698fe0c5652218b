/**
 * Rate limits and throttles counted in Redis (REDIS_URL): two backend nodes on one real
 * redis-server share them, so a limit reached through node A holds on node B. Covers the
 * register/login request limit (@fastify/rate-limit's Redis store), the failed-login throttle
 * (per email and address, per address) and the guests made per address (GUEST_RATE).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Config } from '../../broker/config.js';
import type { AuthResponse, Invite, Room } from '../../src/protocol/index.js';
import { assertError, register, request, startTestBackend, tempDir, type TestBackend } from '../broker/support.js';
import { startRedis } from '../support/redis-server.js';

const JWT_SECRET = 'one secret that every node shares, long enough';

async function twoNodes(t: TestContext, config: Partial<Config>): Promise<[TestBackend, TestBackend]> {
  const redis = await startRedis(t);
  const node = async () =>
    startTestBackend({ closeAfter: t, redisUrl: redis.url, jwtSecret: JWT_SECRET, dataDir: await tempDir(t), ...config });
  return [await node(), await node()];
}

const login = (backend: TestBackend, email: string, password: string) =>
  request(backend, 'POST', '/api/login', { json: { email, password } });

test('failed logins counted through node A lock that email (and then the address) on node B', { timeout: 60_000 }, async (t) => {
  const [a, b] = await twoNodes(t, { loginFailuresPerEmail: 3, loginFailuresPerAddress: 5 });
  const victim = await register(a, { email: 'victim@example.test' });
  for (let i = 0; i < 3; i += 1) assert.equal((await login(i % 2 ? b : a, 'VICTIM@example.test', 'wrong guess!')).status, 401);
  // The fourth try, on either node and even with the right password, waits for the window.
  for (const node of [a, b]) {
    const refused = await login(node, 'victim@example.test', victim.password);
    assertError(refused, 429, 'rate_limited');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
  }
  // Another email from this address still gets in, until the address as a whole used up its failures.
  const other = await register(b, { email: 'other@example.test' });
  assert.equal((await login(b, 'other@example.test', other.password)).status, 200);
  assert.equal((await login(a, 'other@example.test', 'wrong guess!')).status, 401);
  assert.equal((await login(b, 'third@example.test', 'wrong guess!')).status, 401);
  assertError(await login(a, 'other@example.test', other.password), 429, 'rate_limited');
});

test('register/login requests per address: the limit counts requests through both nodes', { timeout: 60_000 }, async (t) => {
  const [a, b] = await twoNodes(t, { authRateMax: 4 });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i += 1) statuses.push((await login(i % 2 ? b : a, `nobody${i}@example.test`, 'wrong guess!')).status);
  assert.deepEqual(statuses, [401, 401, 401, 401]);
  for (const node of [a, b]) assertError(await login(node, 'nobody@example.test', 'x'), 429, 'rate_limited');
  // Other routes are not limited by it.
  assert.equal((await request(b, 'GET', '/healthz')).status, 200);
});

test('GUEST_RATE: guests made through node A count on node B', { timeout: 60_000 }, async (t) => {
  const [a, b] = await twoNodes(t, { guestRatePerHour: 2 });
  const owner: AuthResponse = await register(a);
  const made = await request<{ room: Room; invite: Invite }>(a, 'POST', '/api/rooms', { token: owner.token, json: { name: 'Team' } });
  assert.equal(made.status, 201);
  const guest = (node: TestBackend, name: string) => request(node, 'POST', '/api/guest', { json: { invite: made.body.invite.code, name } });
  assert.equal((await guest(a, 'One')).status, 201);
  assert.equal((await guest(b, 'Two')).status, 201);
  for (const node of [a, b]) {
    const refused = await guest(node, 'Three');
    assertError(refused, 429, 'rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 3500 && retryAfter <= 3600, String(retryAfter));
  }
});

test('GUEST_RATE holds under a burst split over two nodes; refused attempts give their count back', { timeout: 60_000 }, async (t) => {
  const [a, b] = await twoNodes(t, { guestRatePerHour: 3 });
  const owner = await register(a);
  const made = await request<{ room: Room; invite: Invite }>(a, 'POST', '/api/rooms', { token: owner.token, json: { name: 'Team' } });
  // A bad invite is refused and does not count.
  assertError(await request(b, 'POST', '/api/guest', { json: { invite: 'F'.repeat(22), name: 'Nobody' } }), 404, 'invite_not_found');
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      request(i % 2 ? a : b, 'POST', '/api/guest', { json: { invite: made.body.invite.code, name: `G${i}` } }),
    ),
  );
  const statuses = answers.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 201).length, 3, JSON.stringify(statuses));
  assert.equal(statuses.filter((s) => s === 429).length, 7, JSON.stringify(statuses));
});
