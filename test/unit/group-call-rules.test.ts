/**
 * The group call contract's pure rules (src/protocol/group-calls.ts, PROTOCOL.md §6): the glare
 * rule, seat limits, topics, and validation of what the topic and the inboxes carry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allowsGroupCalls,
  offersTo,
  parseRoomCallFilter,
  roomCallTopic,
  roomChatTopic,
  roomChatWildcard,
  seatProblem,
  validateGroupMessage,
  validateRoomCall,
  type RoomCall,
} from '../../src/protocol/group-calls.js';

const CALL_ID = 'c'.repeat(22);
const ROOM = '~' + 'r'.repeat(22);
const video = { audio: true, video: true };
const audio = { audio: true, video: false };

test('the higher seat offers: for any two seats exactly one side offers', () => {
  for (let a = 1; a <= 6; a++) {
    for (let b = 1; b <= 6; b++) {
      if (a === b) continue;
      assert.notEqual(offersTo(a, b), offersTo(b, a), `seats ${a} and ${b}`);
    }
  }
  assert.equal(offersTo(5, 2), true, 'the newcomer offers to those already there');
});

test('seat limits: video seats first, then audio-only seats up to the total', () => {
  const limits = { video: 4, total: 8 };
  const four = Array.from({ length: 4 }, () => ({ media: video }));
  assert.equal(seatProblem([], video, limits), null);
  assert.equal(seatProblem(four.slice(0, 3), video, limits), null);
  assert.equal(seatProblem(four, video, limits), 'call_full_video');
  assert.equal(seatProblem(four, audio, limits), null, 'audio only still fits');
  const eight = [...four, ...four.map(() => ({ media: audio }))];
  assert.equal(seatProblem(eight, audio, limits), 'call_full');
  assert.equal(seatProblem(eight, video, limits), 'call_full');
  // Audio-only members do not take video seats.
  assert.equal(seatProblem([{ media: audio }, { media: audio }, { media: video }], video, { video: 2, total: 8 }), null);
});

test('group calls everywhere but personal rooms', () => {
  assert.equal(allowsGroupCalls({ kind: 'lobby' }), true);
  assert.equal(allowsGroupCalls({ kind: 'site' }), true);
  assert.equal(allowsGroupCalls({ kind: 'group' }), true);
  assert.equal(allowsGroupCalls({ kind: 'personal' }), false);
});

test('room call and chat topics parse back; anything else does not', () => {
  assert.deepEqual(parseRoomCallFilter(roomCallTopic(ROOM)), { kind: 'call', roomId: ROOM });
  assert.deepEqual(parseRoomCallFilter(roomChatWildcard('lobby')), { kind: 'chat', roomId: 'lobby', from: null });
  const user = 'u'.repeat(22);
  assert.deepEqual(parseRoomCallFilter(roomChatTopic('lobby', user)), { kind: 'chat', roomId: 'lobby', from: user });
  for (const bad of [
    'rtc/v1/rooms/lobby/call/x',
    'rtc/v1/rooms/lobby/chat',
    'rtc/v1/rooms/lobby/chat/#',
    'rtc/v1/rooms/+/call',
    'rtc/v1/rooms/bad room/call',
    'rtc/v1/rooms/lobby/presence/+',
    'rtc/v1/inbox/a/b',
  ]) {
    assert.equal(parseRoomCallFilter(bad), null, bad);
  }
});

test('per-pair messages: valid ones come back clean; the glare rule is enforced', () => {
  const base = { callId: CALL_ID, sid: 'tab-1' };
  assert.deepEqual(validateGroupMessage({ type: 'group-offer', ...base, seat: 3, to: 1, sdp: 'v=0', extra: 1 }), {
    type: 'group-offer',
    ...base,
    seat: 3,
    to: 1,
    sdp: 'v=0',
  });
  assert.equal(validateGroupMessage({ type: 'group-offer', ...base, seat: 1, to: 3, sdp: 'v=0' }), null, 'a lower seat never offers');
  assert.ok(validateGroupMessage({ type: 'group-answer', ...base, seat: 1, to: 3, sdp: 'v=0' }));
  assert.equal(validateGroupMessage({ type: 'group-answer', ...base, seat: 3, to: 1, sdp: 'v=0' }), null);
  assert.ok(
    validateGroupMessage({
      type: 'group-candidate',
      ...base,
      seat: 2,
      to: 1,
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    }),
  );
  assert.ok(validateGroupMessage({ type: 'group-media-state', ...base, seat: 2, to: 1, audio: true, video: false, screen: false }));
  assert.deepEqual(validateGroupMessage({ type: 'group-ring', ...base, room: ROOM }), { type: 'group-ring', ...base, room: ROOM });
  // `link`: which connection of the pair (absent or 0: the first).
  assert.deepEqual(validateGroupMessage({ type: 'group-offer', ...base, seat: 3, to: 1, sdp: 'v=0', link: 2 }), {
    type: 'group-offer',
    ...base,
    seat: 3,
    to: 1,
    sdp: 'v=0',
    link: 2,
  });
  assert.ok(!('link' in validateGroupMessage({ type: 'group-answer', ...base, seat: 1, to: 3, sdp: 'v=0', link: 0 })!));
  for (const link of [-1, 1.5, '1', null, Number.MAX_SAFE_INTEGER + 1]) {
    assert.equal(validateGroupMessage({ type: 'group-offer', ...base, seat: 3, to: 1, sdp: 'v=0', link }), null, `link ${link}`);
  }
  for (const bad of [
    { type: 'group-offer', ...base, seat: 2, to: 2, sdp: 'v=0' },
    { type: 'group-offer', ...base, seat: 0, to: 1, sdp: 'v=0' },
    { type: 'group-offer', ...base, seat: 2.5, to: 1, sdp: 'v=0' },
    { type: 'group-offer', ...base, seat: 2, to: 1, sdp: '' },
    { type: 'group-offer', callId: 'short', sid: 'tab', seat: 2, to: 1, sdp: 'v=0' },
    { type: 'group-media-state', ...base, seat: 2, to: 1, audio: 'yes', video: false, screen: false },
    { type: 'group-ring', ...base, room: 'bad room' },
    { type: 'group-dance', ...base, seat: 2, to: 1 },
    { type: 'offer', ...base, sdp: 'v=0' },
    null,
    [],
  ]) {
    assert.equal(validateGroupMessage(bad), null, JSON.stringify(bad));
  }
});

test('a room call validates in seat order, one seat per user', () => {
  const seat = (user: string, n: number) => ({ user: user.repeat(22), name: user, sid: `${user}-tab`, seat: n, media: video, joinedAt: 1 });
  const call: RoomCall = { id: CALL_ID, room: ROOM, startedAt: 1, members: [seat('a', 1), seat('b', 3)], limits: { video: 4, total: 8 } };
  assert.deepEqual(validateRoomCall(JSON.parse(JSON.stringify(call))), call);
  assert.equal(validateRoomCall({ ...call, members: [seat('b', 3), seat('a', 1)] }), null, 'out of order');
  assert.equal(validateRoomCall({ ...call, members: [seat('a', 1), seat('a', 2)] }), null, 'a user twice');
  assert.equal(validateRoomCall({ ...call, members: [seat('a', 1), seat('b', 1)] }), null, 'a seat twice');
  assert.equal(validateRoomCall({ ...call, limits: { video: 0, total: 8 } }), null);
  assert.equal(validateRoomCall({ ...call, room: 'bad room' }), null);
  assert.equal(validateRoomCall('nope'), null);
});
