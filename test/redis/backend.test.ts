/**
 * Two backend nodes on one real redis-server (REDIS_URL): accounts,
 * sign-outs, rooms and invites made through one node hold on the other, and
 * nothing is written to the nodes' DATA_DIRs.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { StoreError } from '../../broker/store/user-store.js';
import { API_PATHS, inviteJoinPath, type Invite, type Room } from '../../src/protocol/index.js';
import { assertError, register, request, runAdmin, startTestBackend, tempDir } from '../broker/support.js';
import { startRedis } from '../support/redis-server.js';

const JWT_SECRET = 'one secret that every node shares, long enough';

async function twoNodes(t: import('node:test').TestContext) {
  const redis = await startRedis(t);
  const dirs = [await tempDir(t), await tempDir(t)];
  const [a, b] = [
    await startTestBackend({ closeAfter: t, redisUrl: redis.url, jwtSecret: JWT_SECRET, dataDir: dirs[0] }),
    await startTestBackend({ closeAfter: t, redisUrl: redis.url, jwtSecret: JWT_SECRET, dataDir: dirs[1] }),
  ];
  return { a, b, dirs, redis };
}

test('register through one node, sign in and be signed out through the other', { timeout: 60_000 }, async (t) => {
  const { a, b, dirs } = await twoNodes(t);
  const ada = await register(a, { email: 'ada@example.test' });
  const login = await request(b, 'POST', '/api/login', { json: { email: 'ADA@example.test ', password: ada.password } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  assert.equal(login.body.user.id, ada.user.id);
  assert.equal((await request(b, 'GET', API_PATHS.me, { token: ada.token })).body.user.email, 'ada@example.test');
  assertError(
    await request(b, 'POST', '/api/register', { json: { name: 'Twin', email: 'ada@example.test', password: 'another one!' } }),
    409,
    'email_taken',
  );

  // A logout on node A revokes the session on node B too.
  assert.equal((await request(a, 'POST', API_PATHS.logout, { token: ada.token })).status, 204);
  assert.equal((await request(b, 'GET', API_PATHS.me, { token: ada.token })).status, 401);
  assert.equal((await request(b, 'GET', API_PATHS.me, { token: login.body.token })).status, 200);
  // Users, revocations and rooms went to Redis: the data folders hold the JWT secret at most.
  for (const dir of dirs)
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.json')),
      [],
    );
});

test('one email registered at once through two nodes: exactly one 201', { timeout: 60_000 }, async (t) => {
  const { a, b } = await twoNodes(t);
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      request(i % 2 ? a : b, 'POST', '/api/register', {
        json: { name: `Twin ${i}`, email: 'same@example.test', password: `password-${i}` },
      }),
    ),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), [201, ...Array(9).fill(409)]);
  const winner = results.findIndex((r) => r.status === 201);
  for (const node of [a, b]) {
    const login = await request(node, 'POST', '/api/login', { json: { email: 'same@example.test', password: `password-${winner}` } });
    assert.equal(login.status, 200);
  }
});

test('a room made on one node is joined by invite on the other; uses are counted across both', { timeout: 60_000 }, async (t) => {
  const { a, b } = await twoNodes(t);
  const owner = await register(a);
  const made = await request<{ room: Room; invite: Invite }>(a, 'POST', '/api/rooms', { token: owner.token, json: { name: 'Team' } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const invite = await request<{ invite: Invite }>(a, 'POST', '/api/invites', {
    token: owner.token,
    json: { room: made.body.room.id, maxUses: 3 },
  });
  const people = await Promise.all(Array.from({ length: 5 }, (_, i) => register(i % 2 ? a : b)));
  const joins = await Promise.all(
    people.map((p, i) => request(i % 2 ? b : a, 'POST', inviteJoinPath(invite.body.invite.code), { token: p.token })),
  );
  assert.equal(joins.filter((j) => j.status === 200).length, 3, JSON.stringify(joins.map((j) => j.status)));
  for (const j of joins.filter((j) => j.status !== 200)) assertError(j, 410, 'invite_used_up');
  // Both nodes answer from what Redis holds: the owner's invite list on B shows the three uses.
  const listed = await request<{ invites: Invite[] }>(b, 'GET', '/api/invites', { token: owner.token });
  assert.equal(listed.body.invites.find((i) => i.code === invite.body.invite.code)?.uses, 3);
});

test('Redis out of reach at start: a clear error that names the URL without its password', { timeout: 30_000 }, async (t) => {
  const redis = await startRedis(t);
  await redis.stop();
  await assert.rejects(
    startTestBackend({ redisUrl: `redis://:hunter2@127.0.0.1:${redis.port}`, jwtSecret: JWT_SECRET }),
    (error: unknown) =>
      error instanceof StoreError &&
      error.message.includes(`127.0.0.1:${redis.port}`) &&
      /cannot be reached/.test(error.message) &&
      !error.message.includes('hunter2'),
  );
});

test('the admin CLI on Redis deletes a user: both running nodes sign them out and drop their room', { timeout: 60_000 }, async (t) => {
  const { a, b, redis } = await twoNodes(t);
  const ada = await register(a, { email: 'ada-deleted@example.test' });
  const bob = await register(b);
  const made = await request<{ room: Room; invite: Invite }>(a, 'POST', '/api/rooms', { token: ada.token, json: { name: 'Team' } });
  assert.equal((await request(b, 'POST', inviteJoinPath(made.body.invite.code), { token: bob.token })).status, 200);
  const bobsRooms = async () =>
    (await request<{ rooms: Room[] }>(b, 'GET', API_PATHS.rooms, { token: bob.token })).body.rooms.map((r) => r.id);
  assert.ok((await bobsRooms()).includes(made.body.room.id));

  const deleted = await runAdmin({ DATA_DIR: await tempDir(t), REDIS_URL: redis.url, JWT_SECRET }, [
    'delete',
    '--email',
    'ada-deleted@example.test',
  ]);
  assert.equal(deleted.code, 0, deleted.stderr);
  for (const node of [a, b]) assert.equal((await request(node, 'GET', API_PATHS.me, { token: ada.token })).status, 401);
  // Node B heard of the deletion over pub/sub: the room ada made is gone for bob.
  for (let i = 0; i < 100 && (await bobsRooms()).includes(made.body.room.id); i += 1) await new Promise((r) => setTimeout(r, 20));
  assert.ok(!(await bobsRooms()).includes(made.body.room.id));
  assertError(
    await request(a, 'POST', '/api/login', { json: { email: 'ada-deleted@example.test', password: ada.password } }),
    401,
    'invalid_credentials',
  );
});
