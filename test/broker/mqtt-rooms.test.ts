/**
 * The broker enforces rooms (PROTOCOL.md §4 "MQTT"): presence per room,
 * subscriptions only to one's own rooms, inbox messages only between people
 * who share a room (others dropped silently), and a room lost on a new site
 * token closes the connections and deletes the presence left in it.
 *
 * The cast, with ACCOUNTS=both: A and B in site room r1, C in r2, D in r1 and
 * r2, E a password account (the lobby), F a site account granted `lobby`.
 * Personal rooms and guests come last: on the broker alone with made rooms
 * from a map, and over the real HTTP API (invites, guests, joins).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import type { MqttClient } from 'mqtt';
import { Accounts } from '../../broker/accounts.js';
import { loadConfig } from '../../broker/config.js';
import { attachMqttBroker } from '../../broker/mqtt/broker.js';
import { Membership } from '../../broker/rooms/membership.js';
import { Sessions } from '../../broker/sessions.js';
import { openJsonRevocationStore } from '../../broker/store/json-revocation-store.js';
import { openJsonUserStore } from '../../broker/store/json-user-store.js';
import { TokenService } from '../../broker/tokens.js';
import type { UserStore } from '../../broker/store/user-store.js';
import {
  PRESENCE_WILDCARD,
  inboxTopic,
  inboxWildcard,
  presenceTopic,
  roomPresenceTopic,
  roomPresenceWildcard,
  statusTopic,
  inviteJoinPath,
  type AuthResponse,
  type Invite,
  type Room,
} from '../../src/protocol/index.js';
import {
  closed,
  collect,
  connectAs,
  nextMessage,
  publish,
  register,
  request,
  SITE,
  SITE_ACCOUNTS,
  siteSignIn,
  startTestBackend,
  subscribeGranted,
  tempDir,
  TEST_BACKEND_SETTINGS,
  type Received,
  type TestBackend,
} from './support.js';

const REFUSED = 128;

type User = AuthResponse;
type Cast = Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F', User>;

/** A backend with the cast signed in; `id('A')` is A's user id. */
async function withCast(t: TestContext) {
  const backend = await startTestBackend({ closeAfter: t, ...SITE_ACCOUNTS });
  const people: Cast = {
    A: await siteSignIn(backend, 'a', { name: 'A', rooms: ['r1'] }),
    B: await siteSignIn(backend, 'b', { name: 'B', rooms: ['r1'] }),
    C: await siteSignIn(backend, 'c', { name: 'C', rooms: ['r2'] }),
    D: await siteSignIn(backend, 'd', { name: 'D', rooms: ['r1', 'r2'] }),
    E: await register(backend, { name: 'E' }),
    F: await siteSignIn(backend, 'f', { name: 'F', rooms: ['lobby'] }),
  };
  return { backend, people, id: (name: keyof Cast) => people[name].user.id };
}

/**
 * Each person's subscriptions in the widget's place: every room they are in,
 * and the legacy list, which today's widget subscribes to whatever its rooms
 * (granted to all, it carries the lobby's members to the lobby's members only).
 */
const SUBSCRIPTIONS: Record<keyof Cast, string[]> = {
  A: [PRESENCE_WILDCARD, roomPresenceWildcard('r1')],
  B: [PRESENCE_WILDCARD, roomPresenceWildcard('r1')],
  C: [PRESENCE_WILDCARD, roomPresenceWildcard('r2')],
  D: [PRESENCE_WILDCARD, roomPresenceWildcard('r1'), roomPresenceWildcard('r2')],
  E: [PRESENCE_WILDCARD, roomPresenceWildcard('lobby')],
  F: [PRESENCE_WILDCARD, roomPresenceWildcard('lobby')],
};

/** A connection of `user` with its inbox and `filters` granted, collecting what it receives. */
async function watcher(t: TestContext, backend: TestBackend, user: User, filters: string[], tab = 'watch') {
  const client = await connectAs(t, backend, user, tab);
  const received = collect(client);
  const topics = [inboxWildcard(user.user.id), ...filters];
  assert.deepEqual(
    await subscribeGranted(client, topics),
    topics.map(() => 0),
    `${user.user.name}: ${topics.join(', ')}`,
  );
  return { client, received };
}

/** The presence a list of messages leaves, topic → payload (`''` for a retained delete). */
function lastPresence(received: Received[]): Map<string, string> {
  const last = new Map<string, string>();
  for (const m of received) if (m.topic.includes('/presence/')) last.set(m.topic, m.payload);
  return last;
}

const sessionsIn = (payload: string | undefined): number | undefined =>
  payload ? (JSON.parse(payload) as { sessions: number }).sessions : undefined;
const chat = (text: string) => JSON.stringify({ type: 'chat', id: `m-${text.length}`, text, ts: Date.now() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds (the HTTP answer does not wait for the broker to re-read a user). */
async function eventually(check: () => Promise<boolean> | boolean, what: string, limitMs = 5000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`not within ${limitMs} ms: ${what}`);
    await sleep(20);
  }
}

test('presence goes to the members of each room, and only there', { timeout: 60_000 }, async (t) => {
  const { backend, people, id } = await withCast(t);
  const names = Object.keys(people) as Array<keyof Cast>;
  const watchers = Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, await watcher(t, backend, people[name], SUBSCRIPTIONS[name])] as const)),
  ) as Record<keyof Cast, Awaited<ReturnType<typeof watcher>>>;
  const room = (roomId: string, ...who: Array<keyof Cast>) => who.map((name) => roomPresenceTopic(roomId, id(name)));
  const legacy = (...who: Array<keyof Cast>) => who.map((name) => presenceTopic(id(name)));
  const expected: Record<keyof Cast, string[]> = {
    A: room('r1', 'A', 'B', 'D'),
    B: room('r1', 'A', 'B', 'D'),
    C: room('r2', 'C', 'D'),
    D: [...room('r1', 'A', 'B', 'D'), ...room('r2', 'C', 'D')],
    E: [...legacy('E', 'F'), ...room('lobby', 'E', 'F')],
    F: [...legacy('E', 'F'), ...room('lobby', 'E', 'F')],
  };
  for (const name of names) {
    const { client, received } = watchers[name];
    for (const topic of expected[name]) await nextMessage(client, (m) => m.topic === topic && sessionsIn(m.payload) === 1, received);
  }

  // A live change: A goes away, seen in r1 only. Then a change of D's (in r1 and r2) and of E's (the
  // lobby): presence is published in order, so once those arrive anything else would have too.
  const aTab = await connectAs(t, backend, people.A, 'status');
  await publish(aTab, statusTopic(id('A')), JSON.stringify({ status: 'away' }), { qos: 1 });
  for (const name of ['A', 'B', 'D'] as const) {
    const { client, received } = watchers[name];
    await nextMessage(client, (m) => m.topic === roomPresenceTopic('r1', id('A')) && m.payload.includes('"away"'), received);
  }
  await connectAs(t, backend, people.D, 'marker');
  await connectAs(t, backend, people.E, 'marker');
  for (const name of names) {
    const { client, received } = watchers[name];
    const markerTopic = name === 'E' || name === 'F' ? presenceTopic(id('E')) : roomPresenceTopic(name === 'C' ? 'r2' : 'r1', id('D'));
    await nextMessage(client, (m) => m.topic === markerTopic && sessionsIn(m.payload) === 2, received);
    const seen = [...lastPresence(received).keys()].sort();
    assert.deepEqual(seen, [...expected[name]].sort(), `${name} sees exactly the people of its rooms`);
  }
  assert.ok(!watchers.C.received.some((m) => m.payload.includes('"away"')), 'C is not in r1');

  // A late subscriber gets the room's retained presence.
  for (const [name, roomId, who] of [
    ['B', 'r1', ['A', 'B', 'D']],
    ['C', 'r2', ['C', 'D']],
    ['F', 'lobby', ['E', 'F']],
  ] as const) {
    const late = await watcher(t, backend, people[name], [roomPresenceWildcard(roomId)], 'late');
    for (const topic of room(roomId, ...who)) {
      await nextMessage(late.client, (m) => m.topic === topic && m.retain && m.payload !== '', late.received);
    }
  }
});

test('subscriptions outside one’s rooms get SUBACK 0x80 and the client stays connected', { timeout: 60_000 }, async (t) => {
  const { backend, people, id } = await withCast(t);
  const c = await connectAs(t, backend, people.C);
  const refusedForC = [
    roomPresenceWildcard('r1'),
    roomPresenceTopic('r1', id('A')),
    roomPresenceTopic('r1', id('D')),
    roomPresenceWildcard('lobby'),
    'rtc/v1/rooms/+/presence/+',
    `rtc/v1/rooms/+/presence/${id('A')}`,
    'rtc/v1/rooms/#',
    'rtc/v1/rooms/r2/#',
    'rtc/v1/rooms/r2/presence/#',
    'rtc/v1/rooms/r2/+/+',
    'rtc/v1/presence/#',
    'rtc/v1/#',
    '#',
  ];
  assert.deepEqual(
    await subscribeGranted(c, refusedForC),
    refusedForC.map(() => REFUSED),
  );
  assert.equal(c.connected, true);
  assert.deepEqual(await subscribeGranted(c, [roomPresenceWildcard('r2'), roomPresenceTopic('r2', id('D'))]), [0, 0]);

  // The lobby: E (a password account) and F (a site account granted it) get the legacy list; not r1.
  for (const name of ['E', 'F'] as const) {
    const client = await connectAs(t, backend, people[name]);
    assert.deepEqual(await subscribeGranted(client, [PRESENCE_WILDCARD, presenceTopic(id('A')), roomPresenceWildcard('lobby')]), [0, 0, 0]);
    assert.deepEqual(await subscribeGranted(client, [roomPresenceWildcard('r1'), roomPresenceWildcard('r2')]), [REFUSED, REFUSED]);
  }
});

test('an inbox message reaches only someone sharing a room; others are dropped silently', { timeout: 60_000 }, async (t) => {
  const { backend, people, id } = await withCast(t);
  const inboxes = Object.fromEntries(
    await Promise.all(
      (Object.keys(people) as Array<keyof Cast>).map(async (name) => [name, await watcher(t, backend, people[name], [], 'inbox')] as const),
    ),
  ) as Record<keyof Cast, Awaited<ReturnType<typeof watcher>>>;
  const senders = new Map<keyof Cast, MqttClient>();
  for (const name of Object.keys(people) as Array<keyof Cast>) senders.set(name, await connectAs(t, backend, people[name], 'send'));
  const send = (from: keyof Cast, to: keyof Cast, text: string) =>
    publish(senders.get(from)!, inboxTopic(id(to), id(from)), chat(text), { qos: 1 });
  const invite = (from: keyof Cast, to: keyof Cast) =>
    publish(
      senders.get(from)!,
      inboxTopic(id(to), id(from)),
      JSON.stringify({ type: 'invite', callId: `call-${from}-${to}-0000000000`, sid: 'x', media: { audio: true, video: false } }),
      { qos: 1 },
    );

  const dropped: Array<[keyof Cast, keyof Cast]> = [
    ['A', 'C'],
    ['C', 'A'],
    ['C', 'B'],
    ['E', 'A'],
    ['A', 'E'],
    ['F', 'D'],
    ['D', 'F'],
  ];
  for (const [from, to] of dropped) {
    await send(from, to, `stranger ${from}->${to}`);
    await invite(from, to);
  }
  const delivered: Array<[keyof Cast, keyof Cast]> = [
    ['A', 'B'],
    ['B', 'A'],
    ['A', 'D'],
    ['D', 'C'],
    ['C', 'D'],
    ['E', 'F'],
    ['F', 'E'],
    ['C', 'C'],
  ];
  // Sent after the dropped ones: once these arrive, a dropped one would have too.
  for (const [from, to] of delivered) await send(from, to, `friend ${from}->${to}`);
  for (const [from, to] of delivered) {
    const { client, received } = inboxes[to];
    await nextMessage(client, (m) => m.payload.includes(`friend ${from}->${to}`), received);
  }
  for (const [name, { received }] of Object.entries(inboxes)) {
    const leaked = received.filter((m) => m.payload.includes('stranger') || m.payload.includes('"invite"'));
    assert.deepEqual(leaked, [], `${name} got nothing from strangers`);
  }
  for (const [name, client] of senders) assert.equal(client.connected, true, `${name} stays connected after a dropped message`);
});

test('a new site token that drops a room closes the connections and deletes the presence in that room', { timeout: 60_000 }, async (t) => {
  const { backend, people, id } = await withCast(t);
  const a = await watcher(t, backend, people.A, [roomPresenceWildcard('r1')]);
  const c = await watcher(t, backend, people.C, [roomPresenceWildcard('r2')]);
  const d1 = await watcher(t, backend, people.D, [roomPresenceWildcard('r1'), roomPresenceWildcard('r2')], 'one');
  const d2 = await connectAs(t, backend, people.D, 'two');
  await nextMessage(a.client, (m) => m.topic === roomPresenceTopic('r1', id('D')) && sessionsIn(m.payload) === 2, a.received);

  const goneOne = closed(d1.client);
  const goneTwo = closed(d2);
  const renewed = await siteSignIn(backend, 'd', { name: 'D', rooms: ['r2'] });
  assert.equal(renewed.user.id, id('D'));
  await Promise.all([goneOne, goneTwo]);
  const deleted = await nextMessage(a.client, (m) => m.topic === roomPresenceTopic('r1', id('D')) && m.payload === '', a.received);
  assert.equal(deleted.retain, false, 'a live delete (retained deletes are forwarded with retain off)');

  // Back with the new rooms: r1 is refused, r2 is granted; D is in r2 and no longer in r1.
  const back = await connectAs(t, backend, renewed, 'back');
  assert.deepEqual(await subscribeGranted(back, [roomPresenceWildcard('r1'), roomPresenceWildcard('r2')]), [REFUSED, 0]);
  await nextMessage(c.client, (m) => m.topic === roomPresenceTopic('r2', id('D')) && sessionsIn(m.payload) === 1, c.received);
  const late = await watcher(t, backend, people.B, [roomPresenceWildcard('r1')], 'late');
  await nextMessage(late.client, (m) => m.topic === roomPresenceTopic('r1', id('A')), late.received);
  await nextMessage(late.client, (m) => m.topic === roomPresenceTopic('r1', id('B')), late.received);
  assert.ok(!late.received.some((m) => m.topic === roomPresenceTopic('r1', id('D'))), 'no retained presence of D left in r1');
  // A and D share no room now: A's message to D is dropped, C's (r2) arrives.
  const inbox = collect(back);
  assert.deepEqual(await subscribeGranted(back, [inboxWildcard(id('D'))]), [0]);
  await publish(a.client, inboxTopic(id('D'), id('A')), chat('still there?'), { qos: 1 });
  await publish(c.client, inboxTopic(id('D'), id('C')), chat('hello from r2'), { qos: 1 });
  await nextMessage(back, (m) => m.payload.includes('hello from r2'), inbox);
  assert.ok(!inbox.some((m) => m.payload.includes('still there?')));
  assert.equal(a.client.connected, true);
});

test('a new site token that only adds a room keeps the connections and publishes presence there', { timeout: 60_000 }, async (t) => {
  const { backend, people, id } = await withCast(t);
  const a = await watcher(t, backend, people.A, [roomPresenceWildcard('r1')]);
  const c = await watcher(t, backend, people.C, [roomPresenceWildcard('r2')]);
  assert.deepEqual(await subscribeGranted(a.client, [roomPresenceWildcard('r2')]), [REFUSED]);

  await siteSignIn(backend, 'a', { name: 'A', rooms: ['r1', 'r2'] });
  const inR2 = await nextMessage(c.client, (m) => m.topic === roomPresenceTopic('r2', id('A')), c.received);
  assert.equal(sessionsIn(inR2.payload), 1);
  await eventually(async () => (await subscribeGranted(a.client, [roomPresenceWildcard('r2')]))[0] === 0, 'A may subscribe to r2');
  await nextMessage(a.client, (m) => m.topic === roomPresenceTopic('r2', id('C')), a.received);
  assert.equal(a.client.connected, true, 'gaining a room closes nothing');
  // Now they share r2: C reaches A.
  await publish(c.client, inboxTopic(id('A'), id('C')), chat('welcome'), {
    qos: 1,
  });
  await nextMessage(a.client, (m) => m.payload.includes('welcome'), a.received);
});

test('LOBBY=off: password accounts are in no room, see nobody and reach nobody', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, lobby: false });
  const [one, two] = [await register(backend, { name: 'One' }), await register(backend, { name: 'Two' })];
  const first = await connectAs(t, backend, one);
  const received = collect(first);
  assert.deepEqual(await subscribeGranted(first, [roomPresenceWildcard('lobby'), roomPresenceTopic('lobby', two.user.id)]), [
    REFUSED,
    REFUSED,
  ]);
  // Granted (today's widget needs it), and empty: nobody is in the lobby.
  assert.deepEqual(await subscribeGranted(first, [PRESENCE_WILDCARD, presenceTopic(two.user.id)]), [0, 0]);
  assert.deepEqual(await subscribeGranted(first, [inboxWildcard(one.user.id)]), [0]);
  const second = await connectAs(t, backend, two);
  await publish(second, inboxTopic(one.user.id, two.user.id), chat('hello?'), {
    qos: 1,
  });
  // One's own message to itself (another tab's `handled`) still arrives, and only it.
  await publish(first, inboxTopic(one.user.id, one.user.id), JSON.stringify({ type: 'handled', callId: 'c'.repeat(16), sid: 'x' }), {
    qos: 1,
  });
  await nextMessage(first, (m) => m.payload.includes('handled'), received);
  assert.deepEqual(
    received.map((m) => m.topic),
    [inboxTopic(one.user.id, one.user.id)],
  );
  assert.equal(second.connected, true);
});

/**
 * The broker on its own, with `Membership` in the test's hands and made rooms
 * from a map the test fills (what the room store will do through `MadeRooms`),
 * so personal rooms and `changed()` can be played without the HTTP side.
 */
async function brokerWithMadeRooms(t: TestContext, brokerStore: (store: UserStore) => UserStore = (store) => store) {
  const dataDir = await tempDir(t);
  const config = { ...loadConfig({}), ...TEST_BACKEND_SETTINGS, port: 0, dataDir, lobby: false };
  const store = await openJsonUserStore(dataDir);
  const sessions = new Sessions(
    new TokenService('a test secret that is long enough for HS256'),
    await openJsonRevocationStore(dataDir),
    config,
  );
  const accounts = new Accounts(store, config.scryptCost);
  const made = new Map<string, Room[]>();
  const membership = new Membership({ lobby: false, made: { madeRoomsOf: (user) => made.get(user.id) ?? [] } });
  const server = createServer();
  const broker = await attachMqttBroker(server, { config, store: brokerStore(store), sessions, membership });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await broker.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
  });
  const backend = { wsUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/mqtt` } as TestBackend;
  let n = 0;
  const person = async (name: string): Promise<User> => {
    n += 1;
    const user = await accounts.register({ name, email: `${name.toLowerCase()}${n}@example.test`, password: 'correct horse battery' });
    return { token: await sessions.signIn(user), user: { id: user.id, name: user.name, email: user.email } };
  };
  return { backend, store, sessions, membership, made, person };
}

test('a personal room: its owner sees everyone, the others only the owner', { timeout: 60_000 }, async (t) => {
  const { backend, made, person } = await brokerWithMadeRooms(t);
  const [owner, p1, p2] = [await person('Owner'), await person('Pat'), await person('Sam')];
  const room: Room = { id: `~${'d'.repeat(22)}`, name: 'Owner', kind: 'personal', owner: owner.user.id };
  for (const who of [owner, p1, p2]) made.set(who.user.id, [room]);
  const wildcard = roomPresenceWildcard(room.id);
  const ownerTopic = roomPresenceTopic(room.id, owner.user.id);

  const o = await watcher(t, backend, owner, [wildcard]);
  const pat = await watcher(t, backend, p1, [ownerTopic]);
  const sam = await watcher(t, backend, p2, [ownerTopic]);
  assert.deepEqual(await subscribeGranted(pat.client, [wildcard, roomPresenceTopic(room.id, p2.user.id)]), [REFUSED, REFUSED]);
  for (const who of [owner, p1, p2]) {
    await nextMessage(o.client, (m) => m.topic === roomPresenceTopic(room.id, who.user.id) && m.payload !== '', o.received);
  }
  await nextMessage(pat.client, (m) => m.topic === ownerTopic && m.payload !== '', pat.received);

  // Pat reaches the owner, not Sam; the owner reaches both.
  await publish(pat.client, inboxTopic(p2.user.id, p1.user.id), chat('psst, Sam'), { qos: 1 });
  await publish(pat.client, inboxTopic(owner.user.id, p1.user.id), chat('hello doctor'), { qos: 1 });
  await publish(o.client, inboxTopic(p2.user.id, owner.user.id), chat('hello Sam'), { qos: 1 });
  await nextMessage(o.client, (m) => m.payload.includes('hello doctor'), o.received);
  await nextMessage(sam.client, (m) => m.payload.includes('hello Sam'), sam.received);
  assert.ok(!sam.received.some((m) => m.payload.includes('psst')), 'a patient never reaches another patient');
  assert.ok(!pat.received.some((m) => m.topic.includes(p2.user.id)) && !sam.received.some((m) => m.topic.includes(p1.user.id)));
  assert.equal(pat.client.connected, true);
});

test('changed(): a user deleted from the store has every connection closed and their presence deleted', { timeout: 60_000 }, async (t) => {
  const { backend, store, membership, made, person } = await brokerWithMadeRooms(t);
  const [stay, leave] = [await person('Stay'), await person('Leave')];
  const room: Room = { id: `~${'g'.repeat(22)}`, name: 'Team', kind: 'group', owner: stay.user.id };
  made.set(stay.user.id, [room]);
  made.set(leave.user.id, [room]);
  const w = await watcher(t, backend, stay, [roomPresenceWildcard(room.id)]);
  const tabs = [await connectAs(t, backend, leave, 'one'), await connectAs(t, backend, leave, 'two')];
  const topic = roomPresenceTopic(room.id, leave.user.id);
  await nextMessage(w.client, (m) => m.topic === topic && sessionsIn(m.payload) === 2, w.received);

  await store.delete(leave.user.id);
  membership.changed(leave.user.id);
  await Promise.all(tabs.map((tab) => closed(tab)));
  await nextMessage(w.client, (m) => m.topic === topic && m.payload === '', w.received);
  assert.equal(w.client.connected, true, 'the others stay');
});

test('a room change reported while a CONNECT reads its user is not lost', { timeout: 60_000 }, async (t) => {
  // While `hold` is set, the broker's reads of the user store wait after reading (and tell `readDone`).
  let hold: Promise<void> | undefined;
  let readDone: (() => void) | undefined;
  const { backend, store, sessions, membership } = await brokerWithMadeRooms(t, (real) =>
    Object.assign(Object.create(null) as UserStore, {
      findById: async (id: string) => {
        const user = await real.findById(id);
        readDone?.();
        await hold;
        return user;
      },
    }),
  );
  const site = { iss: SITE.issuer, sub: 'x' };
  const x = await store.saveSiteUser({ id: 'siteuserx1', name: 'X', site: { ...site, rooms: ['r1'] } });
  const y = await store.saveSiteUser({ id: 'siteusery1', name: 'Y', site: { ...site, sub: 'y', rooms: ['r2'] } });
  const signedIn = async (user: { id: string; name: string }) => ({ token: await sessions.signIn(user), user: { ...user, email: '' } });
  const w = await watcher(t, backend, await signedIn(y), [roomPresenceWildcard('r2')]);

  let release!: () => void;
  hold = new Promise((resolve) => (release = resolve));
  const read = new Promise<void>((resolve) => (readDone = resolve));
  const connecting = connectAs(t, backend, await signedIn(x));
  await read;
  // The CONNECT has read X in r1 only; now X gains r2 (a new site token), and the broker is told.
  readDone = undefined;
  await store.saveSiteUser({ id: x.id, name: 'X', site: { ...site, rooms: ['r1', 'r2'] } });
  membership.changed(x.id);
  hold = undefined;
  release();
  const client = await connecting;
  await nextMessage(w.client, (m) => m.topic === roomPresenceTopic('r2', x.id) && m.payload !== '', w.received);
  await eventually(async () => (await subscribeGranted(client, [roomPresenceWildcard('r2')]))[0] === 0, 'X may subscribe to r2');
});

test(
  'over HTTP: a personal link’s guest and member see and reach only its owner; a join needs no reconnection',
  { timeout: 60_000 },
  async (t) => {
    const backend = await startTestBackend({ closeAfter: t });
    const owner = await register(backend, { name: 'Dr Ada' });
    const link = await request<{ invite: Invite }>(backend, 'POST', '/api/invites', { token: owner.token, json: { personal: true } });
    assert.equal(link.status, 201, JSON.stringify(link.body));
    const { code, room } = link.body.invite;
    const ownerTopic = roomPresenceTopic(room.id, owner.user.id);
    const doctor = await watcher(t, backend, owner, [roomPresenceWildcard(room.id)]);

    const made = await request<AuthResponse>(backend, 'POST', '/api/guest', { json: { invite: code, name: 'Gus' } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const gus = await watcher(t, backend, made.body, [ownerTopic]);
    assert.deepEqual(
      await subscribeGranted(gus.client, [roomPresenceWildcard(room.id), roomPresenceWildcard('lobby'), PRESENCE_WILDCARD]),
      [REFUSED, REFUSED, 0],
    );
    const gusPresence = await nextMessage(
      doctor.client,
      (m) => m.topic === roomPresenceTopic(room.id, made.body.user.id) && m.payload !== '',
      doctor.received,
    );
    assert.deepEqual(JSON.parse(gusPresence.payload), {
      id: made.body.user.id,
      name: 'Gus',
      status: 'available',
      sessions: 1,
      guest: true,
    });
    await nextMessage(gus.client, (m) => m.topic === ownerTopic && m.payload !== '', gus.received);

    // Pat, online in the lobby, joins by the same link: no reconnection, and the room is Pat's at once.
    const pat = await register(backend, { name: 'Pat' });
    const patWatch = await watcher(t, backend, pat, [PRESENCE_WILDCARD]);
    assert.equal((await request(backend, 'POST', inviteJoinPath(code), { token: pat.token })).status, 200);
    await nextMessage(doctor.client, (m) => m.topic === roomPresenceTopic(room.id, pat.user.id) && m.payload !== '', doctor.received);
    await eventually(async () => (await subscribeGranted(patWatch.client, [ownerTopic]))[0] === 0, 'Pat may subscribe to the owner');
    assert.deepEqual(await subscribeGranted(patWatch.client, [roomPresenceTopic(room.id, made.body.user.id)]), [REFUSED]);

    // Gus and Pat share the room but do not see each other: neither reaches the other; both reach the owner.
    await publish(gus.client, inboxTopic(pat.user.id, made.body.user.id), chat('from Gus to Pat'), { qos: 1 });
    await publish(patWatch.client, inboxTopic(made.body.user.id, pat.user.id), chat('from Pat to Gus'), { qos: 1 });
    await publish(gus.client, inboxTopic(owner.user.id, made.body.user.id), chat('from Gus to Ada'), { qos: 1 });
    await publish(patWatch.client, inboxTopic(owner.user.id, pat.user.id), chat('from Pat to Ada'), { qos: 1 });
    await nextMessage(doctor.client, (m) => m.payload.includes('from Gus to Ada'), doctor.received);
    await nextMessage(doctor.client, (m) => m.payload.includes('from Pat to Ada'), doctor.received);
    // Sent after the dropped ones, on the same path: once these arrive, a dropped one would have too.
    await publish(doctor.client, inboxTopic(pat.user.id, owner.user.id), chat('marker for Pat'), { qos: 1 });
    await publish(doctor.client, inboxTopic(made.body.user.id, owner.user.id), chat('marker for Gus'), { qos: 1 });
    await nextMessage(patWatch.client, (m) => m.payload.includes('marker for Pat'), patWatch.received);
    await nextMessage(gus.client, (m) => m.payload.includes('marker for Gus'), gus.received);
    assert.ok(!patWatch.received.some((m) => m.topic.includes(made.body.user.id)), 'Pat gets nothing of Gus');
    assert.ok(!gus.received.some((m) => m.topic.includes(pat.user.id)), 'Gus gets nothing of Pat');
    assert.equal(patWatch.client.connected && gus.client.connected, true);
  },
);
