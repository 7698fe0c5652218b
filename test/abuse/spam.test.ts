/**
 * Spam that used to cost the victim (issue #11), against a real backend with
 * its default limits:
 * - invite spam: every invite made the widget answer `reject busy`, which
 *   spent the *victim's* publish budget until the broker disconnected the
 *   victim and their presence flapped. The victim here is an MQTT client
 *   running the widget's own decisions (routeMqttMessage, routeInbox,
 *   AutoReplyBudget) during a call; it must stay connected, show no presence
 *   flap and keep chatting.
 * - one account opening many sessions to multiply its publish budget.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { MqttClient } from 'mqtt';
import { AutoReplyBudget } from '../../src/core/auto-reply.js';
import { routeInbox, routeMqttMessage, type CallRouteContext } from '../../src/core/routing.js';
import { MAX_SESSIONS_PER_USER, inboxTopic, inboxWildcard, presenceTopic, type AuthResponse } from '../../src/protocol/index.js';
import {
  ConnectRefused,
  collect,
  connectAs,
  nextMessage,
  publish,
  register,
  startTestBackend,
  subscribeGranted,
  type Received,
  type TestBackend,
} from '../broker/support.js';
import { Tally } from './support.js';

const tally = new Tally();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const invite = (i: number, sid: string) =>
  JSON.stringify({ type: 'invite', callId: `spam-${String(i).padStart(12, '0')}`, sid, media: { audio: true, video: true } });
/** Whether `promise` settles within `ms` (a victim that was dropped never gets its message). */
const within = (promise: Promise<unknown>, ms: number) => Promise.race([promise.then(() => true), sleep(ms).then(() => false)]);
const chat = (text: string) => JSON.stringify({ type: 'chat', id: `c-${text}`, text, ts: Date.now() });

/** How the victim's widget answers invites during a call. */
type ReplyPolicy = 'widget' | 'every invite';

interface Victim {
  client: MqttClient;
  invitesSeen: number;
  busyReplies: number;
  disconnects: number;
  /** Every message the victim received. */
  received: Received[];
}

/**
 * The victim in a connected call with `friend`, answering invites as the
 * widget does (Session's `busy` action): routeInbox decides, AutoReplyBudget
 * allows, then `reject busy` goes back. 'every invite' is the widget before
 * the fix, which replied to each one.
 */
/** Registers one person per name, in order: a tuple the length of `names`. */
async function registerAll<const N extends readonly string[]>(
  backend: TestBackend,
  names: N,
): Promise<{ [K in keyof N]: Awaited<ReturnType<typeof register>> }> {
  return (await Promise.all(names.map((name) => register(backend, { name })))) as { [K in keyof N]: Awaited<ReturnType<typeof register>> };
}

async function victimInCall(
  t: TestContext,
  backend: TestBackend,
  victim: AuthResponse,
  friend: AuthResponse,
  policy: ReplyPolicy,
): Promise<Victim> {
  const client = await connectAs(t, backend, victim, 'victim');
  const sid = client.options.clientId!;
  const call: CallRouteContext = {
    callId: 'the-call-with-friend',
    peerId: friend.user.id,
    direction: 'outgoing',
    phase: 'connected',
    peerSid: null,
  };
  const budget = new AutoReplyBudget();
  const state: Victim = { client, invitesSeen: 0, busyReplies: 0, disconnects: 0, received: collect(client) };
  client.on('close', () => (state.disconnects += 1));
  client.on('message', (topic, payload) => {
    const route = routeMqttMessage(topic, payload, victim.user.id);
    if (route?.kind !== 'inbox') return;
    const decision = routeInbox(victim.user.id, sid, call, route.from, route.message);
    if (decision.action !== 'busy') return;
    state.invitesSeen += 1;
    if (policy === 'widget' && !budget.allow(decision.from)) return;
    state.busyReplies += 1;
    const reply = { type: 'reject', callId: decision.message.callId, sid, reason: 'busy' };
    client.publish(inboxTopic(decision.from, victim.user.id), JSON.stringify(reply), { qos: 0 });
  });
  await subscribeGranted(client, [inboxWildcard(victim.user.id)]);
  return state;
}

/** Counts presence changes of `user` after its first retained presence: any later one is a flap. */
async function watchPresence(t: TestContext, backend: TestBackend, watcher: AuthResponse, user: AuthResponse) {
  const client = await connectAs(t, backend, watcher, 'watcher');
  const seen = collect(client);
  await subscribeGranted(client, [presenceTopic(user.user.id)]);
  await nextMessage(client, (m) => m.topic === presenceTopic(user.user.id), seen);
  const baseline = seen.length;
  return {
    flaps: () => seen.slice(baseline).filter((m) => m.payload.length === 0 || !m.payload.includes('"sessions":1')).length,
  };
}

/** The victim and the friend still chat both ways. */
async function stillChatting(
  t: TestContext,
  backend: TestBackend,
  victim: Victim,
  me: AuthResponse,
  friend: AuthResponse,
  tag: string,
): Promise<boolean> {
  const friendClient = await connectAs(t, backend, friend, `friend-${tag}`);
  const friendInbox = collect(friendClient);
  await subscribeGranted(friendClient, [inboxWildcard(friend.user.id)]);
  const victimInbox = collect(victim.client);
  victim.client.publish(inboxTopic(friend.user.id, me.user.id), chat(`from-victim-${tag}`), { qos: 1 });
  friendClient.publish(inboxTopic(me.user.id, friend.user.id), chat(`to-victim-${tag}`), { qos: 1 });
  const [out, back] = await Promise.all([
    within(
      nextMessage(friendClient, (m) => m.payload.includes(`from-victim-${tag}`), friendInbox),
      3000,
    ),
    within(
      nextMessage(victim.client, (m) => m.payload.includes(`to-victim-${tag}`), victimInbox),
      3000,
    ),
  ]);
  friendClient.end(true);
  return out && back;
}

test('invite spam from one sender: the victim stays connected, answers a handful, and keeps chatting', { timeout: 120_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [attacker, victimUser, friend, watcher] = await registerAll(backend, ['Attacker', 'Victim', 'Friend', 'Watcher']);
  // The widget before the fix answered every invite: the broker alone must keep such a victim safe.
  const victim = await victimInCall(t, backend, victimUser, friend, 'every invite');
  const presence = await watchPresence(t, backend, watcher, victimUser);
  // Two tabs of the attacker: 130 invites each at once is within each connection's budget and the user's.
  const spammers = await Promise.all([1, 2].map((n) => connectAs(t, backend, attacker, `spammer${n}`)));
  const topic = inboxTopic(victimUser.user.id, attacker.user.id);
  const rounds = 3;
  const perRound = 260;
  for (let round = 0; round < rounds; round += 1) {
    for (let i = 0; i < perRound; i += 1) {
      const spammer = spammers[i % 2]!;
      spammer.publish(topic, invite(round * perRound + i, spammer.options.clientId!), { qos: 0 });
    }
    await Promise.all(spammers.map((s, n) => publish(s, topic, chat(`end-of-round-${round}-${n}`), { qos: 1 })));
    const roundDone = await within(
      nextMessage(victim.client, (m) => m.payload.includes(`end-of-round-${round}-1`), victim.received),
      5000,
    );
    if (!roundDone) break; // the victim was dropped: the assertions below say so
    // Repeated every few seconds, as the attacker's own budget refills.
    await sleep(3000);
  }
  const chatting = await stillChatting(t, backend, victim, victimUser, friend, 'after');
  const figure = `${rounds * perRound} spam invites sent, ${victim.invitesSeen} reached the victim, ${victim.busyReplies} automatic replies, victim disconnects: ${victim.disconnects}, presence flaps: ${presence.flaps()}`;
  t.diagnostic(figure);
  tally.record(
    `invite spam from one sender against a victim that answers every invite: ${figure}`,
    victim.disconnects === 0 && presence.flaps() === 0 && chatting,
  );
  assert.equal(victim.disconnects, 0, 'the victim stays connected');
  assert.equal(presence.flaps(), 0, 'the victim never shows offline');
  assert.ok(chatting, 'the victim can still use the widget: chat goes both ways');
  assert.ok(
    victim.invitesSeen <= backend.config.inviteBurst + 6,
    `at most the pair's burst plus refills reach the victim (${victim.invitesSeen})`,
  );
});

test('invite spam from many accounts: the widget answers a bounded number and stays connected', { timeout: 120_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [victimUser, friend, watcher] = await registerAll(backend, ['Victim', 'Friend', 'Watcher']);
  const victim = await victimInCall(t, backend, victimUser, friend, 'widget');
  const presence = await watchPresence(t, backend, watcher, victimUser);
  // 60 accounts, each within its pair budget: the broker lets all these invites through.
  const accounts = 60;
  const each = backend.config.inviteBurst;
  const attackers = await Promise.all(Array.from({ length: accounts }, (_, i) => register(backend, { name: `Spammer ${i}` })));
  const spammers = await Promise.all(attackers.map((a) => connectAs(t, backend, a, 'spammer')));
  spammers.forEach((s, k) => {
    for (let i = 0; i < each; i += 1)
      s.publish(inboxTopic(victimUser.user.id, attackers[k]!.user.id), invite(k * each + i, s.options.clientId!), { qos: 0 });
  });
  await Promise.all(
    spammers.map((s, k) => publish(s, inboxTopic(victimUser.user.id, attackers[k]!.user.id), chat(`done-${k}`), { qos: 1 })),
  );
  await sleep(1500);
  const chatting = await stillChatting(t, backend, victim, victimUser, friend, 'after');
  const figure = `${accounts * each} invites from ${accounts} accounts, ${victim.invitesSeen} reached the victim, ${victim.busyReplies} automatic replies, victim disconnects: ${victim.disconnects}, presence flaps: ${presence.flaps()}`;
  t.diagnostic(figure);
  tally.record(
    `invite spam from many accounts against the widget's replies: ${figure}`,
    victim.disconnects === 0 && presence.flaps() === 0 && chatting,
  );
  assert.equal(victim.invitesSeen, accounts * each, 'every invite was within its pair budget and reached the victim');
  assert.ok(victim.busyReplies <= 20, `the widget's automatic replies stay bounded (${victim.busyReplies})`);
  assert.equal(victim.disconnects, 0, 'the victim stays connected');
  assert.equal(presence.flaps(), 0, 'the victim never shows offline');
  assert.ok(chatting, 'the victim can still use the widget');
});

test(
  'one account, sixty sessions, 1,200 messages at once: capped sessions and one budget for the user',
  { timeout: 120_000 },
  async (t) => {
    const backend = await startTestBackend({ closeAfter: t });
    const [attacker, target] = await Promise.all([register(backend, { name: 'Attacker' }), register(backend, { name: 'Target' })]);
    const inbox = await connectAs(t, backend, target, 'inbox');
    const received = collect(inbox);
    await subscribeGranted(inbox, [inboxWildcard(target.user.id)]);
    const attempts = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => connectAs(t, backend, attacker, `s${i}`)));
    const sessions = attempts.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refusedCodes = attempts.flatMap((r) => (r.status === 'rejected' ? [(r.reason as ConnectRefused).code] : []));
    tally.record(
      `60 concurrent sessions of one account: ${sessions.length} accepted`,
      sessions.length === MAX_SESSIONS_PER_USER,
      `${refusedCodes.length} refused with CONNACK ${[...new Set(refusedCodes)].join(', ')}`,
    );
    assert.equal(sessions.length, MAX_SESSIONS_PER_USER);
    assert.ok(
      refusedCodes.every((code) => code === 3),
      'CONNACK 3 for the rest',
    );
    const total = 1200;
    const started = Date.now();
    for (let i = 0; i < total; i += 1) {
      sessions[i % sessions.length]!.publish(inboxTopic(target.user.id, attacker.user.id), chat(`flood-${i}`), { qos: 0 });
    }
    await sleep(1500);
    const delivered = received.filter((m) => m.payload.includes('flood-')).length;
    const seconds = (Date.now() - started) / 1000;
    // The user's burst plus what its rate refills while the flood lasts.
    const bound = backend.config.userPublishBurst + Math.ceil(seconds * backend.config.userPublishRate);
    tally.record(
      `${total} messages over ${sessions.length} sessions of one account: ${delivered} delivered`,
      delivered <= bound,
      `bound ${bound}`,
    );
    assert.ok(delivered <= bound, `${delivered} delivered, at most ${bound}`);
  },
);

test('summary', (t) => {
  tally.report(t);
  assert.equal(tally.refused, tally.tried);
});
