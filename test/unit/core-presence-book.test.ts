/** Who is online and the own status (src/core/presence-book.ts), with a fake outbox and clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESENCE_RESYNC_MS, PresenceBook } from '../../src/core/presence-book.js';
import type { Presence } from '../../src/protocol/index.js';
import { LEGACY_ROOM } from '../../src/core/routing.js';
import { FakeClock, FakeOutbox, makeStore } from './support/engine-fakes.js';

const person = (id: string, name: string, sessions = 1): Presence => ({ id, name, status: 'available', sessions });

function book() {
  const clock = new FakeClock();
  const outbox = new FakeOutbox();
  const { store, events } = makeStore({ user: { id: 'me', name: 'Me', email: 'me@example.test' }, connection: 'online' });
  const here: [string, boolean][] = [];
  const gone: string[] = [];
  const presence = new PresenceBook(store, outbox, clock, {
    peerHere: (id, returned) => here.push([id, returned]),
    peerGone: (id) => gone.push(id),
  });
  presence.follow([LEGACY_ROOM]);
  events.splice(0); // following the one list is no news
  return { clock, outbox, store, events, presence, here, gone };
}

test('the list is sorted by name, excludes the own user, and follows arrivals and departures', () => {
  const { presence, store, here, gone, events } = book();
  presence.onPresence(LEGACY_ROOM, 'me', person('me', 'Me'));
  presence.onPresence(LEGACY_ROOM, 'z', person('z', 'Zoe'));
  presence.onPresence(LEGACY_ROOM, 'a', person('a', 'Ann', 2));
  assert.deepEqual(
    store.state.peers.map((p) => p.name),
    ['Ann', 'Zoe'],
  );
  assert.equal(presence.tabsOf('a'), 2);
  assert.equal(presence.tabsOf('nobody'), 1);
  presence.onPresence(LEGACY_ROOM, 'a', person('a', 'Ann', 1));
  presence.onPresence(LEGACY_ROOM, 'z', null);
  presence.onPresence(LEGACY_ROOM, 'z', null);
  assert.deepEqual(here, [
    ['z', true],
    ['a', true],
    ['a', false],
  ]);
  assert.deepEqual(gone, ['z'], 'a delete of someone not here is no departure');
  assert.equal(events.filter((e) => e.type === 'presence').length, 4);
});

test('after a re-subscription the replay rebuilds the list: who did not come back is gone', async () => {
  const { presence, store, gone, clock } = book();
  presence.onPresence(LEGACY_ROOM, 'a', person('a', 'Ann'));
  presence.onPresence(LEGACY_ROOM, 'b', person('b', 'Bob'));
  presence.resync();
  presence.onPresence(LEGACY_ROOM, 'a', person('a', 'Ann'));
  await clock.advance(PRESENCE_RESYNC_MS - 1);
  assert.deepEqual(
    store.state.peers.map((p) => p.id),
    ['a', 'b'],
    'not before the replay is over',
  );
  await clock.advance(1);
  assert.deepEqual(
    store.state.peers.map((p) => p.id),
    ['a'],
  );
  assert.deepEqual(gone, ['b']);
});

test('a presence flap during the replay: a user who left and came back is kept', async () => {
  const { presence, store, gone, clock } = book();
  presence.onPresence(LEGACY_ROOM, 'a', person('a', 'Ann'));
  presence.resync();
  presence.onPresence(LEGACY_ROOM, 'a', null);
  presence.onPresence(LEGACY_ROOM, 'a', person('a', 'Ann'));
  await clock.advance(PRESENCE_RESYNC_MS);
  assert.deepEqual(
    store.state.peers.map((p) => p.id),
    ['a'],
  );
  assert.deepEqual(gone, ['a'], 'the departure itself was seen');
});

test('a call makes the status busy and gives back the previous one; the visitor’s own choice wins', () => {
  const { presence, store, outbox } = book();
  presence.setStatus('away');
  presence.followCall('ringing');
  assert.equal(store.state.status, 'away', 'ringing is not busy yet');
  presence.followCall('connecting');
  presence.followCall('connected');
  assert.equal(store.state.status, 'busy');
  presence.followCall('ended');
  assert.equal(store.state.status, 'away');
  presence.followCall('connecting');
  presence.setStatus('available');
  presence.followCall('ended');
  assert.equal(store.state.status, 'available', 'chosen during the call: kept after it');
  assert.deepEqual(outbox.statuses, ['away', 'busy', 'away', 'busy', 'available']);
});

test('a status other than available is published again on every subscription', () => {
  const { presence, outbox } = book();
  presence.republishStatus();
  assert.deepEqual(outbox.statuses, []);
  presence.setStatus('away');
  presence.republishStatus();
  assert.deepEqual(outbox.statuses, ['away', 'away']);
});

test('signed out: everyone forgotten, and a pending replay does nothing', async () => {
  const { presence, store, gone, clock } = book();
  presence.onPresence(LEGACY_ROOM, 'a', person('a', 'Ann'));
  presence.resync();
  presence.clear();
  await clock.advance(PRESENCE_RESYNC_MS);
  assert.equal(presence.get('a'), undefined);
  assert.deepEqual(gone, []);
  assert.equal(clock.pending, 0);
  assert.deepEqual(
    store.state.peers.map((p) => p.id),
    ['a'],
    'the state is reset by the session, not here',
  );
});
