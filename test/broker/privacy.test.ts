/**
 * Do-not-disturb and invisible (PROTOCOL.md §7), enforced by the broker: an invite to someone
 * with do-not-disturb on is declined by the backend with `reject busy` + `dnd: true` and never
 * reaches them; an invisible person's presence is never published on any presence topic a raw
 * MQTT client may read, yet whoever they call or write to gets their card. Both settings are
 * kept per user (sign-out, other devices) and reach the user's other tabs live.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { MqttClient } from 'mqtt';
import {
  HISTORY_PATHS,
  PRESENCE_WILDCARD,
  inboxTopic,
  inboxWildcard,
  noticeTopic,
  roomPresenceWildcard,
  type AuthResponse,
  type CallHistoryPage,
  type PrivacyResponse,
} from '../../src/protocol/index.js';
import {
  assertError,
  collect,
  connectAs,
  nextMessage,
  publish,
  register,
  request,
  startTestBackend,
  subscribeGranted,
  type Received,
  type TestBackend,
} from './support.js';

/** Every presence topic a lobby member may read: the legacy list and the lobby's. */
const PRESENCE_TOPICS = [PRESENCE_WILDCARD, roomPresenceWildcard('lobby')];

async function tab(t: TestContext, backend: TestBackend, auth: AuthResponse, name = 'tab') {
  const client = await connectAs(t, backend, auth, name);
  const received = collect(client);
  assert.deepEqual(
    await subscribeGranted(client, [inboxWildcard(auth.user.id), noticeTopic(auth.user.id), ...PRESENCE_TOPICS]),
    [0, 0, 0, 0],
  );
  return { client, received, sid: client.options.clientId! };
}

const setPrivacy = (backend: TestBackend, auth: AuthResponse, json: unknown) =>
  request<PrivacyResponse>(backend, 'POST', HISTORY_PATHS.privacy, { token: auth.token, json });

const presencePayloads = (received: Received[], userId: string) =>
  received.filter((m) => m.topic.endsWith(`/presence/${userId}`)).map((m) => (m.payload === '' ? null : JSON.parse(m.payload)));

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

function presenceFrom(client: MqttClient, received: Received[], userId: string, match: (p: any) => boolean): Promise<Received> {
  return nextMessage(
    client,
    (m) => m.topic.endsWith(`/presence/${userId}`) && match(m.payload === '' ? null : JSON.parse(m.payload)),
    received,
  );
}

test(
  'do-not-disturb: invites are declined by the backend as busy-dnd, presence says so, chats still arrive',
  { timeout: 60_000 },
  async (t) => {
    const backend = await startTestBackend({ closeAfter: t });
    const ada = await register(backend, { name: 'Ada' });
    const bob = await register(backend, { name: 'Bob' });
    const adaTab = await tab(t, backend, ada);
    const bobTab = await tab(t, backend, bob, 'one');
    const bobOther = await tab(t, backend, bob, 'two');

    const set = await setPrivacy(backend, bob, { dnd: true });
    assert.equal(set.status, 200);
    assert.deepEqual(set.body, { privacy: { dnd: true, dndUntil: null, invisible: false } });
    // Bob's other device learns it live; Ada sees busy with dnd in presence (older widgets: busy).
    const notice = await nextMessage(bobOther.client, (m) => m.topic === noticeTopic(bob.user.id), bobOther.received);
    assert.deepEqual(JSON.parse(notice.payload), { type: 'privacy', privacy: { dnd: true, dndUntil: null, invisible: false } });
    const shown = await presenceFrom(adaTab.client, adaTab.received, bob.user.id, (p) => p?.dnd === true);
    assert.equal(JSON.parse(shown.payload).status, 'busy');

    const callId = 'dnd-call-0123456789';
    await publish(
      adaTab.client,
      inboxTopic(bob.user.id, ada.user.id),
      JSON.stringify({ type: 'invite', callId, sid: adaTab.sid, media: { audio: true, video: true } }),
    );
    await nextMessage(adaTab.client, (m) => m.topic === inboxTopic(ada.user.id, bob.user.id), adaTab.received);
    await settle();
    // One refusal per tab of Bob's, so an older caller's widget (which waits for every tab) ends at once too.
    const rejects = adaTab.received.filter((m) => m.topic === inboxTopic(ada.user.id, bob.user.id)).map((m) => JSON.parse(m.payload));
    assert.deepEqual(rejects.map((r) => r.sid).sort(), [bobTab.sid, bobOther.sid].sort());
    for (const reject of rejects) assert.deepEqual(reject, { type: 'reject', callId, sid: reject.sid, reason: 'busy', dnd: true });
    // A chat still arrives.
    await publish(
      adaTab.client,
      inboxTopic(bob.user.id, ada.user.id),
      JSON.stringify({ type: 'chat', id: 'c1', text: 'call me later', ts: Date.now() }),
    );
    await nextMessage(bobTab.client, (m) => m.topic === inboxTopic(bob.user.id, ada.user.id), bobTab.received);
    // Nor is Bob rung into a group call.
    await publish(
      adaTab.client,
      inboxTopic(bob.user.id, ada.user.id),
      JSON.stringify({ type: 'group-ring', callId: 'group-call-0123456789', sid: adaTab.sid, room: 'lobby' }),
    );
    await settle();
    assert.ok(
      ![...bobTab.received, ...bobOther.received].some((m) => m.payload.includes('group-ring')),
      'the group ring reached the callee',
    );
    // Quietly: neither of Bob's tabs ever got the invite.
    for (const received of [bobTab.received, bobOther.received]) {
      assert.ok(!received.some((m) => m.payload.includes('"invite"')), 'the invite reached the callee');
    }
    // Recorded: busy (dnd) for Ada, missed (dnd) for Bob.
    const adaCalls = await request<CallHistoryPage>(backend, 'GET', HISTORY_PATHS.calls, { token: ada.token });
    const bobCalls = await request<CallHistoryPage>(backend, 'GET', HISTORY_PATHS.calls, { token: bob.token });
    assert.equal(adaCalls.body.calls[0]!.outcome, 'busy');
    assert.equal(adaCalls.body.calls[0]!.dnd, true);
    assert.equal(bobCalls.body.calls[0]!.outcome, 'missed');
    assert.equal(bobCalls.body.calls[0]!.dnd, true);
    assert.equal(bobCalls.body.unseenMissed, 1);

    // Off again: presence without dnd, and invites ring.
    await setPrivacy(backend, bob, { dnd: false });
    await presenceFrom(adaTab.client, adaTab.received, bob.user.id, (p) => p && p.status === 'available' && p.dnd === undefined);
    const ringing = 'dnd-call-after-off-01';
    await publish(
      adaTab.client,
      inboxTopic(bob.user.id, ada.user.id),
      JSON.stringify({ type: 'invite', callId: ringing, sid: adaTab.sid, media: { audio: true, video: true } }),
    );
    await nextMessage(bobTab.client, (m) => m.payload.includes(ringing), bobTab.received);
  },
);

test('do-not-disturb for a period ends by itself; bad periods are refused', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const ada = await register(backend, { name: 'Ada' });
  const bob = await register(backend, { name: 'Bob' });
  const adaTab = await tab(t, backend, ada);
  const bobTab = await tab(t, backend, bob);
  assertError(await setPrivacy(backend, bob, { dnd: true, dndUntil: Date.now() - 1000 }), 400, 'invalid_input');
  assertError(await setPrivacy(backend, bob, { dnd: true, dndUntil: Date.now() + 400 * 24 * 3600 * 1000 }), 400, 'invalid_input');
  assertError(await setPrivacy(backend, bob, { dnd: 'yes' }), 400, 'invalid_input');
  assertError(await setPrivacy(backend, bob, { away: true }), 400, 'invalid_input');
  assertError(await setPrivacy(backend, bob, {}), 400, 'invalid_input');
  assertError(await request(backend, 'POST', HISTORY_PATHS.privacy, { json: { dnd: true } }), 401, 'unauthorized');

  const until = Date.now() + 1_500;
  assert.deepEqual((await setPrivacy(backend, bob, { dnd: true, dndUntil: until })).body, {
    privacy: { dnd: true, dndUntil: until, invisible: false },
  });
  await presenceFrom(adaTab.client, adaTab.received, bob.user.id, (p) => p?.dnd === true);
  adaTab.received.length = 0;
  // At its end: presence back to available, Bob's tabs told.
  await presenceFrom(adaTab.client, adaTab.received, bob.user.id, (p) => p && p.dnd === undefined && p.status === 'available');
  assert.ok(Date.now() >= until - 50);
  await nextMessage(
    bobTab.client,
    (m) => m.topic === noticeTopic(bob.user.id) && JSON.parse(m.payload).privacy?.dnd === false,
    bobTab.received,
  );
  const read = await request<PrivacyResponse>(backend, 'GET', HISTORY_PATHS.privacy, { token: bob.token });
  assert.deepEqual(read.body, { privacy: { dnd: false, dndUntil: null, invisible: false } });
});

test('invisible: never in any presence, seen by whoever they call or write to, kept across sign-outs', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const ada = await register(backend, { name: 'Ada' });
  const cleo = await register(backend, { name: 'Cleo' });
  const ivy = await register(backend, { name: 'Ivy' });
  // Watchers subscribed to every presence topic they may read, before Ivy does anything.
  const adaTab = await tab(t, backend, ada);
  const cleoTab = await tab(t, backend, cleo);

  // Online and visible first, then invisible: the retained presence is deleted everywhere.
  const ivyFirst = await tab(t, backend, ivy, 'first');
  await presenceFrom(adaTab.client, adaTab.received, ivy.user.id, (p) => p !== null);
  assert.equal((await setPrivacy(backend, ivy, { invisible: true })).status, 200);
  for (const watcher of [adaTab, cleoTab]) {
    await nextMessage(watcher.client, (m) => m.topic === `rtc/v1/presence/${ivy.user.id}` && m.payload === '', watcher.received);
  }
  await nextMessage(
    ivyFirst.client,
    (m) => m.topic === noticeTopic(ivy.user.id) && JSON.parse(m.payload).privacy?.invisible === true,
    ivyFirst.received,
  );
  ivyFirst.client.end(true);
  adaTab.received.length = 0;
  cleoTab.received.length = 0;

  // Signed out and in again: still invisible; a new connection, a status change: nothing published.
  assert.equal((await request(backend, 'POST', '/api/logout', { token: ivy.token })).status, 204);
  const login = await request<AuthResponse>(backend, 'POST', '/api/login', { json: { email: ivy.user.email, password: ivy.password } });
  const ivyAgain = login.body;
  assert.deepEqual(
    (await request<PrivacyResponse>(backend, 'GET', HISTORY_PATHS.privacy, { token: ivyAgain.token })).body.privacy.invisible,
    true,
  );
  const ivyTab = await tab(t, backend, ivyAgain, 'again');
  const ivyTwo = await tab(t, backend, ivyAgain, 'second-device');
  await publish(ivyTab.client, `rtc/v1/status/${ivy.user.id}`, JSON.stringify({ status: 'away' }));
  // A late subscriber gets no retained presence of Ivy either.
  const late = await tab(t, backend, await register(backend, { name: 'Late' }), 'late');
  await settle();

  // Ivy calls Ada: Ada gets Ivy's card on her notice topic, before the invite.
  const callId = 'invisible-call-0123456';
  await publish(
    ivyTab.client,
    inboxTopic(ada.user.id, ivy.user.id),
    JSON.stringify({ type: 'invite', callId, sid: ivyTab.sid, media: { audio: true, video: false } }),
  );
  const invite = await nextMessage(adaTab.client, (m) => m.payload.includes(callId), adaTab.received);
  const cardIndex = adaTab.received.findIndex((m) => m.topic === noticeTopic(ada.user.id) && JSON.parse(m.payload).type === 'contact');
  const inviteIndex = adaTab.received.findIndex((m) => m.payload === invite.payload);
  assert.ok(cardIndex >= 0 && cardIndex < inviteIndex, 'the card comes before the invite');
  assert.deepEqual(JSON.parse(adaTab.received[cardIndex]!.payload), {
    type: 'contact',
    presence: { id: ivy.user.id, name: 'Ivy', status: 'away', sessions: 2 },
  });
  // Ada can answer the invisible caller.
  await publish(
    adaTab.client,
    inboxTopic(ivy.user.id, ada.user.id),
    JSON.stringify({ type: 'reject', callId, sid: adaTab.sid, reason: 'declined' }),
  );
  await nextMessage(ivyTab.client, (m) => m.topic === inboxTopic(ivy.user.id, ada.user.id), ivyTab.received);

  // Ivy leaves: Ada is told the card no longer holds.
  ivyTab.client.end(true);
  ivyTwo.client.end(true);
  await nextMessage(
    adaTab.client,
    (m) => m.topic === noticeTopic(ada.user.id) && JSON.parse(m.payload).type === 'contact-gone',
    adaTab.received,
  );
  await settle();

  // Through all of it, no presence of Ivy with content reached anyone, and Cleo (never contacted) got no card.
  for (const watcher of [adaTab, cleoTab, late]) {
    assert.deepEqual(
      presencePayloads(watcher.received, ivy.user.id).filter((p) => p !== null),
      [],
    );
  }
  assert.ok(!cleoTab.received.some((m) => m.payload.includes(ivy.user.id)));
  // Someone else cannot subscribe to Ivy's notices to learn of her contacts.
  assert.deepEqual(await subscribeGranted(cleoTab.client, [noticeTopic(ivy.user.id), noticeTopic(ada.user.id)]), [128, 128]);
});
