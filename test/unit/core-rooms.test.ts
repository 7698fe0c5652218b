/**
 * Rooms in the engine (src/core/rooms.ts, presence-book.ts): which presence is subscribed, who is
 * online per room and in all, the room shown, and an older backend without rooms. The API is a
 * fake that answers what each test says; the decisions are the real code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiRequestError, type ApiClient } from '../../src/core/api-client.js';
import { PRESENCE_RESYNC_MS, PresenceBook } from '../../src/core/presence-book.js';
import { RoomBook, chooseRoom, roomPresenceSubscription } from '../../src/core/rooms.js';
import { routeMqttMessage } from '../../src/core/routing.js';
import { refusedTopics } from '../../src/core/signaling.js';
import { PRESENCE_WILDCARD, type Presence, type Room } from '../../src/protocol/index.js';
import { FakeClock, FakeOutbox, makeStore, settle } from './support/engine-fakes.js';

const ME = 'me-user-1';
const ANN = 'ann-user-1';
const BOB = 'bob-user-1';
const GUS = 'gus-user-1';

const LOBBY: Room = { id: 'lobby', name: 'Lobby', kind: 'lobby' };
const TEAM: Room = { id: `~${'t'.repeat(22)}`, name: 'Team', kind: 'group', owner: ANN };
const MINE: Room = { id: `~${'m'.repeat(22)}`, name: 'Me', kind: 'personal', owner: ME };
const ANNS: Room = { id: `~${'a'.repeat(22)}`, name: 'Ann', kind: 'personal', owner: ANN };

const person = (id: string, name: string, extra: Partial<Presence> = {}): Presence => ({
  id,
  name,
  status: 'available',
  sessions: 1,
  ...extra,
});

/** An API whose `rooms` answers the next queued outcome (a list, or an error to throw). */
class FakeRoomsApi {
  readonly outcomes: Array<Room[] | Error> = [];
  calls = 0;
  rooms(): Promise<{ rooms: Room[] }> {
    this.calls++;
    const next = this.outcomes.shift() ?? new ApiRequestError('server_unreachable', 'down', 0);
    return next instanceof Error ? Promise.reject(next) : Promise.resolve({ rooms: next });
  }
}

function world(token: string | null = 'token') {
  const clock = new FakeClock();
  const { store, events } = makeStore({ user: { id: ME, name: 'Me', email: 'me@example.test' }, connection: 'online' });
  const gone: string[] = [];
  const presence = new PresenceBook(store, new FakeOutbox(), clock, { peerHere: () => {}, peerGone: (id) => gone.push(id) });
  const api = new FakeRoomsApi();
  const subscribed: string[][] = [];
  const rooms = new RoomBook(api as unknown as ApiClient, store, presence, () => token, clock, {
    subscribe: (topics) => subscribed.push(topics),
  });
  return { clock, store, events, presence, api, rooms, subscribed, gone };
}

test('each room is followed by the subscription that shows what the visitor may see of it', () => {
  assert.equal(roomPresenceSubscription(LOBBY, ME), 'rtc/v1/rooms/lobby/presence/+');
  assert.equal(roomPresenceSubscription(TEAM, ME), `rtc/v1/rooms/${TEAM.id}/presence/+`);
  assert.equal(roomPresenceSubscription(MINE, ME), `rtc/v1/rooms/${MINE.id}/presence/+`, 'the owner sees everyone');
  assert.equal(roomPresenceSubscription(ANNS, ME), `rtc/v1/rooms/${ANNS.id}/presence/${ANN}`, 'the others see only the owner');
  assert.equal(roomPresenceSubscription({ ...ANNS, owner: undefined }, ME), null);
});

test('the room shown stays while the visitor is in it; a wanted room wins; else the first', () => {
  assert.equal(chooseRoom([LOBBY, TEAM], null), 'lobby');
  assert.equal(chooseRoom([LOBBY, TEAM], TEAM.id), TEAM.id);
  assert.equal(chooseRoom([LOBBY, TEAM], 'lobby', TEAM.id), TEAM.id);
  assert.equal(chooseRoom([LOBBY], TEAM.id), 'lobby', 'a room left falls back to the first');
  assert.equal(chooseRoom([LOBBY], 'lobby', 'unknown'), 'lobby');
  assert.equal(chooseRoom([], 'lobby'), null);
});

test('room presence topics are routed to their room; an older backend’s to the one list', () => {
  const payload = JSON.stringify(person(ANN, 'Ann', { guest: true }));
  assert.deepEqual(routeMqttMessage(`rtc/v1/rooms/${TEAM.id}/presence/${ANN}`, payload, ME), {
    kind: 'presence',
    room: TEAM.id,
    userId: ANN,
    presence: person(ANN, 'Ann', { guest: true }),
  });
  assert.deepEqual(routeMqttMessage(`rtc/v1/rooms/lobby/presence/${ANN}`, '', ME), {
    kind: 'presence',
    room: 'lobby',
    userId: ANN,
    presence: null,
  });
  assert.equal(routeMqttMessage(`rtc/v1/rooms/lobby/presence/${BOB}`, payload, ME), null, 'an id that is not its topic’s');
  assert.equal(routeMqttMessage(`rtc/v1/rooms/a/b/presence/${ANN}`, payload, ME), null, 'an extra level');
  assert.equal(routeMqttMessage(`rtc/v1/rooms/lobby/status/${ANN}`, payload, ME), null);
  assert.equal(routeMqttMessage(`rtc/v1/presence/${ANN}`, payload, ME)?.kind, 'presence');
});

test('after sign-in the rooms are fetched, followed and the first one shown', async () => {
  const { api, rooms, store, subscribed } = world();
  api.outcomes.push([LOBBY, TEAM, ANNS]);
  await rooms.load();
  assert.deepEqual(store.state.rooms, [LOBBY, TEAM, ANNS]);
  assert.equal(store.state.room, 'lobby');
  assert.deepEqual(subscribed.at(-1), [
    'rtc/v1/rooms/lobby/presence/+',
    `rtc/v1/rooms/${TEAM.id}/presence/+`,
    `rtc/v1/rooms/${ANNS.id}/presence/${ANN}`,
    // Group calls and room chat (PROTOCOL.md §6): not in a personal room.
    'rtc/v1/rooms/lobby/call',
    'rtc/v1/rooms/lobby/chat/+',
    `rtc/v1/rooms/${TEAM.id}/call`,
    `rtc/v1/rooms/${TEAM.id}/chat/+`,
  ]);
  assert.deepEqual(store.state.roomPeers, { lobby: [], [TEAM.id]: [], [ANNS.id]: [] });
});

test('the room chosen is kept across a refetch (a reconnect), and a room joined is shown', async () => {
  const { api, rooms, store } = world();
  api.outcomes.push([LOBBY, TEAM], [LOBBY, TEAM], [LOBBY, TEAM, ANNS]);
  await rooms.load();
  rooms.select(TEAM.id);
  assert.equal(store.state.room, TEAM.id);
  rooms.select('not-mine');
  assert.equal(store.state.room, TEAM.id, 'only one of the visitor’s rooms can be chosen');
  await rooms.load();
  assert.equal(store.state.room, TEAM.id);
  await rooms.load(ANNS.id);
  assert.equal(store.state.room, ANNS.id);
});

test('people are kept per room; the list of everyone is the union; guests stay marked', async () => {
  const { api, rooms, store, presence, gone } = world();
  api.outcomes.push([LOBBY, TEAM]);
  await rooms.load();
  presence.onPresence('lobby', ANN, person(ANN, 'Ann'));
  presence.onPresence('lobby', BOB, person(BOB, 'Bob'));
  presence.onPresence(TEAM.id, ANN, person(ANN, 'Ann'));
  presence.onPresence(TEAM.id, GUS, person(GUS, 'Gus', { guest: true }));
  presence.onPresence(TEAM.id, ME, person(ME, 'Me'));
  presence.onPresence('elsewhere', BOB, person(BOB, 'Bob'));
  assert.deepEqual(store.state.roomPeers, { lobby: [ANN, BOB], [TEAM.id]: [ANN, GUS] });
  assert.deepEqual(
    store.state.peers.map((p) => p.id),
    [ANN, BOB, GUS],
  );
  assert.equal(presence.get(GUS)?.guest, true);

  presence.onPresence('lobby', ANN, null);
  assert.deepEqual(gone, [], 'Ann left the lobby but is still in Team');
  assert.deepEqual(store.state.roomPeers.lobby, [BOB]);
  assert.ok(store.state.peers.some((p) => p.id === ANN));
  presence.onPresence(TEAM.id, ANN, null);
  assert.deepEqual(gone, [ANN]);
  assert.ok(!store.state.peers.some((p) => p.id === ANN));
});

test('a room the visitor lost is dropped with its people, unless they share another room', async () => {
  const { api, rooms, store, presence, gone, subscribed } = world();
  api.outcomes.push([LOBBY, TEAM], [LOBBY]);
  await rooms.load(TEAM.id);
  presence.onPresence('lobby', ANN, person(ANN, 'Ann'));
  presence.onPresence(TEAM.id, ANN, person(ANN, 'Ann'));
  presence.onPresence(TEAM.id, GUS, person(GUS, 'Gus', { guest: true }));
  await rooms.load();
  assert.deepEqual(subscribed.at(-1), ['rtc/v1/rooms/lobby/presence/+', 'rtc/v1/rooms/lobby/call', 'rtc/v1/rooms/lobby/chat/+']);
  assert.deepEqual(gone, [GUS]);
  assert.deepEqual(store.state.roomPeers, { lobby: [ANN] });
  assert.equal(store.state.room, 'lobby', 'the lost room is no longer shown');
  presence.onPresence(TEAM.id, GUS, person(GUS, 'Gus'));
  assert.ok(!store.state.peers.some((p) => p.id === GUS), 'a late message of the lost room counts for nothing');
});

test('after a reconnect each room is rebuilt from its own replay', async () => {
  const { api, rooms, store, presence, gone, clock } = world();
  api.outcomes.push([LOBBY, TEAM]);
  await rooms.load();
  presence.onPresence('lobby', ANN, person(ANN, 'Ann'));
  presence.onPresence('lobby', BOB, person(BOB, 'Bob'));
  presence.onPresence(TEAM.id, BOB, person(BOB, 'Bob'));
  presence.onPresence(TEAM.id, GUS, person(GUS, 'Gus'));
  presence.resync();
  // Replayed: Ann in the lobby and Bob in Team. Bob left the lobby and Gus left, with no delete.
  presence.onPresence('lobby', ANN, person(ANN, 'Ann'));
  presence.onPresence(TEAM.id, BOB, person(BOB, 'Bob', { status: 'busy' }));
  await clock.advance(PRESENCE_RESYNC_MS - 1);
  assert.deepEqual(store.state.roomPeers.lobby, [ANN, BOB], 'not before the replay is over');
  await clock.advance(1);
  assert.deepEqual(store.state.roomPeers, { lobby: [ANN], [TEAM.id]: [BOB] });
  assert.deepEqual(gone, [GUS]);
  assert.equal(presence.get(BOB)?.status, 'busy', 'the latest presence is the one kept');
});

test('an older backend without rooms (404) gets its one list from rtc/v1/presence/+', async () => {
  const { api, rooms, store, presence, subscribed } = world();
  api.outcomes.push(new ApiRequestError('internal', 'Not Found', 404));
  await rooms.load();
  assert.deepEqual(subscribed.at(-1), [PRESENCE_WILDCARD]);
  assert.deepEqual(store.state.rooms, []);
  assert.equal(store.state.room, null);
  const route = routeMqttMessage(`rtc/v1/presence/${ANN}`, JSON.stringify(person(ANN, 'Ann')), ME);
  assert.ok(route?.kind === 'presence');
  presence.onPresence(route.room, route.userId, route.presence);
  assert.deepEqual(
    store.state.peers.map((p) => p.id),
    [ANN],
  );
});

test('a room list that cannot be fetched is asked for again with backoff; the last answer wins', async () => {
  const { api, rooms, store, clock } = world();
  api.outcomes.push(new ApiRequestError('server_unreachable', 'down', 0), [LOBBY]);
  await rooms.load();
  assert.equal(api.calls, 1);
  assert.deepEqual(store.state.rooms, []);
  await clock.advance(60_000);
  assert.equal(api.calls, 2);
  assert.deepEqual(store.state.rooms, [LOBBY]);
  rooms.clear();
  await clock.advance(60_000);
  assert.equal(api.calls, 2, 'signed out: no more fetches');
});

test('a refused room subscription refetches the list, but not in a loop', async () => {
  const { api, rooms, clock } = world();
  api.outcomes.push([LOBBY], [LOBBY], [LOBBY]);
  rooms.refused();
  rooms.refused();
  await settle();
  assert.equal(api.calls, 1);
  await clock.advance(5_000);
  rooms.refused();
  await settle();
  assert.equal(api.calls, 2);
});

test('signed out, nothing is fetched', async () => {
  const { api, rooms } = world(null);
  await rooms.load();
  assert.equal(api.calls, 0);
});

test('a SUBACK refusing one room refuses that room only; no SUBACK at all is a failed subscription', () => {
  const topics = ['rtc/v1/inbox/me-user-1/+', 'rtc/v1/rooms/lobby/presence/+', `rtc/v1/rooms/${TEAM.id}/presence/+`];
  const suback = (granted: number[]) => ({ cmd: 'suback' as const, granted, messageId: 1 });
  // MQTT.js reports any refusal as an error, with the SUBACK packet beside it.
  assert.deepEqual(refusedTopics(topics, new Error('Subscribe error'), suback([0, 0, 128])), [topics[2]]);
  assert.deepEqual(refusedTopics(topics, null, suback([0, 0, 0])), []);
  assert.equal(refusedTopics(topics, new Error('connection closed'), undefined), null);
});
