/**
 * Rooms of the wire contract (PROTOCOL.md §4): who sees and reaches whom.
 * Shared by the backend (which enforces them) and the widget (which shows them).
 */
import { ROOM_ID_PATTERN } from './limits.js';
import { TOPIC_ROOT, isUserId } from './topics.js';

/**
 * - `lobby`: the room `lobby`, every password account's (unless `LOBBY=off`);
 * - `site`: granted by a site token's `rooms` claim;
 * - `group`: made by a signed-in person (`POST /api/rooms`), joined by invite;
 * - `personal`: someone's "call me" room: its other members see only the owner.
 */
export type RoomKind = 'lobby' | 'site' | 'group' | 'personal';

export const LOBBY_ROOM_ID = 'lobby';

/** A room as the API returns it. `owner`: the maker of a group or personal room. */
export interface Room {
  id: string;
  name: string;
  kind: RoomKind;
  owner?: string;
}

/**
 * Rooms made on this backend (group, personal) have ids of `~` and 22
 * base64url characters, so they never meet an id a site grants
 * (`ROOM_ID_PATTERN` has no `~`).
 */
export const MADE_ROOM_ID_PATTERN = /^~[A-Za-z0-9_-]{22}$/;

export function isRoomId(value: unknown): value is string {
  return typeof value === 'string' && (ROOM_ID_PATTERN.test(value) || MADE_ROOM_ID_PATTERN.test(value));
}

/**
 * Whether `viewer`, a member of `room`, may see `target` in it: everyone in
 * a room sees everyone, except in a personal room, where the owner sees
 * everyone and the others see only the owner.
 */
export function seesInRoom(room: Pick<Room, 'kind' | 'owner'>, viewer: string, target: string): boolean {
  if (viewer === target || room.kind !== 'personal') return true;
  return viewer === room.owner || target === room.owner;
}

/** Whether `viewer`, a member of `room`, sees every member of it (all but a personal room one does not own). */
export function seesEveryoneIn(room: Pick<Room, 'kind' | 'owner'>, viewer: string): boolean {
  return room.kind !== 'personal' || viewer === room.owner;
}

/** Whether two members' room lists give them a room where they see each other. */
export function shareRoom(aId: string, aRooms: readonly Room[], bId: string, bRooms: readonly Room[]): boolean {
  return shareRoomById(aId, aRooms, bId, new Set(bRooms.map((room) => room.id)));
}

/**
 * `shareRoom` for rooms already kept by id (the broker's record of an online
 * user), so that checking an inbox message builds nothing.
 */
export function shareRoomById(aId: string, aRooms: Iterable<Room>, bId: string, bRoomIds: { has(roomId: string): boolean }): boolean {
  if (aId === bId) return true;
  for (const room of aRooms) if (bRoomIds.has(room.id) && seesInRoom(room, aId, bId)) return true;
  return false;
}

export const ROOMS_PREFIX = `${TOPIC_ROOT}/rooms/`;

/** Retained presence of `userId` in `roomId`, published by the backend only. */
export const roomPresenceTopic = (roomId: string, userId: string): string => `${ROOMS_PREFIX}${roomId}/presence/${userId}`;
/** The subscription that gives everyone a member may see in `roomId` (not for personal rooms one does not own). */
export const roomPresenceWildcard = (roomId: string): string => `${ROOMS_PREFIX}${roomId}/presence/+`;

/**
 * Parses a room presence topic or subscription: `userId` is `null` for the
 * `+` of `roomPresenceWildcard`. Anything else — other wildcards, extra or
 * empty levels, ids that are not room or user ids — gives `null`.
 */
export function parseRoomPresenceFilter(filter: string): { roomId: string; userId: string | null } | null {
  if (!filter.startsWith(ROOMS_PREFIX)) return null;
  const levels = filter.slice(ROOMS_PREFIX.length).split('/');
  const [roomId, kind, userId] = levels;
  if (levels.length !== 3 || kind !== 'presence' || !isRoomId(roomId)) return null;
  if (userId === '+') return { roomId, userId: null };
  return isUserId(userId) ? { roomId, userId } : null;
}

/** Parses a concrete (wildcard-free) room presence topic; anything else gives `null`. */
export function parseRoomPresenceTopic(topic: string): { roomId: string; userId: string } | null {
  const parsed = parseRoomPresenceFilter(topic);
  return parsed?.userId ? { roomId: parsed.roomId, userId: parsed.userId } : null;
}

/** Invites (PROTOCOL.md §4). */
export interface Invite {
  code: string;
  room: Room;
  /** Unix ms. */
  expiresAt: number;
  /** null: no limit. */
  maxUses: number | null;
  uses: number;
  revoked: boolean;
}

/** What anyone holding a link may learn of it (`GET /api/invites/<code>`). */
export interface InvitePreview {
  room: { name: string; kind: 'group' | 'personal' };
  /** The name of the person who made it. */
  by: string;
  expiresAt: number;
  guests: boolean;
  /** Whether the backend has password accounts (ACCOUNTS is not `site`): "sign in instead" can work. */
  passwords: boolean;
}

/** Invite codes: 22 base64url characters (128 random bits). */
export const INVITE_CODE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** The fragment parameter of an invite link: `https://site/page#rtc-invite=<code>`. */
export const INVITE_LINK_PARAM = 'rtc-invite';

/** `expiresIn` of a new invite, in seconds: at least a minute, at most 30 days. */
export const INVITE_EXPIRES_IN_MIN_SECONDS = 60;
export const INVITE_EXPIRES_IN_MAX_SECONDS = 30 * 24 * 3600;
/** `maxUses` of a new invite: 1 to 10,000 (absent: no limit). */
export const INVITE_MAX_USES = 10_000;
/** Invites one person may have live (not expired, revoked or used up) at once. */
export const MAX_LIVE_INVITES_PER_USER = 100;
/** Ended invites (expired, revoked, used up) are still listed, then forgotten, this long after their end. */
export const ENDED_INVITE_KEEP_MS = 7 * 24 * 3600 * 1000;

/** `GET /api/rooms`. */
export interface RoomsResponse {
  rooms: Room[];
}

/** `POST /api/rooms`. */
export interface NewRoomResponse {
  room: Room;
  invite: Invite;
}
