/**
 * Rooms' group calls in Redis (broker/calls/shared-room-calls.ts): seats handed out from one place
 * for every node. Two instances on separate connections stand for two nodes (seats racing, the
 * lost-seat rule with a tab that comes back on the other node); then two real backend nodes on
 * one redis-server seat two people of one room, each through their own node, in one call.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CallFullError, type Joiner, type RoomCallsClock } from '../../broker/calls/room-calls.js';
import { SharedRoomCalls } from '../../broker/calls/shared-room-calls.js';
import { RedisConnection } from '../../broker/store/redis-connection.js';
import { LOBBY_ROOM_ID, roomCallPath, type JoinCallResponse, type RoomCall } from '../../src/protocol/index.js';
import { connectAs, register, request, startTestBackend, tempDir } from '../broker/support.js';
import { startRedis } from '../support/redis-server.js';

const JWT_SECRET = 'one secret that every node shares, long enough';

/** A clock whose timers run when the test says so. */
function manualClock(): RoomCallsClock & { fire(): void; armed(): number } {
  const timers = new Map<number, () => void>();
  let next = 0;
  return {
    now: () => 1_000_000,
    setTimeout: (fn) => (timers.set((next += 1), fn), next),
    clearTimeout: (handle) => void timers.delete(handle as number),
    fire: () => {
      const due = [...timers.values()];
      timers.clear();
      due.forEach((fn) => fn());
    },
    armed: () => timers.size,
  };
}

/** Two "nodes": SharedRoomCalls on two connections to one Redis, each with its own clock and published calls. */
async function twoInstances(t: TestContext, limits = { video: 4, total: 6 }) {
  const redis = await startRedis(t);
  const open = async () => {
    const connection = await RedisConnection.open(redis.url);
    const clock = manualClock();
    const published: (RoomCall | null)[] = [];
    const calls = await SharedRoomCalls.open({ limits, clock, publish: (_room, call) => published.push(call) }, connection);
    t.after(async () => {
      calls.close();
      await calls.settled();
      await connection.close();
    });
    return { calls, clock, published };
  };
  return [await open(), await open()] as const;
}

const joiner = (user: string, video = true, sid = `${user}:tab`): Joiner => ({ user, name: user, sid, media: { audio: true, video } });

async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 250 && !(await done()); i += 1) await new Promise((r) => setTimeout(r, 20));
  assert.ok(await done(), what);
}

test('joins at once through two nodes: one call, distinct seats, the limits hold', async (t) => {
  const [a, b] = await twoInstances(t);
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).calls.joinSeat('room1', joiner(`user${i}`, i < 6))),
  );
  const seated = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  // Video for 4, audio-only seats up to 6 in all.
  assert.equal(seated.length, 6, JSON.stringify(results.map((r) => r.status)));
  assert.ok(results.every((r) => r.status === 'fulfilled' || r.reason instanceof CallFullError));
  assert.equal(new Set(seated.map((s) => s.call.id)).size, 1, 'one call');
  assert.deepEqual(
    seated.map((s) => s.seat).sort((x, y) => x - y),
    [1, 2, 3, 4, 5, 6],
  );
  // A reload (the same user, another tab) takes a new seat in place of the old one.
  const again = await a.calls.joinSeat('room1', joiner('user0', false, 'user0:tab-2'));
  assert.equal(again.seat, 7);
  assert.equal(again.call.members.filter((m) => m.user === 'user0').length, 1);
  // Leaving through the other node; the call ends with its last seat, and a new one starts afresh.
  for (const m of again.call.members) assert.equal(await b.calls.leaveSeat('room1', m.user, m.sid), true);
  assert.equal(b.published.at(-1), null);
  const fresh = await b.calls.joinSeat('room1', joiner('late'));
  assert.equal(fresh.seat, 1);
  assert.notEqual(fresh.call.id, again.call.id);
});

test('a tab lost on node A that comes back on node B keeps its seat; one that does not, loses it', async (t) => {
  const [a, b] = await twoInstances(t);
  await a.calls.joinSeat('room1', joiner('ada'));
  await b.calls.joinSeat('room1', joiner('bob'));
  // Ada's connection to node A closes; she reconnects through node B before the timer.
  a.calls.disconnected('ada:tab');
  await until(() => a.clock.armed() === 1, 'node A armed the lost-seat timer');
  b.calls.reconnected('ada:tab');
  await b.calls.settled();
  // (reconnected is fire-and-forget: wait until the mark is gone before the timer fires)
  await new Promise((r) => setTimeout(r, 100));
  a.clock.fire();
  await new Promise((r) => setTimeout(r, 100));
  await a.calls.settled();
  assert.deepEqual(
    (await a.calls.joinSeat('room1', joiner('cy'))).call.members.map((m) => m.user),
    ['ada', 'bob', 'cy'],
  );
  // Bob's tab closes on node B and never comes back: after SEAT_LOST_AFTER_MS (the timer) its seat ends.
  b.calls.disconnected('bob:tab');
  await until(() => b.clock.armed() === 1, 'node B armed the lost-seat timer');
  b.clock.fire();
  await until(() => b.published.at(-1)?.members.some((m) => m.user === 'bob') === false, 'bob lost his seat');
  assert.deepEqual(
    b.published.at(-1)?.members.map((m) => m.user),
    ['ada', 'cy'],
  );
});

test('two backend nodes on one Redis: two people join one room call, each through their own node', { timeout: 60_000 }, async (t) => {
  const redis = await startRedis(t);
  const node = async () => startTestBackend({ closeAfter: t, redisUrl: redis.url, jwtSecret: JWT_SECRET, dataDir: await tempDir(t) });
  const [a, b] = [await node(), await node()];
  const [ada, bob] = [await register(a, { name: 'Ada' }), await register(b, { name: 'Bob' })];
  const [adaTab, bobTab] = [await connectAs(t, a, ada), await connectAs(t, b, bob)];
  const media = { audio: true, video: true };
  const joins = await Promise.all([
    request<JoinCallResponse>(a, 'POST', roomCallPath(LOBBY_ROOM_ID), { token: ada.token, json: { sid: adaTab.options.clientId, media } }),
    request<JoinCallResponse>(b, 'POST', roomCallPath(LOBBY_ROOM_ID), { token: bob.token, json: { sid: bobTab.options.clientId, media } }),
  ]);
  for (const j of joins) assert.equal(j.status, 200, JSON.stringify(j.body));
  assert.equal(joins[0].body.call.id, joins[1].body.call.id);
  assert.deepEqual(joins.map((j) => j.body.seat).sort(), [1, 2]);
  // Leaving through one's own node ends one's own seat only; the call goes on for the other.
  assert.equal((await request(b, 'DELETE', `${roomCallPath(LOBBY_ROOM_ID)}/${bobTab.options.clientId}`, { token: bob.token })).status, 204);
  // Ada's request goes through node B while her tab is on node A: her tab is a connection of hers all the same.
  const rejoin = await request<JoinCallResponse>(b, 'POST', roomCallPath(LOBBY_ROOM_ID), {
    token: ada.token,
    json: { sid: adaTab.options.clientId, media },
  });
  assert.equal(rejoin.status, 200, JSON.stringify(rejoin.body));
  assert.equal(rejoin.body.call.id, joins[0].body.call.id);
  assert.deepEqual(
    rejoin.body.call.members.map((m) => m.name),
    ['Ada'],
  );
});
