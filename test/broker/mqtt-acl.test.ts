/**
 * Topic ACL (PROTOCOL.md §3): every refused subscription gets SUBACK 0x80,
 * every refused publish disconnects the client, and refused messages are
 * never delivered. Legitimate inbox delivery works. The users here are
 * password accounts, all in the lobby; rooms are test/broker/mqtt-rooms.test.ts's.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { MqttClient } from 'mqtt';
import {
  MAX_MQTT_PAYLOAD_BYTES,
  inboxTopic,
  inboxWildcard,
  presenceTopic,
  roomPresenceTopic,
  roomPresenceWildcard,
  statusTopic,
} from '../../src/protocol/index.js';
import {
  closed,
  collect,
  connectAs,
  connectMqtt,
  publish,
  register,
  startTestBackend,
  subscribeGranted,
  type TestBackend,
} from './support.js';

const REFUSED = 128;
const chat = (text: string) => JSON.stringify({ type: 'chat', id: `m-${text}`, text, ts: Date.now() });

async function twoUsers(t: TestContext, overrides = {}) {
  const backend = await startTestBackend({ closeAfter: t, ...overrides });
  const alice = await register(backend, { name: 'Alice' });
  const bob = await register(backend, { name: 'Bob' });
  return { backend, alice, bob };
}

/** Bob listening on his inbox. */
async function listeningBob(t: TestContext, backend: TestBackend, bob: Awaited<ReturnType<typeof register>>) {
  const client = await connectAs(t, backend, bob);
  assert.deepEqual(await subscribeGranted(client, [inboxWildcard(bob.user.id)]), [0]);
  return { client, received: collect(client) };
}

test('allowed subscriptions in the lobby: all presence, one presence topic, own inbox', { timeout: 60_000 }, async (t) => {
  const { backend, alice, bob } = await twoUsers(t);
  const client = await connectAs(t, backend, alice);
  const granted = await subscribeGranted(client, [
    'rtc/v1/presence/+',
    presenceTopic(bob.user.id),
    inboxWildcard(alice.user.id),
    roomPresenceWildcard('lobby'),
    roomPresenceTopic('lobby', bob.user.id),
  ]);
  assert.deepEqual(granted, [0, 0, 0, 0, 0]);
});

test('refused subscriptions get SUBACK 0x80 and the client stays connected', { timeout: 60_000 }, async (t) => {
  const { backend, alice, bob } = await twoUsers(t);
  const client = await connectAs(t, backend, alice);
  const refused = [
    '#',
    'rtc/#',
    'rtc/v1/#',
    '$SYS/#',
    '$SYS/+/new/clients',
    '+/+/+/+',
    'rtc/v1/presence/#',
    'rtc/v1/inbox/+/+',
    'rtc/v1/inbox/#',
    inboxWildcard(bob.user.id),
    inboxTopic(bob.user.id, alice.user.id),
    inboxTopic(alice.user.id, bob.user.id),
    statusTopic(bob.user.id),
    statusTopic(alice.user.id),
    'rtc/v1/status/+',
    'something/else',
  ];
  const granted = await subscribeGranted(client, refused);
  assert.deepEqual(
    granted,
    refused.map(() => REFUSED),
  );
  assert.equal(client.connected, true);
  assert.deepEqual(await subscribeGranted(client, [inboxWildcard(alice.user.id)]), [0]);
});

test('subscriptions per client are capped', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, maxSubscriptionsPerClient: 3 });
  const users = await Promise.all([1, 2, 3, 4].map(() => register(backend)));
  const client = await connectAs(t, backend, users[0]!);
  const topics = users.map((u) => presenceTopic(u.user.id));
  assert.deepEqual(await subscribeGranted(client, topics), [0, 0, 0, REFUSED]);
  // Subscribing again to a topic already held does not count twice.
  assert.deepEqual(await subscribeGranted(client, [topics[0]!]), [0]);
  // Unsubscribing frees a slot.
  await client.unsubscribeAsync(topics[1]!);
  assert.deepEqual(await subscribeGranted(client, [topics[3]!]), [0]);
});

test('legitimate inbox delivery, including to oneself (other tabs)', { timeout: 60_000 }, async (t) => {
  const { backend, alice, bob } = await twoUsers(t);
  const { received } = await listeningBob(t, backend, bob);
  const sender = await connectAs(t, backend, alice);
  await publish(sender, inboxTopic(bob.user.id, alice.user.id), chat('hello'), { qos: 1 });
  const got = await waitFor(received, (m) => m.topic === inboxTopic(bob.user.id, alice.user.id));
  assert.equal(JSON.parse(got.payload).text, 'hello');
  assert.equal(got.retain, false);

  const aliceTab = await connectAs(t, backend, alice, 'tab2');
  const selfReceived = collect(aliceTab);
  await subscribeGranted(aliceTab, [inboxWildcard(alice.user.id)]);
  await publish(sender, inboxTopic(alice.user.id, alice.user.id), JSON.stringify({ type: 'handled', callId: 'c'.repeat(16), sid: 'x' }), {
    qos: 1,
  });
  const handled = await waitFor(selfReceived, (m) => m.topic === inboxTopic(alice.user.id, alice.user.id));
  assert.equal(JSON.parse(handled.payload).type, 'handled');
  assert.equal(sender.connected, true);
});

/** Resolves with the first message in `received` that matches (polling the array the listener fills). */
async function waitFor(received: ReturnType<typeof collect>, match: (m: ReturnType<typeof collect>[number]) => boolean) {
  for (;;) {
    const found = received.find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Publishes from a fresh connection of `sender`, expects the broker to drop
 * that connection, then proves with a marker sent afterwards by a legitimate
 * sender that Bob got the marker and never the refused message.
 */
async function refusedPublish(
  t: TestContext,
  ctx: { backend: TestBackend; alice: Awaited<ReturnType<typeof register>>; bob: Awaited<ReturnType<typeof register>> },
  bobInbox: { client: MqttClient; received: ReturnType<typeof collect> },
  label: string,
  topic: (ids: { alice: string; bob: string }) => string,
  payload: string | Buffer,
  options: { retain?: boolean } = {},
) {
  const { backend, alice, bob } = ctx;
  const ids = { alice: alice.user.id, bob: bob.user.id };
  const attacker = await connectAs(t, backend, alice, `attack-${label.replace(/\W+/g, '-')}`);
  const gone = closed(attacker);
  attacker.publish(topic(ids), payload, { qos: 0, retain: options.retain ?? false });
  await gone;
  assert.equal(attacker.connected, false, `${label}: still connected`);

  const marker = `marker-${label}`;
  const honest = await connectAs(t, backend, alice, 'honest');
  await publish(honest, inboxTopic(bob.user.id, alice.user.id), chat(marker), { qos: 1 });
  await waitFor(bobInbox.received, (m) => m.payload.includes(marker));
  honest.end(true);
  const leaked = bobInbox.received.filter((m) => m.topic.startsWith('rtc/v1/inbox/') && !m.payload.includes('marker-'));
  assert.deepEqual(leaked, [], `${label}: refused message was delivered`);
}

test('refused publishes disconnect the client and are never delivered', { timeout: 180_000 }, async (t) => {
  const ctx = await twoUsers(t);
  const bobInbox = await listeningBob(t, ctx.backend, ctx.bob);
  // Bob also watches presence, so a forged presence would show up there.
  const watcher = await connectAs(t, ctx.backend, ctx.bob, 'watcher');
  const presence = collect(watcher);
  assert.deepEqual(await subscribeGranted(watcher, ['rtc/v1/presence/+']), [0]);

  const cases: Array<[string, (ids: { alice: string; bob: string }) => string, string | Buffer, { retain?: boolean }?]> = [
    ['presence of oneself', (i) => presenceTopic(i.alice), JSON.stringify({ id: 'x', name: 'x', status: 'available', sessions: 1 })],
    ['presence of another', (i) => presenceTopic(i.bob), JSON.stringify({ id: 'x', name: 'x', status: 'available', sessions: 1 })],
    ['spoofed from', (i) => inboxTopic(i.bob, i.bob), chat('spoofed from bob himself')],
    ['spoofed third party', (i) => `rtc/v1/inbox/${i.bob}/someoneelse`, chat('spoofed')],
    ['retain on inbox', (i) => inboxTopic(i.bob, i.alice), chat('retained'), { retain: true }],
    ['outside the table', () => 'some/other/topic', chat('elsewhere')],
    ['unknown rtc kind', (i) => `rtc/v1/calls/${i.bob}`, chat('elsewhere')],
    ['inbox with extra level', (i) => `${inboxTopic(i.bob, i.alice)}/x`, chat('deeper')],
    ['$SYS', () => '$SYS/fake/new/clients', 'x'],
    ['status of another user', (i) => statusTopic(i.bob), JSON.stringify({ status: 'busy' })],
    ['status with a bad value', (i) => statusTopic(i.alice), JSON.stringify({ status: 'invisible' })],
    ['payload over 64 KiB', (i) => inboxTopic(i.bob, i.alice), JSON.stringify({ type: 'chat', pad: 'x'.repeat(MAX_MQTT_PAYLOAD_BYTES) })],
    [
      'payload far over the websocket frame limit',
      (i) => inboxTopic(i.bob, i.alice),
      JSON.stringify({ type: 'chat', pad: 'x'.repeat(200 * 1024) }),
    ],
    ['inbox payload not JSON', (i) => inboxTopic(i.bob, i.alice), 'hello bob'],
    ['inbox payload a JSON array', (i) => inboxTopic(i.bob, i.alice), JSON.stringify([{ type: 'chat' }])],
    ['inbox payload a JSON string', (i) => inboxTopic(i.bob, i.alice), JSON.stringify('chat')],
    ['inbox payload without type', (i) => inboxTopic(i.bob, i.alice), JSON.stringify({ text: 'hi' })],
    ['inbox payload with non-string type', (i) => inboxTopic(i.bob, i.alice), JSON.stringify({ type: 7 })],
    ['inbox payload not UTF-8', (i) => inboxTopic(i.bob, i.alice), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
  ];
  for (const [label, topic, payload, options] of cases) {
    await refusedPublish(t, ctx, bobInbox, label, topic, payload, options);
  }
  // Presence only ever came from the backend: real names, never the forged 'x'.
  assert.ok(presence.length > 0);
  for (const m of presence) {
    if (m.payload === '') continue;
    assert.ok(['Alice', 'Bob'].includes(JSON.parse(m.payload).name), m.payload);
  }
});

test('publishing to a topic with + or # is refused with a disconnect', { timeout: 60_000 }, async (t) => {
  const ctx = await twoUsers(t);
  const bobInbox = await listeningBob(t, ctx.backend, ctx.bob);
  for (const [label, topic] of [
    ['plus', (i: { bob: string }) => `rtc/v1/inbox/${i.bob}/+`],
    ['hash', (i: { bob: string }) => `rtc/v1/inbox/${i.bob}/#`],
  ] as const) {
    await refusedPublish(t, ctx, bobInbox, label, topic, chat('wild'));
  }
});

test('a client over its publish budget is disconnected', { timeout: 60_000 }, async (t) => {
  const ctx = await twoUsers(t, { publishRate: 1, publishBurst: 5 });
  const bobInbox = await listeningBob(t, ctx.backend, ctx.bob);
  const flooder = await connectAs(t, ctx.backend, ctx.alice);
  const gone = closed(flooder);
  for (let i = 0; i < 20; i++) flooder.publish(inboxTopic(ctx.bob.user.id, ctx.alice.user.id), chat(`flood-${i}`), { qos: 0 });
  await gone;
  // Within budget: the burst went through; the rest did not.
  const flood = () => bobInbox.received.filter((m) => m.payload.includes('flood-'));
  await waitFor(bobInbox.received, (m) => m.payload.includes('flood-4'));
  assert.ok(flood().length <= 6, `delivered ${flood().length} of 20`);
  assert.ok(!flood().some((m) => m.payload.includes('flood-19')));
});

test('a will message goes through the same ACL: a spoofed will is never delivered', { timeout: 60_000 }, async (t) => {
  const ctx = await twoUsers(t);
  const bobInbox = await listeningBob(t, ctx.backend, ctx.bob);
  const { alice, bob, backend } = ctx;
  for (const [label, topic] of [
    ['spoofed sender', inboxTopic(bob.user.id, bob.user.id)],
    ['presence', presenceTopic(alice.user.id)],
  ] as const) {
    const attacker = await connectMqtt(
      t,
      backend,
      { username: alice.user.id, password: alice.token, clientId: `${alice.user.id}:will-${label.length}` },
      { will: { topic, payload: Buffer.from(chat(`will ${label}`)), qos: 0, retain: false } },
    );
    const gone = closed(attacker);
    // An ungraceful drop is what makes the broker publish a will.
    attacker.stream.destroy();
    await gone;
    const marker = `marker-will-${label}`;
    const honest = await connectAs(t, backend, alice, 'honest');
    await publish(honest, inboxTopic(bob.user.id, alice.user.id), chat(marker), { qos: 1 });
    await waitFor(bobInbox.received, (m) => m.payload.includes(marker));
    honest.end(true);
    assert.deepEqual(
      bobInbox.received.filter((m) => m.payload.includes('will ')),
      [],
      label,
    );
  }
  // Control: a will that the ACL allows is delivered, so the refusals above are the ACL's doing.
  const legit = await connectMqtt(
    t,
    backend,
    { username: alice.user.id, password: alice.token, clientId: `${alice.user.id}:will-ok` },
    { will: { topic: inboxTopic(bob.user.id, alice.user.id), payload: Buffer.from(chat('legit will')), qos: 0, retain: false } },
  );
  legit.stream.destroy();
  await waitFor(bobInbox.received, (m) => m.payload.includes('legit will'));
});
