/**
 * Messages while away (PROTOCOL.md §8) against the real backend: kept for someone offline who
 * shares a room, delivered over MQTT at their next sign-in until acknowledged, bounded per pair,
 * per recipient and in age, taken back until delivered, and private over HTTP and raw MQTT.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';
import { inboxTopic, inboxWildcard, type AuthResponse, type WaitingMessage } from '../../src/protocol/index.js';
import {
  SITE_ACCOUNTS,
  assertError,
  closed,
  collect,
  connectAs,
  nextMessage,
  publish,
  register,
  request,
  siteSignIn,
  startTestBackend,
  subscribeGranted,
  tempDir,
  type Received,
  type TestBackend,
} from './support.js';

let ids = 0;
const newId = () => `msg-${Date.now().toString(36)}-${(ids += 1)}`;

function leave(backend: TestBackend, from: AuthResponse, to: AuthResponse | string, text: string, id = newId()) {
  return request<{ message: WaitingMessage; error: { message: string } }>(backend, 'POST', '/api/messages', {
    token: from.token,
    json: { id, to: typeof to === 'string' ? to : to.user.id, text },
  });
}

const waiting = async (backend: TestBackend, user: AuthResponse) =>
  (await request<{ messages: WaitingMessage[] }>(backend, 'GET', '/api/messages', { token: user.token })).body.messages;

const acknowledge = (backend: TestBackend, user: AuthResponse, messageIds: string[]) =>
  request(backend, 'POST', '/api/messages/delivered', { token: user.token, json: { ids: messageIds } });

/** A tab of `user` subscribed to its inbox, with everything it receives. */
async function inboxTab(t: TestContext, backend: TestBackend, user: AuthResponse): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await connectAs(t, backend, user);
  const received = collect(client);
  assert.deepEqual(await subscribeGranted(client, [inboxWildcard(user.user.id)]), [0]);
  return { client, received };
}

const chatsIn = (received: Received[], id: string) => received.filter((m) => m.payload.includes(`"id":"${id}"`));

/** Long enough for a delivery the backend was going to make to arrive on loopback. */
const SETTLE_MS = 300;

test('a message to someone offline is kept, delivered at their next sign-in marked later, and the sender hears it arrived', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [ada, bob] = [await register(backend, { name: 'Ada' }), await register(backend, { name: 'Bob' })];
  const left = await leave(backend, ada, bob, 'See you tomorrow');
  assert.equal(left.status, 201, JSON.stringify(left.body));
  const kept = left.body.message;
  assert.equal(kept.to, bob.user.id);
  assert.equal(kept.text, 'See you tomorrow');
  assert.ok(kept.expiresAt > kept.sentAt);
  assert.deepEqual(await waiting(backend, ada), [kept]);

  const adaTab = await inboxTab(t, backend, ada);
  const bobTab = await inboxTab(t, backend, bob);
  const delivered = await nextMessage(bobTab.client, (m) => m.payload.includes(kept.id), bobTab.received);
  assert.equal(delivered.topic, inboxTopic(bob.user.id, ada.user.id));
  assert.deepEqual(JSON.parse(delivered.payload), { type: 'chat', id: kept.id, text: 'See you tomorrow', ts: kept.sentAt, later: true });

  assert.equal((await acknowledge(backend, bob, [kept.id])).status, 204);
  const note = await nextMessage(adaTab.client, (m) => m.payload.includes('chat-delivered'), adaTab.received);
  assert.equal(note.topic, inboxTopic(ada.user.id, bob.user.id));
  assert.deepEqual(JSON.parse(note.payload), { type: 'chat-delivered', ids: [kept.id] });
  assert.deepEqual(await waiting(backend, ada), []);

  // Delivered once: the next sign-in brings nothing again.
  const again = await inboxTab(t, backend, bob);
  await sleep(SETTLE_MS);
  assert.deepEqual(chatsIn(again.received, kept.id), []);
});

test('a delivery that races a disconnect is made again until acknowledged; two tabs each get it once', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [ada, bob] = [await register(backend), await register(backend)];
  const id = (await leave(backend, ada, bob, 'Are you there?')).body.message.id;

  // Received, then the tab went before acknowledging: not lost.
  const first = await inboxTab(t, backend, bob);
  await nextMessage(first.client, (m) => m.payload.includes(id), first.received);
  first.client.end(true);
  await closed(first.client);

  const [tabOne, tabTwo] = [await inboxTab(t, backend, bob), await inboxTab(t, backend, bob)];
  await nextMessage(tabOne.client, (m) => m.payload.includes(id), tabOne.received);
  await nextMessage(tabTwo.client, (m) => m.payload.includes(id), tabTwo.received);
  // Both tabs acknowledge (each showed it); the second acknowledgement changes nothing.
  assert.equal((await acknowledge(backend, bob, [id])).status, 204);
  assert.equal((await acknowledge(backend, bob, [id])).status, 204);
  // A message left while the tabs are open goes to each of them at once, once.
  const live = (await leave(backend, ada, bob, 'Oh, you are back')).body.message.id;
  await nextMessage(tabOne.client, (m) => m.payload.includes(live), tabOne.received);
  await nextMessage(tabTwo.client, (m) => m.payload.includes(live), tabTwo.received);
  await acknowledge(backend, bob, [live]);
  await sleep(SETTLE_MS);
  // Each tab got the first message at most once more (its own subscription's delivery), the second exactly once.
  for (const tab of [tabOne, tabTwo]) {
    assert.equal(chatsIn(tab.received, id).length, 1, 'one delivery per subscription');
    assert.equal(chatsIn(tab.received, live).length, 1);
  }
  assert.deepEqual(await waiting(backend, ada), []);
});

test('a retry with the same id keeps one message; another message under a kept id is refused', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [ada, bob, cy] = [await register(backend), await register(backend), await register(backend)];
  const id = newId();
  assert.equal((await leave(backend, ada, bob, 'once', id)).status, 201);
  assert.equal((await leave(backend, ada, bob, 'once', id)).status, 200);
  assert.equal((await waiting(backend, ada)).length, 1);
  assertError(await leave(backend, ada, bob, 'other text', id), 409, 'message_id_taken');
  assertError(await leave(backend, cy, bob, 'once', id), 409, 'message_id_taken');
});

test('bounds: count and bytes per pair, messages per recipient; over a bound nothing is kept', async (t) => {
  const backend = await startTestBackend({
    closeAfter: t,
    maxPendingPerPair: 2,
    maxPendingBytesPerPair: 16 * 1024,
    maxPendingPerRecipient: 3,
  });
  const [ada, bob, cy, dee] = [await register(backend), await register(backend), await register(backend), await register(backend)];
  assert.equal((await leave(backend, ada, bob, 'one')).status, 201);
  assert.equal((await leave(backend, ada, bob, 'two')).status, 201);
  const third = await leave(backend, ada, bob, 'three');
  assertError(third, 409, 'pending_limit');
  assert.match(third.body.error.message, /at most 2 messages/);
  assert.deepEqual(
    (await waiting(backend, ada)).map((m) => m.text),
    ['one', 'two'],
  );
  // Another pair has its own count; the recipient's total is bounded too.
  assert.equal((await leave(backend, cy, bob, 'from cy')).status, 201);
  assertError(await leave(backend, dee, bob, 'from dee'), 409, 'pending_limit');
  // Bytes: 4000 three-byte characters are 12,000 bytes; a second such message passes 16 KiB.
  const big = '€'.repeat(4000);
  assert.equal((await leave(backend, ada, dee, big)).status, 201);
  const over = await leave(backend, ada, dee, big);
  assertError(over, 409, 'pending_limit');
  assert.match(over.body.error.message, /16384 bytes/);
  // Once delivered, the pair has room again.
  const bobTab = await inboxTab(t, backend, bob);
  const [one] = await waiting(backend, ada);
  await nextMessage(bobTab.client, (m) => m.payload.includes(one!.id), bobTab.received);
  await acknowledge(backend, bob, [one!.id]);
  assert.equal((await leave(backend, ada, bob, 'three again')).status, 201);
});

test('a message past MESSAGE_TTL is dropped undelivered', async (t) => {
  let now = Date.now();
  const backend = await startTestBackend({ closeAfter: t, messageTtlSeconds: 60, messagesClock: () => now });
  const [ada, bob] = [await register(backend), await register(backend)];
  const kept = (await leave(backend, ada, bob, 'soon stale')).body.message;
  assert.equal(kept.expiresAt, kept.sentAt + 60_000);
  now += 59_000;
  assert.equal((await waiting(backend, ada)).length, 1);
  now += 1_000;
  assert.deepEqual(await waiting(backend, ada), []);
  const bobTab = await inboxTab(t, backend, bob);
  await sleep(SETTLE_MS);
  assert.deepEqual(chatsIn(bobTab.received, kept.id), []);
  assertError(await request(backend, 'DELETE', `/api/messages/${kept.id}`, { token: ada.token }), 404, 'message_not_found');
  // An expired message counts against no bound.
  assert.equal((await leave(backend, ada, bob, 'fresh')).status, 201);
});

test('the sender can take a message back until it is delivered, nobody else can', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [ada, bob, cy] = [await register(backend), await register(backend), await register(backend)];
  const [gone, kept] = [(await leave(backend, ada, bob, 'oops')).body.message, (await leave(backend, ada, bob, 'keep me')).body.message];
  // Neither the recipient nor a third person can take it back.
  assertError(await request(backend, 'DELETE', `/api/messages/${gone.id}`, { token: bob.token }), 404, 'message_not_found');
  assertError(await request(backend, 'DELETE', `/api/messages/${gone.id}`, { token: cy.token }), 404, 'message_not_found');
  assert.equal((await request(backend, 'DELETE', `/api/messages/${gone.id}`, { token: ada.token })).status, 204);
  assertError(await request(backend, 'DELETE', `/api/messages/${gone.id}`, { token: ada.token }), 404, 'message_not_found');
  const bobTab = await inboxTab(t, backend, bob);
  await nextMessage(bobTab.client, (m) => m.payload.includes(kept.id), bobTab.received);
  await sleep(SETTLE_MS);
  assert.deepEqual(chatsIn(bobTab.received, gone.id), []);
  await acknowledge(backend, bob, [kept.id]);
  // Delivered: too late to take back.
  assertError(await request(backend, 'DELETE', `/api/messages/${kept.id}`, { token: ada.token }), 404, 'message_not_found');
});

test('only someone who shares a room can be left a message; anyone else gets one clear refusal', async (t) => {
  const backend = await startTestBackend({ closeAfter: t, ...SITE_ACCOUNTS });
  const ada = await siteSignIn(backend, 'ada', { name: 'Ada', rooms: ['r1'] });
  const bob = await siteSignIn(backend, 'bob', { name: 'Bob', rooms: ['r1'] });
  const cy = await siteSignIn(backend, 'cy', { name: 'Cy', rooms: ['r2'] });
  assert.equal((await leave(backend, ada, bob, 'same room')).status, 201);
  for (const to of [cy.user.id, 'nobody-here-123', ada.user.id, 'not/an id']) {
    const refused = await leave(backend, ada, to, 'hello?');
    assertError(refused, 404, 'recipient_not_found');
    assert.match(refused.body.error.message, /shares a room with you/);
  }
  assert.equal((await waiting(backend, ada)).length, 1);
});

test('bad requests: 401 without a token, 400 for bad ids, text or fields', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [ada, bob] = [await register(backend), await register(backend)];
  assertError(await request(backend, 'POST', '/api/messages', { json: { id: newId(), to: bob.user.id, text: 'x' } }), 401, 'unauthorized');
  assertError(await request(backend, 'GET', '/api/messages'), 401, 'unauthorized');
  assertError(await request(backend, 'POST', '/api/messages/delivered', { json: { ids: [newId()] } }), 401, 'unauthorized');
  assertError(await request(backend, 'DELETE', `/api/messages/${newId()}`), 401, 'unauthorized');
  for (const json of [
    { id: 'short', to: bob.user.id, text: 'x' },
    { id: newId(), to: bob.user.id, text: '   ' },
    { id: newId(), to: bob.user.id, text: 'x'.repeat(4001) },
    { id: newId(), to: bob.user.id, text: 'x', later: true },
    { id: newId(), to: bob.user.id },
  ]) {
    assertError(await request(backend, 'POST', '/api/messages', { token: ada.token, json }), 400, 'invalid_input');
  }
  assertError(await request(backend, 'POST', '/api/messages/delivered', { token: bob.token, json: { ids: [] } }), 400, 'invalid_input');
  assertError(
    await request(backend, 'POST', '/api/messages/delivered', { token: bob.token, json: { ids: Array.from({ length: 101 }, newId) } }),
    400,
    'invalid_input',
  );
  assert.deepEqual(await waiting(backend, ada), []);
});

test('privacy over HTTP: a person sees only their own waiting messages and acknowledges only messages to them', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [ada, bob, cy] = [await register(backend), await register(backend), await register(backend)];
  const kept = (await leave(backend, ada, bob, 'for Bob only')).body.message;
  assert.deepEqual(await waiting(backend, bob), []);
  assert.deepEqual(await waiting(backend, cy), []);
  // Cy acknowledging Bob's message, and Ada her own, changes nothing: it still waits and still reaches Bob.
  assert.equal((await acknowledge(backend, cy, [kept.id])).status, 204);
  assert.equal((await acknowledge(backend, ada, [kept.id])).status, 204);
  assert.deepEqual(await waiting(backend, ada), [kept]);
  const bobTab = await inboxTab(t, backend, bob);
  await nextMessage(bobTab.client, (m) => m.payload.includes(kept.id), bobTab.received);
});

test('privacy over raw MQTT: nobody else reads a kept message, and nobody can forge "later" or "delivered"', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [ada, bob, cy] = [await register(backend), await register(backend), await register(backend)];
  const cyClient = await connectAs(t, backend, cy);
  const cyReceived = collect(cyClient);
  assert.deepEqual(await subscribeGranted(cyClient, [inboxWildcard(bob.user.id), inboxTopic(bob.user.id, ada.user.id)]), [128, 128]);
  assert.deepEqual(await subscribeGranted(cyClient, [inboxWildcard(cy.user.id)]), [0]);
  const kept = (await leave(backend, ada, bob, 'private')).body.message;
  const bobTab = await inboxTab(t, backend, bob);
  await nextMessage(bobTab.client, (m) => m.payload.includes(kept.id), bobTab.received);
  await sleep(SETTLE_MS);
  assert.deepEqual(chatsIn(cyReceived, kept.id), []);

  // A client passing a live chat for a kept one is disconnected, as is one faking a delivery note.
  const forged = { type: 'chat', id: newId(), text: 'I was here before', ts: Date.now(), later: true };
  await publish(cyClient, inboxTopic(bob.user.id, cy.user.id), JSON.stringify(forged));
  await closed(cyClient);
  const cyAgain = await connectAs(t, backend, cy);
  await publish(cyAgain, inboxTopic(ada.user.id, cy.user.id), JSON.stringify({ type: 'chat-delivered', ids: [kept.id] }));
  await closed(cyAgain);
  await sleep(SETTLE_MS);
  assert.deepEqual(
    bobTab.received.filter((m) => m.payload.includes(forged.id)),
    [],
  );
});

test('kept messages survive a restart of the backend', async (t) => {
  const dataDir = await tempDir(t);
  const first = await startTestBackend({ dataDir });
  const [ada, bob] = [await register(first), await register(first)];
  const kept = (await leave(first, ada, bob, 'still here after a restart')).body.message;
  await first.close();
  const second = await startTestBackend({ closeAfter: t, dataDir });
  assert.deepEqual(await waiting(second, ada), [kept]);
  const bobTab = await inboxTab(t, second, bob);
  await nextMessage(bobTab.client, (m) => m.payload.includes(kept.id), bobTab.received);
});
