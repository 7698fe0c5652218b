/**
 * The backend's seats of a room's group call (broker/calls/room-calls.ts, PROTOCOL.md §6), with a
 * fake clock: seats in order, one per user, the limits, leaving, and the 15 s lost-seat rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallFullError, RoomCalls, type Joiner } from '../../broker/calls/room-calls.js';
import { SEAT_LOST_AFTER_MS, validateRoomCall, type RoomCall } from '../../src/protocol/index.js';
import { FakeClock } from './support/engine-fakes.js';

const ROOM = 'lobby';
const person = (n: string, video = true, sid = `${n}-tab`): Joiner => ({
  user: n.repeat(22).slice(0, 22),
  name: n,
  sid,
  media: { audio: true, video },
});

function world(limits = { video: 4, total: 8 }) {
  const clock = new FakeClock();
  const published: (RoomCall | null)[] = [];
  const calls = new RoomCalls({ limits, clock, publish: (roomId, call) => (assert.equal(roomId, ROOM), published.push(call)) });
  const seats = () => calls.callOf(ROOM)?.members.map((m) => `${m.name}${m.seat}`) ?? [];
  return { clock, calls, published, seats };
}

const fullCode = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CallFullError);
    return e.code;
  }
  assert.fail('joined');
};

test('seats are handed out in order; the first join starts the call, each change is published valid', () => {
  const { calls, published, seats } = world();
  const first = calls.join(ROOM, person('a'));
  assert.equal(first.seat, 1);
  assert.match(first.call.id, /^[A-Za-z0-9_-]{22}$/);
  calls.join(ROOM, person('b'));
  calls.join(ROOM, person('c'));
  assert.deepEqual(seats(), ['a1', 'b2', 'c3']);
  assert.equal(published.length, 3);
  for (const p of published) assert.deepEqual(validateRoomCall(JSON.parse(JSON.stringify(p))), p, 'what is published validates');
  assert.equal(new Set(published.map((p) => p!.id)).size, 1, 'one call id throughout');
});

test('one seat per user: joining again (a reload, another tab) takes a new, higher seat', () => {
  const { calls, seats } = world();
  calls.join(ROOM, person('a'));
  calls.join(ROOM, person('b'));
  calls.join(ROOM, person('a', true, 'a-reloaded'));
  assert.deepEqual(seats(), ['b2', 'a3']);
  assert.equal(calls.callOf(ROOM)!.members[1]!.sid, 'a-reloaded');
});

test('video seats, then audio-only seats up to the total; a rejoin does not count against itself', () => {
  const { calls, seats } = world({ video: 2, total: 3 });
  calls.join(ROOM, person('a'));
  calls.join(ROOM, person('b'));
  assert.equal(
    fullCode(() => calls.join(ROOM, person('c'))),
    'call_full_video',
  );
  calls.join(ROOM, person('c', false));
  assert.equal(
    fullCode(() => calls.join(ROOM, person('d', false))),
    'call_full',
  );
  calls.join(ROOM, person('a', true, 'a-tab-2'));
  assert.deepEqual(seats(), ['b2', 'c3', 'a4']);
});

test('leaving never ends the call for the others; the last one out ends it and clears the topic', () => {
  const { calls, published, seats } = world();
  calls.join(ROOM, person('a'));
  calls.join(ROOM, person('b'));
  assert.equal(calls.leave(ROOM, person('a').user, 'someone-else-tab'), false, 'only the seat’s own tab');
  assert.equal(calls.leave(ROOM, person('a').user, 'a-tab'), true);
  assert.deepEqual(seats(), ['b2']);
  calls.leave(ROOM, person('b').user, 'b-tab');
  assert.equal(calls.callOf(ROOM), null);
  assert.equal(published.at(-1), null);
  // A new call of the room is a new call: new id, seats from 1 again.
  const again = calls.join(ROOM, person('c'));
  assert.equal(again.seat, 1);
  assert.notEqual(again.call.id, published[0]!.id);
});

test('a disconnected tab keeps its seat for 15 s and loses it after; coming back in time keeps it', async () => {
  const { clock, calls, seats } = world();
  calls.join(ROOM, person('a'));
  calls.join(ROOM, person('b'));
  calls.disconnected('a-tab');
  await clock.advance(SEAT_LOST_AFTER_MS - 1);
  assert.deepEqual(seats(), ['a1', 'b2']);
  calls.reconnected('a-tab');
  await clock.advance(10 * SEAT_LOST_AFTER_MS);
  assert.deepEqual(seats(), ['a1', 'b2'], 'back in time: still seated');
  calls.disconnected('b-tab');
  await clock.advance(SEAT_LOST_AFTER_MS);
  assert.deepEqual(seats(), ['a1']);
  calls.disconnected('not-seated');
  assert.equal(clock.pending, 0, 'no timer for a tab without a seat');
});

test('a user who loses the room loses the seat', () => {
  const { calls, seats } = world();
  calls.join(ROOM, person('a'));
  calls.join(ROOM, person('b'));
  calls.roomLost(ROOM, person('b').user);
  assert.deepEqual(seats(), ['a1']);
});
