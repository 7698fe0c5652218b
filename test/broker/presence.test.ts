/**
 * Presence kept by the backend (PROTOCOL.md §3): retained
 * `{ id, name, status, sessions }`, sessions counted across tabs, status
 * folded in, retained delete once the last session goes. The users here are
 * password accounts, all in the lobby, so the legacy topics carry them; per
 * room presence is test/broker/mqtt-rooms.test.ts's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MqttClient } from 'mqtt';
import { decodeJwt } from 'jose';
import {
  API_PATHS,
  UNNAMED,
  presenceTopic,
  roomPresenceTopic,
  roomPresenceWildcard,
  statusTopic,
  validatePresence,
  type AuthResponse,
} from '../../src/protocol/index.js';
import { hashPassword } from '../../broker/passwords.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Accounts } from '../../broker/accounts.js';
import { loadConfig } from '../../broker/config.js';
import { attachMqttBroker } from '../../broker/mqtt/broker.js';
import { Membership } from '../../broker/rooms/membership.js';
import { openJsonUserStore } from '../../broker/store/json-user-store.js';
import { Sessions } from '../../broker/sessions.js';
import { openJsonRevocationStore } from '../../broker/store/json-revocation-store.js';
import { TokenService } from '../../broker/tokens.js';
import {
  TEST_BACKEND_SETTINGS,
  closed,
  connectAs,
  publish,
  register,
  request,
  startTestBackend,
  subscribeGranted,
  tempDir,
  type Received,
  type TestBackend,
  jsonFilesOnly,
} from './support.js';

/** Presence updates for one user, in arrival order, as a queue the test awaits. */
function presenceOf(client: MqttClient, userId: string) {
  const queue: Received[] = [];
  const waiters: Array<(m: Received) => void> = [];
  client.on('message', (topic, payload, packet) => {
    if (topic !== presenceTopic(userId)) return;
    const message = { topic, payload: payload.toString(), retain: packet.retain };
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  return {
    next(): Promise<Received> {
      const queued = queue.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

test('two tabs count two sessions, then one, then a retained delete', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const alice = await register(backend, { name: 'Alice' });
  const bob = await register(backend, { name: 'Bob' });
  const watcher = await connectAs(t, backend, bob);
  const updates = presenceOf(watcher, alice.user.id);
  assert.deepEqual(await subscribeGranted(watcher, ['rtc/v1/presence/+']), [0]);

  const tab1 = await connectAs(t, backend, alice, 'one');
  const first = await updates.next();
  assert.deepEqual(validatePresence(JSON.parse(first.payload)), { id: alice.user.id, name: 'Alice', status: 'available', sessions: 1 });
  assert.deepEqual(JSON.parse(first.payload), { id: alice.user.id, name: 'Alice', status: 'available', sessions: 1 });

  const tab2 = await connectAs(t, backend, alice, 'two');
  assert.equal(JSON.parse((await updates.next()).payload).sessions, 2);

  tab1.end();
  await closed(tab1);
  assert.equal(JSON.parse((await updates.next()).payload).sessions, 1);

  // A tab that just drops (no DISCONNECT packet) counts the same as a clean close.
  tab2.stream.destroy();
  const gone = await updates.next();
  assert.equal(gone.payload, '');

  // The retained message is gone: a new subscriber gets nothing retained for Alice,
  // but does get Bob's own retained presence.
  const late = await connectAs(t, backend, bob, 'late');
  const lateUpdates = presenceOf(late, bob.user.id);
  const seen: string[] = [];
  late.on('message', (topic) => seen.push(topic));
  await subscribeGranted(late, ['rtc/v1/presence/+']);
  const bobRetained = await lateUpdates.next();
  assert.equal(bobRetained.retain, true);
  assert.equal(JSON.parse(bobRetained.payload).sessions, 2);
  assert.ok(!seen.includes(presenceTopic(alice.user.id)));
});

test(
  'a new subscriber gets the retained presence of everyone online, on the legacy and the lobby topics',
  { timeout: 60_000 },
  async (t) => {
    const backend = await startTestBackend({ closeAfter: t });
    const users = await Promise.all(['A', 'B', 'C'].map((name) => register(backend, { name })));
    for (const user of users) await connectAs(t, backend, user);
    const observer = await register(backend, { name: 'Observer' });
    const client = await connectAs(t, backend, observer);
    const retained = new Map<string, unknown>();
    const topicsOf = (userId: string) => [presenceTopic(userId), roomPresenceTopic('lobby', userId)];
    const all = new Promise<void>((resolve) => {
      client.on('message', (topic, payload, packet) => {
        if (packet.retain && payload.length > 0) retained.set(topic, JSON.parse(payload.toString()));
        if (users.every((u) => topicsOf(u.user.id).every((topic) => retained.has(topic)))) resolve();
      });
    });
    await subscribeGranted(client, ['rtc/v1/presence/+', roomPresenceWildcard('lobby')]);
    await all;
    for (const user of users) {
      for (const topic of topicsOf(user.user.id)) {
        assert.deepEqual(retained.get(topic), {
          id: user.user.id,
          name: user.user.name,
          status: 'available',
          sessions: 1,
        });
      }
    }
  },
);

test('status messages are folded into presence; nobody receives the status topic itself', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const alice = await register(backend, { name: 'Alice' });
  const bob = await register(backend, { name: 'Bob' });
  const watcher = await connectAs(t, backend, bob);
  const updates = presenceOf(watcher, alice.user.id);
  const topics: string[] = [];
  watcher.on('message', (topic) => topics.push(topic));
  await subscribeGranted(watcher, ['rtc/v1/presence/+']);

  const tab = await connectAs(t, backend, alice);
  assert.equal(JSON.parse((await updates.next()).payload).status, 'available');
  await publish(tab, statusTopic(alice.user.id), JSON.stringify({ status: 'busy' }), { qos: 1 });
  assert.deepEqual(JSON.parse((await updates.next()).payload), { id: alice.user.id, name: 'Alice', status: 'busy', sessions: 1 });
  await publish(tab, statusTopic(alice.user.id), JSON.stringify({ status: 'away' }), { qos: 1 });
  assert.equal(JSON.parse((await updates.next()).payload).status, 'away');

  // A second tab keeps the folded status.
  await connectAs(t, backend, alice, 'second');
  assert.deepEqual(JSON.parse((await updates.next()).payload), { id: alice.user.id, name: 'Alice', status: 'away', sessions: 2 });
  assert.ok(topics.every((topic) => !topic.startsWith('rtc/v1/status/')));
  assert.equal(tab.connected, true);
});

test('a connect storm costs one retained publish per change', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const users = await Promise.all(Array.from({ length: 20 }, (_, i) => register(backend, { name: `Storm ${i}` })));
  const observer = await register(backend, { name: 'Observer' });
  const watcher = await connectAs(t, backend, observer);
  const marker = await register(backend, { name: 'Marker' });
  let presenceMessages = 0;
  let markerSeen!: () => void;
  const markerArrived = new Promise<void>((resolve) => (markerSeen = resolve));
  watcher.on('message', (topic) => {
    if (topic === presenceTopic(marker.user.id)) markerSeen();
    else if (topic.startsWith('rtc/v1/presence/') && topic !== presenceTopic(observer.user.id)) presenceMessages += 1;
  });
  await subscribeGranted(watcher, ['rtc/v1/presence/+']);
  await Promise.all(users.map((u) => connectAs(t, backend, u)));
  // Presence is published in order: once the marker's arrives, every storm update has arrived.
  await connectAs(t, backend, marker);
  await markerArrived;
  // Exactly one presence message per user that came online: no per-client fan-out of the whole list.
  assert.equal(presenceMessages, users.length);
});

test('closing the backend disconnects everyone and clears their presence', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const config = { ...loadConfig({}), ...TEST_BACKEND_SETTINGS, port: 0, dataDir };
  const store = await openJsonUserStore(dataDir);
  const tokens = new TokenService('a test secret that is long enough for HS256');
  const sessions = new Sessions(tokens, await openJsonRevocationStore(dataDir), config);
  const accounts = new Accounts(store, config.scryptCost);
  const server = createServer();
  const broker = await attachMqttBroker(server, { config, store, sessions, membership: new Membership({ lobby: config.lobby }) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;

  // The broker's own view of presence, from inside: what a subscriber would get.
  const seen: Array<{ topic: string; payload: string }> = [];
  await new Promise<void>((resolve) =>
    broker.aedes.subscribe(
      'rtc/v1/presence/+',
      (packet, done) => {
        seen.push({ topic: packet.topic, payload: packet.payload.toString() });
        done();
      },
      resolve,
    ),
  );

  const user = await accounts.register({ name: 'Leaver', email: 'leaver@example.test', password: 'leaving soon' });
  const token = await sessions.signIn(user);
  const backend = { wsUrl: `ws://127.0.0.1:${port}/mqtt` } as TestBackend;
  const client = await connectAs(t, backend, { token, user: { id: user.id, name: user.name, email: user.email } });
  const gone = closed(client);
  while (!seen.some((m) => m.payload.includes('"sessions":1'))) await new Promise((resolve) => setTimeout(resolve, 10));

  await broker.close();
  await gone;
  assert.deepEqual(seen.at(-1), { topic: presenceTopic(user.id), payload: '' });
  assert.equal(broker.presence.get(user.id), undefined);
  await store.close();
});

test(
  'a name stored before the name rule is shown sanitised in presence, API answers and tokens',
  { ...jsonFilesOnly, timeout: 60_000 },
  async (t) => {
    // Written straight into the store, as an older backend did: an override and zero-width spaces.
    const dataDir = await tempDir(t);
    const store = await openJsonUserStore(dataDir);
    const stored = '\u200BBob\u202Eadmin si gnillac\u200B';
    const old = await store.create({
      name: stored,
      email: 'old@example.test',
      passwordHash: await hashPassword('correct horse battery', TEST_BACKEND_SETTINGS.scryptCost),
    });
    const hidden = await store.create({
      name: '\u200B\u3164',
      email: 'hidden@example.test',
      passwordHash: await hashPassword('correct horse battery', TEST_BACKEND_SETTINGS.scryptCost),
    });
    await store.close();
    const backend = await startTestBackend({ closeAfter: t, dataDir });

    const login = await request<AuthResponse>(backend, 'POST', API_PATHS.login, {
      json: { email: 'old@example.test', password: 'correct horse battery' },
    });
    assert.equal(login.status, 200);
    assert.equal(login.body.user.name, 'Bobadmin si gnillac');
    assert.equal(decodeJwt(login.body.token).name, 'Bobadmin si gnillac');
    const hiddenLogin = await request<AuthResponse>(backend, 'POST', API_PATHS.login, {
      json: { email: 'hidden@example.test', password: 'correct horse battery' },
    });
    assert.equal(hiddenLogin.body.user.name, UNNAMED);

    const observer = await register(backend, { name: 'Observer' });
    const client = await connectAs(t, backend, observer);
    const oldPresence = presenceOf(client, old.id);
    const hiddenPresence = presenceOf(client, hidden.id);
    await subscribeGranted(client, ['rtc/v1/presence/+']);
    await connectAs(t, backend, login.body);
    await connectAs(t, backend, hiddenLogin.body);
    assert.equal(JSON.parse((await oldPresence.next()).payload).name, 'Bobadmin si gnillac');
    assert.equal(JSON.parse((await hiddenPresence.next()).payload).name, UNNAMED);
  },
);
