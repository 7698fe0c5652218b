/**
 * `npm run admin -- migrate-to-redis` (the real CLI, as a child process):
 * users, revocations, rooms and invites of an embedded backend's DATA_DIR
 * copied into a real redis-server; a backend on Redis then serves the same
 * accounts, tokens and invite links; a second run copies nothing; a
 * conflict writes nothing and says what.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { openJsonCallHistoryStore } from '../../broker/store/json-call-history-store.js';
import {
  API_PATHS,
  HISTORY_PATHS,
  inviteJoinPath,
  type AuthResponse,
  type CallHistoryEntry,
  type CallHistoryPage,
  type Invite,
  type Room,
  type WaitingMessage,
} from '../../src/protocol/index.js';
import { SITE_ACCOUNTS, register, request, runAdmin, siteSignIn, startTestBackend, tempDir } from '../broker/support.js';
import { startRedis } from '../support/redis-server.js';

const JWT_SECRET = 'one secret that every node shares, long enough';

/** A data folder with two accounts, a site account, a guest, a room with an invite and a signed-out session. */
async function embeddedData(t: TestContext) {
  const dataDir = await tempDir(t);
  const backend = await startTestBackend({ dataDir, jwtSecret: JWT_SECRET, ...SITE_ACCOUNTS });
  const ada = await register(backend, { email: 'ada@example.test' });
  const bob = await register(backend, { email: 'bob@example.test' });
  const signedOut = await request(backend, 'POST', '/api/login', { json: { email: 'ada@example.test', password: ada.password } });
  assert.equal((await request(backend, 'POST', API_PATHS.logout, { token: signedOut.body.token })).status, 204);
  await siteSignIn(backend, 'site-sub-1', { name: 'Sita' });
  const made = await request<{ room: Room; invite: Invite }>(backend, 'POST', '/api/rooms', { token: ada.token, json: { name: 'Team' } });
  assert.equal(made.status, 201);
  const guest = await request(backend, 'POST', '/api/guest', { json: { invite: made.body.invite.code, name: 'Gus' } });
  assert.equal(guest.status, 201, JSON.stringify(guest.body));
  await backend.close();
  return { dataDir, ada, bob, signedOut: signedOut.body.token as string, room: made.body.room, invite: made.body.invite };
}

test(
  'migrate-to-redis copies everything once; a backend on Redis serves the same accounts, tokens and invites',
  { timeout: 120_000 },
  async (t) => {
    const data = await embeddedData(t);
    const redis = await startRedis(t);
    const env = { DATA_DIR: data.dataDir, REDIS_URL: redis.url, JWT_SECRET };

    const first = await runAdmin(env, ['migrate-to-redis']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /users: 4 copied, 0 already there/);
    assert.match(first.stdout, /rooms: 1 copied, 0 already there/);
    assert.match(first.stdout, /invites: 1 copied, 0 already there/);
    assert.match(first.stdout, /revocations in force: 1 sessions, 0 per-user cutoffs/);

    const again = await runAdmin(env, ['migrate-to-redis']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /users: 0 copied, 4 already there/);
    assert.match(again.stdout, /rooms: 0 copied, 1 already there/);
    assert.match(again.stdout, /invites: 0 copied, 1 already there/);

    // The admin CLI itself now works on Redis.
    const listed = await runAdmin(env, ['list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /ada@example\.test/);
    assert.match(listed.stdout, /\(site https:\/\/site\.test\)/);
    assert.match(listed.stdout, /\(guest until /);

    const node = await startTestBackend({ closeAfter: t, redisUrl: redis.url, jwtSecret: JWT_SECRET, dataDir: await tempDir(t) });
    // Same ids and password hashes: the password signs in, the earlier token still works, the revoked one does not.
    const login = await request(node, 'POST', '/api/login', { json: { email: 'bob@example.test', password: data.bob.password } });
    assert.equal(login.status, 200);
    assert.equal(login.body.user.id, data.bob.user.id);
    assert.equal((await request(node, 'GET', API_PATHS.me, { token: data.ada.token })).status, 200);
    assert.equal((await request(node, 'GET', API_PATHS.me, { token: data.signedOut })).status, 401);
    // The room and its invite came along: bob joins by the link made before the move.
    const join = await request(node, 'POST', inviteJoinPath(data.invite.code), { token: data.bob.token });
    assert.equal(join.status, 200, JSON.stringify(join.body));
    const invites = await request<{ invites: Invite[] }>(node, 'GET', '/api/invites', { token: data.ada.token });
    assert.equal(invites.body.invites.find((i) => i.code === data.invite.code)?.uses, 2);
  },
);

test('migrate-to-redis refuses a Redis that holds other data, writes nothing, and says what', { timeout: 120_000 }, async (t) => {
  const data = await embeddedData(t);
  const redis = await startRedis(t);
  // Someone registered ada's email on Redis already, as another account.
  const node = await startTestBackend({ closeAfter: t, redisUrl: redis.url, jwtSecret: JWT_SECRET, dataDir: await tempDir(t) });
  const other = await register(node, { email: 'ada@example.test' });

  const result = await runAdmin({ DATA_DIR: data.dataDir, REDIS_URL: redis.url, JWT_SECRET }, ['migrate-to-redis']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /1 record\(s\) with other data/);
  assert.match(result.stderr, new RegExp(`user ${data.ada.user.id}: ada@example\\.test belongs to ${other.user.id}`));
  assert.match(result.stderr, /nothing was written/);
  // Nothing was: bob, who did not conflict, is not on Redis.
  assert.equal(
    (await request(node, 'POST', '/api/login', { json: { email: 'bob@example.test', password: data.bob.password } })).status,
    401,
  );
  assert.equal((await request(node, 'GET', API_PATHS.me, { token: data.bob.token })).status, 401);
});

test('migrate-to-redis without REDIS_URL, or with a missing DATA_DIR, is refused clearly', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const noRedis = await runAdmin({ DATA_DIR: dataDir, REDIS_URL: '' }, ['migrate-to-redis']);
  assert.equal(noRedis.code, 1);
  assert.match(noRedis.stderr, /error: migrate-to-redis copies DATA_DIR into REDIS_URL: set REDIS_URL/);
  const redis = await startRedis(t);
  const missing = await runAdmin({ DATA_DIR: `${dataDir}/nowhere`, REDIS_URL: redis.url, JWT_SECRET }, ['migrate-to-redis']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error: DATA_DIR .*nowhere does not exist/);
});

test('migrate-to-redis copies call history and kept messages; a node on Redis shows them', { timeout: 120_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const backend = await startTestBackend({ dataDir, jwtSecret: JWT_SECRET });
  const [ada, bob] = [await register(backend, { name: 'Ada' }), await register(backend, { name: 'Bob' })];
  const left = await request<{ message: WaitingMessage }>(backend, 'POST', '/api/messages', {
    token: ada.token,
    json: { id: 'msg-before-the-move', to: bob.user.id, text: 'Kept across the move' },
  });
  assert.equal(left.status, 201, JSON.stringify(left.body));
  await backend.close();
  // A call the recorder saved (the real JSON store, as the backend writes it).
  const history = await openJsonCallHistoryStore(dataDir, { retentionMs: 90 * 24 * 3600 * 1000 });
  const at = Date.now() - 60_000;
  const entry = (id: string, peer: AuthResponse, direction: 'incoming' | 'outgoing'): CallHistoryEntry => ({
    id,
    callId: 'call-before-the-move',
    peer: { id: peer.user.id, name: peer.user.name },
    direction,
    startedAt: at,
    answeredAt: null,
    endedAt: at + 30_000,
    durationMs: 0,
    outcome: 'missed',
    media: { audio: true, video: true },
  });
  await history.add([
    { owner: ada.user.id, entry: entry('AAAAAAAAAAAAAAAAAAAAAA', bob, 'outgoing') },
    { owner: bob.user.id, entry: entry('BBBBBBBBBBBBBBBBBBBBBB', ada, 'incoming') },
  ]);
  await history.close();

  const redis = await startRedis(t);
  const env = { DATA_DIR: dataDir, REDIS_URL: redis.url, JWT_SECRET };
  const first = await runAdmin(env, ['migrate-to-redis']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /call history entries: 2 copied, 0 already there/);
  assert.match(first.stdout, /kept messages: 1 copied, 0 already there/);
  const again = await runAdmin(env, ['migrate-to-redis']);
  assert.match(again.stdout, /call history entries: 0 copied, 2 already there/);
  assert.match(again.stdout, /kept messages: 0 copied, 1 already there/);

  const node = await startTestBackend({ closeAfter: t, redisUrl: redis.url, jwtSecret: JWT_SECRET, dataDir: await tempDir(t) });
  // What ada left is still waiting (her list), for bob.
  const waiting = await request<{ messages: WaitingMessage[] }>(node, 'GET', '/api/messages', { token: ada.token });
  assert.deepEqual(waiting.body.messages, [left.body.message]);
  const calls = await request<CallHistoryPage>(node, 'GET', HISTORY_PATHS.calls, { token: bob.token });
  assert.deepEqual(calls.body.calls, [entry('BBBBBBBBBBBBBBBBBBBBBB', ada, 'incoming')]);
  assert.equal(calls.body.unseenMissed, 1);
});
