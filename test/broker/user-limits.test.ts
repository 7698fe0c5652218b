/**
 * Limits per user and per pair of users (PROTOCOL.md §3): concurrent
 * sessions per user (CONNACK 3 past MAX_SESSIONS_PER_USER), the publish
 * budget shared by a user's connections, and the invite budget per
 * sender → recipient pair (invites past it are dropped, the sender stays).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MqttClient } from 'mqtt';
import type { Client } from 'aedes';
import { loadConfig } from '../../broker/config.js';
import { createAccessControl } from '../../broker/mqtt/access-control.js';
import type { PresenceTracker } from '../../broker/mqtt/presence.js';
import { createSharedBudgets } from '../../broker/mqtt/publish-budget.js';
import { SessionLimit } from '../../broker/mqtt/session-limit.js';
import type { UserStore } from '../../broker/store/user-store.js';
import { LiveSessions } from '../../broker/mqtt/live-sessions.js';
import type { RoomRoster } from '../../broker/mqtt/room-roster.js';
import type { Sessions } from '../../broker/sessions.js';
import { inboxTopic, inboxWildcard, type AuthResponse } from '../../src/protocol/index.js';
import {
  ConnectRefused,
  closed,
  collect,
  connectAs,
  connectMqtt,
  nextMessage,
  publish,
  refusedWith,
  register,
  startTestBackend,
  subscribeGranted,
  type Received,
} from './support.js';

const SERVER_UNAVAILABLE = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const chat = (text: string) => JSON.stringify({ type: 'chat', id: `m-${text}`, text, ts: Date.now() });
const invite = (i: number, sid: string) =>
  JSON.stringify({ type: 'invite', callId: `call-${String(i).padStart(12, '0')}`, sid, media: { audio: true, video: true } });

/** A listener on `user`'s inbox. */
async function inboxOf(t: Parameters<typeof connectAs>[0], backend: Parameters<typeof connectAs>[1], user: AuthResponse) {
  const client = await connectAs(t, backend, user, 'inbox');
  assert.deepEqual(await subscribeGranted(client, [inboxWildcard(user.user.id)]), [0]);
  return { client, received: collect(client) };
}

/** Sends `count` invites from `client` to `to`, then a QoS 1 marker chat; resolves once the marker arrived (all before it were handled). */
async function sendInvites(
  client: MqttClient,
  from: AuthResponse,
  to: AuthResponse,
  count: number,
  inbox: { client: MqttClient; received: Received[] },
  marker: string,
) {
  const topic = inboxTopic(to.user.id, from.user.id);
  for (let i = 0; i < count; i += 1) client.publish(topic, invite(i, client.options.clientId!), { qos: 0 });
  await publish(client, topic, chat(marker), { qos: 1 });
  await nextMessage(inbox.client, (m) => m.payload.includes(marker), inbox.received);
}

const invitesFrom = (received: Received[], to: AuthResponse, from: AuthResponse) =>
  received.filter((m) => m.topic === inboxTopic(to.user.id, from.user.id) && m.payload.includes('"invite"')).length;

test('SessionLimit counts sessions (clientIds) per user and forgets users without any', () => {
  const limit = new SessionLimit(2);
  assert.equal(limit.open('u', 'u:a'), true);
  assert.equal(limit.open('u', 'u:b'), true);
  assert.equal(limit.open('u', 'u:c'), false, 'a third session');
  assert.equal(limit.open('v', 'v:a'), true, 'another user has its own count');
  // A token renewal connects again as the same tab before the old connection goes: no new slot.
  assert.equal(limit.open('u', 'u:a'), true);
  limit.close('u', 'u:a');
  assert.equal(limit.count('u'), 2, 'the tab is still open on its other connection');
  limit.close('u', 'u:a');
  assert.equal(limit.open('u', 'u:c'), true, 'the closed tab freed its slot');
  limit.close('u', 'u:b');
  limit.close('u', 'u:c');
  limit.close('u', 'u:c'); // a second close of a gone connection changes nothing
  limit.close('v', 'v:a');
  assert.equal(limit.users, 0, 'nothing kept for users without sessions');
});

test('the connection past MAX_SESSIONS_PER_USER is refused with CONNACK 3; closing one frees its slot', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, maxSessionsPerUser: 3 });
  const [alice, bob] = [await register(backend), await register(backend)];
  const tabs = [await connectAs(t, backend, alice), await connectAs(t, backend, alice), await connectAs(t, backend, alice)];
  assert.equal(await refusedWith(connectAs(t, backend, alice)), SERVER_UNAVAILABLE);
  // Another user is not affected.
  await connectAs(t, backend, bob);
  // A tab closes: its slot is free again. All close: the user starts from zero (nothing leaked).
  const gone = closed(tabs[0]!);
  tabs[0]!.end(true);
  await gone;
  await sleep(100);
  tabs[0] = await connectAs(t, backend, alice);
  assert.equal(await refusedWith(connectAs(t, backend, alice)), SERVER_UNAVAILABLE);
  await Promise.all(tabs.map((tab) => new Promise<void>((resolve) => tab.end(true, {}, () => resolve()))));
  await sleep(100);
  for (let i = 0; i < 3; i += 1) await connectAs(t, backend, alice);
});

test('at the cap, a tab renewing its token (same clientId) still connects', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, maxSessionsPerUser: 2 });
  const alice = await register(backend);
  const tab = await connectAs(t, backend, alice);
  await connectAs(t, backend, alice);
  const clientId = tab.options.clientId!;
  const renewed = await connectMqtt(t, backend, { username: alice.user.id, password: alice.token, clientId });
  assert.equal(renewed.connected, true, 'the renewal connection is accepted');
  // The broker hands the clientId over: the old connection goes, the user still has two sessions.
  await closed(tab);
  assert.equal(await refusedWith(connectAs(t, backend, alice)), SERVER_UNAVAILABLE);
});

test('a CONNECT whose socket closed before its checks finished counts no session', async () => {
  // The hooks alone, with a user store that answers when the test says: the socket closes in between.
  let answer!: () => void;
  const storeAnswered = new Promise<void>((resolve) => (answer = resolve));
  const limit = new SessionLimit(1);
  const access = createAccessControl({
    sessions: {
      verify: async () => ({ sub: 'alice1', name: 'Alice', sid: 'sid1', authTime: Date.now(), exp: Math.floor(Date.now() / 1000) + 600 }),
    } as unknown as Sessions,
    live: new LiveSessions({} as Sessions),
    store: { findById: async (id: string) => (await storeAnswered, { id, name: 'Alice' }) } as unknown as UserStore,
    presence: {} as PresenceTracker,
    roster: { changes: 0 } as RoomRoster,
    publishRate: 50,
    publishBurst: 200,
    budgets: createSharedBudgets(loadConfig({})),
    sessionLimit: limit,
    maxSubscriptionsPerClient: 16,
  });
  const client = { id: 'alice1:tab', clean: true, close() {} } as unknown as Client;
  const outcome = new Promise<boolean | null>((resolve) =>
    access.authenticate(client, 'alice1', Buffer.from('token'), (_e, ok) => resolve(ok)),
  );
  access.clientGone(client);
  answer();
  assert.equal(await outcome, false, 'refused: the connection is gone');
  assert.equal(limit.count('alice1'), 0, 'and its slot was never taken');
});

test('sixty CONNECTs of one user at once: exactly MAX_SESSIONS_PER_USER are accepted', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, maxSessionsPerUser: 10 });
  const alice = await register(backend);
  const results = await Promise.allSettled(Array.from({ length: 60 }, () => connectAs(t, backend, alice)));
  const accepted = results.filter((r) => r.status === 'fulfilled').length;
  const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as ConnectRefused).code] : []));
  assert.equal(accepted, 10);
  assert.deepEqual([...new Set(codes)], [SERVER_UNAVAILABLE]);
});

test('the publish budget is per user as well as per connection: more connections do not give more', { timeout: 60_000 }, async (t) => {
  // Each connection alone may send 100 at once; the user, 10 at once.
  const backend = await startTestBackend({ closeAfter: t, publishRate: 1, publishBurst: 100, userPublishRate: 1, userPublishBurst: 10 });
  const [alice, bob] = [await register(backend), await register(backend)];
  const bobInbox = await inboxOf(t, backend, bob);
  const tabs = await Promise.all([1, 2, 3].map(() => connectAs(t, backend, alice)));
  const dropped = tabs.map((tab) => closed(tab).then(() => true));
  tabs.forEach((tab, k) => {
    for (let i = 0; i < 5; i += 1) tab.publish(inboxTopic(bob.user.id, alice.user.id), chat(`tab${k}-${i}`), { qos: 0 });
  });
  // 15 messages against a user budget of 10: whichever connection overspends is disconnected.
  const anyDropped = await Promise.race([...dropped, sleep(5000).then(() => false)]);
  assert.ok(anyDropped, 'a connection over the user budget is disconnected');
  await sleep(300);
  const delivered = bobInbox.received.filter((m) => m.payload.includes('"tab')).length;
  assert.ok(delivered <= 11, `delivered ${delivered} of 15 (user burst 10, plus at most one refilled)`);
});

test(
  'invites past the pair budget are dropped; the sender stays connected and other pairs are not charged',
  { timeout: 60_000 },
  async (t) => {
    const backend = await startTestBackend({ closeAfter: t, inviteBurst: 3, inviteRefillSeconds: 60 });
    const [spammer, victim, friend] = [await register(backend), await register(backend), await register(backend)];
    const victimInbox = await inboxOf(t, backend, victim);
    const friendInbox = await inboxOf(t, backend, friend);
    const sender = await connectAs(t, backend, spammer);
    let senderClosed = false;
    sender.on('close', () => (senderClosed = true));

    await sendInvites(sender, spammer, victim, 20, victimInbox, 'after-spam');
    assert.equal(invitesFrom(victimInbox.received, victim, spammer), 3, 'the burst reached the victim, the rest did not');
    assert.equal(senderClosed, false, 'a dropped invite does not disconnect its sender');
    // The pair's budget is the pair's: the spammer can still invite someone else, and others can still invite the victim.
    await sendInvites(sender, spammer, friend, 1, friendInbox, 'to-friend');
    assert.equal(invitesFrom(friendInbox.received, friend, spammer), 1);
    const friendClient = await connectAs(t, backend, friend, 'caller');
    await sendInvites(friendClient, friend, victim, 1, victimInbox, 'friend-calls');
    assert.equal(invitesFrom(victimInbox.received, victim, friend), 1);
    // Other messages of the pair are not invites and are not dropped.
    assert.ok(victimInbox.received.some((m) => m.payload.includes('after-spam')));
    // A second connection of the same sender shares the pair's budget.
    const secondTab = await connectAs(t, backend, spammer, 'second');
    await sendInvites(secondTab, spammer, victim, 5, victimInbox, 'second-tab');
    assert.equal(invitesFrom(victimInbox.received, victim, spammer), 3);
  },
);
