/**
 * Two backend nodes on one redis-server (REDIS_URL): the MQTT bus is Redis
 * pub/sub (mqemitter-redis) and retained messages live in Redis
 * (aedes-persistence-redis), so a message published on one node reaches a
 * subscriber on the other, and a subscriber arriving on the other node gets
 * what the first retained. QoS 2 is not offered on Redis (PROTOCOL.md §3).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LOBBY_ROOM_ID,
  inboxTopic,
  inboxWildcard,
  presenceTopic,
  roomCallPath,
  roomCallTopic,
  roomPresenceTopic,
  roomPresenceWildcard,
  validateRoomCall,
  type JoinCallResponse,
} from '../../src/protocol/index.js';
import { closed, connectAs, publish, register, request, subscribeGranted } from '../broker/support.js';
import { messagesOn, sessionsIn, startNodes, twoNodes } from './bus-support.js';

test('an inbox message published on node A reaches its addressee on node B', { timeout: 60_000 }, async (t) => {
  const { a, b, users } = await twoNodes(t);
  const [alice, bob] = users as [(typeof users)[0], (typeof users)[0]];
  const bobTab = await connectAs(t, b, bob);
  assert.deepEqual(await subscribeGranted(bobTab, [inboxWildcard(bob.user.id)]), [0]);
  const inbox = messagesOn(bobTab, inboxTopic(bob.user.id, alice.user.id));
  const aliceTab = await connectAs(t, a, alice);
  const message = JSON.stringify({ type: 'invite', v: 1, callId: 'c1', from: alice.user.id, media: 'audio' });
  await publish(aliceTab, inboxTopic(bob.user.id, alice.user.id), message, { qos: 1 });
  const got = await inbox.next();
  assert.equal(got.payload, message);
  assert.equal(got.retain, false);
});

test('retained presence from node A is seen by a new subscriber on node B, and its delete too', { timeout: 60_000 }, async (t) => {
  const { a, b, users } = await twoNodes(t);
  const [alice, bob] = users as [(typeof users)[0], (typeof users)[0]];
  const aliceTab = await connectAs(t, a, alice);

  const watcher = await connectAs(t, b, bob);
  const legacy = messagesOn(watcher, presenceTopic(alice.user.id));
  const lobby = messagesOn(watcher, roomPresenceTopic('lobby', alice.user.id));
  await subscribeGranted(watcher, ['rtc/v1/presence/+', roomPresenceWildcard('lobby')]);
  for (const topic of [legacy, lobby]) {
    const retained = await topic.next();
    assert.equal(retained.retain, true);
    assert.deepEqual(JSON.parse(retained.payload), { id: alice.user.id, name: 'Alice', status: 'available', sessions: 1 });
  }

  // Alice leaves node A: the watcher on B sees the delete live, and a later subscriber on B gets nothing retained.
  aliceTab.end();
  await closed(aliceTab);
  assert.equal((await legacy.until((m) => m.payload === '')).payload, '');
  const late = await connectAs(t, b, bob, 'late');
  const seen: string[] = [];
  late.on('message', (topic, payload) => payload.length > 0 && seen.push(topic));
  const own = messagesOn(late, presenceTopic(bob.user.id));
  await subscribeGranted(late, ['rtc/v1/presence/+']);
  // Retained first (one or two sessions, depending on whether the second tab's update landed), then live.
  assert.equal(sessionsIn(await own.until((m) => sessionsIn(m) === 2)), 2);
  assert.ok(!seen.includes(presenceTopic(alice.user.id)), 'no retained presence left for Alice');
});

test('on Redis, QoS 2 is refused: a QoS 2 subscription gets 0x80, a QoS 2 publish disconnects', { timeout: 60_000 }, async (t) => {
  const { nodes } = await startNodes(t, 1);
  const node = nodes[0]!;
  const alice = await register(node, { name: 'Alice' });
  const bob = await register(node, { name: 'Bob' });
  const tab = await connectAs(t, node, alice);
  const granted = await new Promise<number[]>((resolve) =>
    tab.subscribe([inboxWildcard(alice.user.id)], { qos: 2 }, (error, list) => {
      const suback = (error as { packet?: { granted?: number[] } } | null)?.packet;
      resolve(suback?.granted ?? (list ?? []).map((g) => g.qos));
    }),
  );
  assert.deepEqual(granted, [128]);
  // QoS 0 and 1, what the widget uses, work as before.
  assert.deepEqual(await subscribeGranted(tab, [inboxWildcard(alice.user.id)]), [0]);
  const message = JSON.stringify({ type: 'invite', v: 1, callId: 'c2', from: alice.user.id, media: 'audio' });
  tab.publish(inboxTopic(bob.user.id, alice.user.id), message, { qos: 2 });
  await closed(tab);
  assert.equal(tab.connected, false);
});

test('a room call retained by node A (a seat taken there) is read by a new subscriber on node B', { timeout: 60_000 }, async (t) => {
  const { a, b, users } = await twoNodes(t, ['Ada', 'Bo']);
  const [ada, bo] = users as [(typeof users)[0], (typeof users)[0]];
  const adaTab = await connectAs(t, a, ada);
  const joined = await request<JoinCallResponse>(a, 'POST', roomCallPath(LOBBY_ROOM_ID), {
    token: ada.token,
    json: { sid: adaTab.options.clientId, media: { audio: true, video: false } },
  });
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  const boTab = await connectAs(t, b, bo);
  const calls = messagesOn(boTab, roomCallTopic(LOBBY_ROOM_ID));
  assert.deepEqual(await subscribeGranted(boTab, [roomCallTopic(LOBBY_ROOM_ID)]), [0]);
  const retained = await calls.next();
  assert.equal(retained.retain, true);
  const call = validateRoomCall(JSON.parse(retained.payload));
  assert.equal(call?.id, joined.body.call.id);
  assert.deepEqual(
    call?.members.map((m) => m.name),
    ['Ada'],
  );
});
