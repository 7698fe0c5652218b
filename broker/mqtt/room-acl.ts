/**
 * The room rules of the topic ACL (PROTOCOL.md §4 "MQTT") as pure functions
 * of one online user's rooms: where their presence goes, what they may
 * subscribe to, and what may be delivered to them. The Aedes hooks in
 * access-control.ts only look up the record and call these.
 */
import {
  LOBBY_ROOM_ID,
  allowsGroupCalls,
  parseRoomCallFilter,
  PRESENCE_WILDCARD,
  inboxWildcard,
  noticeTopic,
  parseNoticeTopic,
  parseRoomPresenceFilter,
  parseRoomPresenceTopic,
  parseTopic,
  presenceTopic,
  roomPresenceTopic,
  seesEveryoneIn,
  seesInRoom,
  type Room,
} from '../../src/protocol/index.js';

/** One user and the rooms they are in now, by id. */
export interface RoomView {
  readonly userId: string;
  readonly rooms: ReadonlyMap<string, Room>;
}

/** Old (rooms-unaware) clients' presence topics carry the lobby only. */
const inLobby = (view: RoomView): boolean => view.rooms.has(LOBBY_ROOM_ID);

/** A member of `roomId`, a room with group calls and room chat (PROTOCOL.md §6: not a personal room). */
export function inGroupCallRoom(view: RoomView, roomId: string): boolean {
  const room = view.rooms.get(roomId);
  return room !== undefined && allowsGroupCalls(room);
}

/** Every topic that holds `view.userId`'s retained presence: one per room, plus the legacy one for lobby members. */
export function presenceTopicsOf(view: RoomView): string[] {
  const topics = [...view.rooms.keys()].map((roomId) => roomPresenceTopic(roomId, view.userId));
  if (inLobby(view)) topics.push(presenceTopic(view.userId));
  return topics;
}

/**
 * SUBSCRIBE: one's own inbox and notice topic (PROTOCOL.md §7); in a room one is in, everyone (`…/presence/+`)
 * when one may see everyone there, or one member one may see; the legacy
 * presence topics. Nothing else.
 *
 * The legacy topics are granted to anyone, though they carry the lobby only
 * and `mayReceive` gives them to lobby members only: today's widget treats
 * any refused subscription as a failed connection, so a refusal would keep a
 * site account out of its inbox and calls altogether, where a grant gives an
 * empty list and changes nothing of who sees whom.
 */
export function maySubscribe(view: RoomView, filter: string): boolean {
  if (filter === inboxWildcard(view.userId) || filter === noticeTopic(view.userId)) return true;
  if (filter === PRESENCE_WILDCARD || parseTopic(filter)?.kind === 'presence') return true;
  const callOrChat = parseRoomCallFilter(filter);
  if (callOrChat) return (callOrChat.kind === 'call' || callOrChat.from === null) && inGroupCallRoom(view, callOrChat.roomId);
  const wanted = parseRoomPresenceFilter(filter);
  const room = wanted && view.rooms.get(wanted.roomId);
  if (!room) return false;
  return wanted.userId === null ? seesEveryoneIn(room, view.userId) : seesInRoom(room, view.userId, wanted.userId);
}

/**
 * Delivery, the second line of defence behind `maySubscribe` and the
 * publish checks: an inbox message only to its addressee, room presence only
 * to a member of that room who may see its subject, legacy presence only to
 * lobby members.
 */
export function mayReceive(view: RoomView, topic: string): boolean {
  const parsed = parseTopic(topic);
  if (parsed?.kind === 'inbox') return parsed.to === view.userId;
  const noticeFor = parseNoticeTopic(topic);
  if (noticeFor !== null) return noticeFor === view.userId;
  if (parsed?.kind === 'presence') return inLobby(view);
  const callOrChat = parseRoomCallFilter(topic);
  if (callOrChat) return inGroupCallRoom(view, callOrChat.roomId);
  const about = parseRoomPresenceTopic(topic);
  if (!about) return false;
  const room = view.rooms.get(about.roomId);
  return room !== undefined && seesInRoom(room, view.userId, about.userId);
}
