/**
 * The room rules (PROTOCOL.md §4): who sees whom in a room
 * (src/protocol/rooms.ts), and the broker's room ACL built on them
 * (broker/mqtt/room-acl.ts): where presence goes, which subscriptions are
 * granted, what is delivered. Personal rooms are here because only the
 * room store (another part) makes them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LOBBY, Membership } from '../../broker/rooms/membership.js';
import { mayReceive, maySubscribe, presenceTopicsOf, type RoomView } from '../../broker/mqtt/room-acl.js';
import { roomCallTopic, roomChatTopic, roomChatWildcard } from '../../src/protocol/group-calls.js';
import type { StoredUser } from '../../broker/store/user-store.js';
import {
  PRESENCE_WILDCARD,
  inboxTopic,
  inboxWildcard,
  parseRoomPresenceFilter,
  parseRoomPresenceTopic,
  presenceTopic,
  roomPresenceTopic,
  roomPresenceWildcard,
  seesEveryoneIn,
  seesInRoom,
  shareRoom,
  shareRoomById,
  statusTopic,
  type Room,
} from '../../src/protocol/index.js';

const OWNER = 'owner01';
const PATIENT = 'patient1';
const OTHER_PATIENT = 'patient2';
const personal: Room = { id: `~${'p'.repeat(22)}`, name: 'Dr Who', kind: 'personal', owner: OWNER };
const group: Room = { id: `~${'g'.repeat(22)}`, name: 'Team', kind: 'group', owner: OWNER };
const site: Room = { id: 'r1', name: 'r1', kind: 'site' };

const view = (userId: string, rooms: Room[]): RoomView => ({ userId, rooms: new Map(rooms.map((room) => [room.id, room])) });

describe('who sees whom in a room', () => {
  test('everyone in a lobby, site or group room sees everyone', () => {
    for (const room of [LOBBY, site, group]) {
      assert.equal(seesInRoom(room, PATIENT, OTHER_PATIENT), true, room.kind);
      assert.equal(seesEveryoneIn(room, PATIENT), true, room.kind);
    }
  });

  test('in a personal room the owner sees everyone, the others only the owner and themselves', () => {
    assert.equal(seesInRoom(personal, OWNER, PATIENT), true);
    assert.equal(seesInRoom(personal, PATIENT, OWNER), true);
    assert.equal(seesInRoom(personal, PATIENT, PATIENT), true);
    assert.equal(seesInRoom(personal, PATIENT, OTHER_PATIENT), false);
    assert.equal(seesEveryoneIn(personal, OWNER), true);
    assert.equal(seesEveryoneIn(personal, PATIENT), false);
  });

  test('shareRoom: a common room where both see each other', () => {
    assert.equal(shareRoom(PATIENT, [personal], OTHER_PATIENT, [personal]), false, 'two patients of one doctor');
    assert.equal(shareRoom(PATIENT, [personal], OWNER, [personal]), true);
    assert.equal(shareRoom(PATIENT, [personal, site], OTHER_PATIENT, [site]), true, 'another room they both see each other in');
    assert.equal(shareRoom(PATIENT, [site], OTHER_PATIENT, [group]), false, 'no common room');
    assert.equal(shareRoom(PATIENT, [], PATIENT, []), true, 'oneself, always');
    assert.equal(shareRoomById(OWNER, [personal], PATIENT, new Set([personal.id])), true);
    assert.equal(shareRoomById(PATIENT, [personal], OTHER_PATIENT, new Set([personal.id])), false);
  });
});

describe('room presence topics', () => {
  test('parse: a room id and a user id or +', () => {
    assert.deepEqual(parseRoomPresenceFilter(roomPresenceWildcard('r1')), { roomId: 'r1', userId: null });
    assert.deepEqual(parseRoomPresenceFilter(roomPresenceTopic(personal.id, PATIENT)), { roomId: personal.id, userId: PATIENT });
    assert.deepEqual(parseRoomPresenceTopic(roomPresenceTopic('r1', PATIENT)), { roomId: 'r1', userId: PATIENT });
    assert.equal(parseRoomPresenceTopic(roomPresenceWildcard('r1')), null, 'a concrete topic has no +');
  });

  test('parse: other wildcards, levels and ids give null', () => {
    for (const bad of [
      'rtc/v1/rooms/+/presence/+',
      'rtc/v1/rooms/#',
      'rtc/v1/rooms/r1/#',
      'rtc/v1/rooms/r1/presence/#',
      'rtc/v1/rooms/r1/presence',
      'rtc/v1/rooms/r1/presence/',
      `rtc/v1/rooms/r1/presence/${PATIENT}/x`,
      `rtc/v1/rooms/r1/status/${PATIENT}`,
      `rtc/v1/rooms//presence/${PATIENT}`,
      `rtc/v1/rooms/~short/presence/${PATIENT}`,
      'rtc/v1/rooms/r1/presence/ab',
      `rtc/v2/rooms/r1/presence/${PATIENT}`,
    ]) {
      assert.equal(parseRoomPresenceFilter(bad), null, bad);
    }
  });

  test("a user's presence goes to each of their rooms, and the legacy topic only for lobby members", () => {
    assert.deepEqual(presenceTopicsOf(view(PATIENT, [LOBBY, site])), [
      roomPresenceTopic('lobby', PATIENT),
      roomPresenceTopic('r1', PATIENT),
      presenceTopic(PATIENT),
    ]);
    assert.deepEqual(presenceTopicsOf(view(PATIENT, [site, personal])), [
      roomPresenceTopic('r1', PATIENT),
      roomPresenceTopic(personal.id, PATIENT),
    ]);
    assert.deepEqual(presenceTopicsOf(view(PATIENT, [])), [], 'in no room: seen by nobody');
  });
});

describe('subscriptions', () => {
  test('own inbox always; a room one is in; nothing of a room one is not in', () => {
    const member = view(PATIENT, [site]);
    assert.equal(maySubscribe(member, inboxWildcard(PATIENT)), true);
    assert.equal(maySubscribe(view(PATIENT, []), inboxWildcard(PATIENT)), true, 'in no room still has an inbox');
    assert.equal(maySubscribe(member, roomPresenceWildcard('r1')), true);
    assert.equal(maySubscribe(member, roomPresenceTopic('r1', OTHER_PATIENT)), true);
    assert.equal(maySubscribe(member, roomPresenceWildcard('r2')), false);
    assert.equal(maySubscribe(member, roomPresenceTopic('r2', OTHER_PATIENT)), false);
    for (const refused of [inboxWildcard(OTHER_PATIENT), statusTopic(PATIENT), 'rtc/v1/rooms/+/presence/+', 'rtc/v1/rooms/r1/#', '#']) {
      assert.equal(maySubscribe(member, refused), false, refused);
    }
  });

  test('legacy presence: granted to anyone (it carries and delivers the lobby only, see delivery)', () => {
    assert.equal(maySubscribe(view(PATIENT, [LOBBY]), PRESENCE_WILDCARD), true);
    assert.equal(maySubscribe(view(PATIENT, [LOBBY]), presenceTopic(OWNER)), true);
    assert.equal(maySubscribe(view(PATIENT, [site]), PRESENCE_WILDCARD), true);
    assert.equal(maySubscribe(view(PATIENT, []), presenceTopic(OWNER)), true);
    assert.equal(maySubscribe(view(PATIENT, [LOBBY]), 'rtc/v1/presence/#'), false);
  });

  test("a personal room: the owner subscribes to everyone, a patient only to the owner's presence", () => {
    assert.equal(maySubscribe(view(OWNER, [personal]), roomPresenceWildcard(personal.id)), true);
    assert.equal(maySubscribe(view(OWNER, [personal]), roomPresenceTopic(personal.id, PATIENT)), true);
    assert.equal(maySubscribe(view(PATIENT, [personal]), roomPresenceWildcard(personal.id)), false);
    assert.equal(maySubscribe(view(PATIENT, [personal]), roomPresenceTopic(personal.id, OWNER)), true);
    assert.equal(maySubscribe(view(PATIENT, [personal]), roomPresenceTopic(personal.id, OTHER_PATIENT)), false);
  });
});

describe('delivery', () => {
  test('an inbox message only to its addressee', () => {
    assert.equal(mayReceive(view(PATIENT, []), inboxTopic(PATIENT, OWNER)), true);
    assert.equal(mayReceive(view(PATIENT, [site]), inboxTopic(OTHER_PATIENT, OWNER)), false);
  });

  test('room presence only to a member of that room who may see its subject', () => {
    assert.equal(mayReceive(view(PATIENT, [site]), roomPresenceTopic('r1', OTHER_PATIENT)), true);
    assert.equal(mayReceive(view(PATIENT, [site]), roomPresenceTopic('r2', OTHER_PATIENT)), false);
    assert.equal(mayReceive(view(OWNER, [personal]), roomPresenceTopic(personal.id, PATIENT)), true);
    assert.equal(mayReceive(view(PATIENT, [personal]), roomPresenceTopic(personal.id, OWNER)), true);
    assert.equal(mayReceive(view(PATIENT, [personal]), roomPresenceTopic(personal.id, OTHER_PATIENT)), false);
  });

  test('legacy presence only to lobby members; status and unknown topics to nobody', () => {
    assert.equal(mayReceive(view(PATIENT, [LOBBY]), presenceTopic(OWNER)), true);
    assert.equal(mayReceive(view(PATIENT, [site]), presenceTopic(OWNER)), false);
    assert.equal(mayReceive(view(PATIENT, [LOBBY]), statusTopic(PATIENT)), false);
    assert.equal(mayReceive(view(PATIENT, [LOBBY]), 'rtc/v1/dropped'), false);
  });
});

describe('Membership.roomsOf with made rooms', () => {
  const user = (fields: Partial<StoredUser>): StoredUser => ({
    id: PATIENT,
    name: 'P',
    email: '',
    passwordHash: '',
    createdAt: '',
    ...fields,
  });

  test('a guest of a personal link is in that room only, and sees only its owner', () => {
    const membership = new Membership({ lobby: true, made: { madeRoomsOf: (u) => (u.guest ? [personal] : []) } });
    const rooms = membership.roomsOf(user({ guest: { room: personal.id, invite: 'i'.repeat(22), expiresAt: Date.now() + 1000 } }));
    assert.deepEqual(rooms, [personal]);
    const guest = view(PATIENT, rooms);
    assert.equal(mayReceive(guest, presenceTopic(OWNER)), false, 'a guest is not in the lobby');
    assert.equal(maySubscribe(guest, roomPresenceTopic(personal.id, OWNER)), true);
    assert.equal(maySubscribe(guest, roomPresenceWildcard(personal.id)), false);
  });

  test('LOBBY=off: a password account is in no room and receives no presence', () => {
    const rooms = new Membership({ lobby: false }).roomsOf(user({ email: 'p@example.test' }));
    assert.deepEqual(rooms, []);
    assert.equal(maySubscribe(view(PATIENT, rooms), roomPresenceWildcard('lobby')), false);
    assert.equal(mayReceive(view(PATIENT, rooms), presenceTopic(OWNER)), false);
    assert.deepEqual(presenceTopicsOf(view(PATIENT, rooms)), []);
  });
});

test('group calls and room chat (PROTOCOL.md §6): members of rooms with group calls, never a personal room', () => {
  const member = view(PATIENT, [LOBBY, group, personal]);
  for (const roomId of [LOBBY.id, group.id]) {
    assert.equal(maySubscribe(member, roomCallTopic(roomId)), true, roomId);
    assert.equal(maySubscribe(member, roomChatWildcard(roomId)), true, roomId);
    assert.equal(maySubscribe(member, roomChatTopic(roomId, OWNER)), false, 'the chat is read whole, not per sender');
    assert.equal(mayReceive(member, roomCallTopic(roomId)), true);
    assert.equal(mayReceive(member, roomChatTopic(roomId, OWNER)), true);
  }
  // A personal room has neither, for its owner too; a room one is not in neither.
  for (const who of [member, view(OWNER, [personal])]) {
    assert.equal(maySubscribe(who, roomCallTopic(personal.id)), false);
    assert.equal(maySubscribe(who, roomChatWildcard(personal.id)), false);
    assert.equal(mayReceive(who, roomChatTopic(personal.id, OWNER)), false);
  }
  const outsider = view(OTHER_PATIENT, [LOBBY]);
  assert.equal(maySubscribe(outsider, roomCallTopic(group.id)), false);
  assert.equal(maySubscribe(outsider, roomChatWildcard(group.id)), false);
  assert.equal(mayReceive(outsider, roomCallTopic(group.id)), false);
  assert.equal(mayReceive(outsider, roomChatTopic(group.id, PATIENT)), false);
  assert.equal(maySubscribe(member, 'rtc/v1/rooms/+/call'), false);
  assert.equal(maySubscribe(member, 'rtc/v1/rooms/lobby/chat/#'), false);
});
