/**
 * Group calls in a room (PROTOCOL.md §6): seats handed out by the backend, the glare rule they
 * make, the room's call topic and chat, and the per-pair inbox messages. Shared by the backend
 * (which hands out seats and enforces the limits) and the widget (which links every pair).
 */
import { CALL_ID_MIN_LENGTH, MAX_SDP_LENGTH } from './limits.js';
import { isBool, isId, isObject, validateCandidate, type IceCandidate, type MediaKinds } from './messages.js';
import { ROOMS_PREFIX, isRoomId, type Room } from './rooms.js';
import { isUserId } from './topics.js';

/** `MAX_CALL_SIZE`: seats with video. A full mesh is comfortable at 4 and reaches its end at 6. */
export const DEFAULT_MAX_CALL_SIZE = 4;
export const MAX_CALL_SIZE_CEILING = 6;
/** `MAX_CALL_AUDIO_SIZE`: seats in all (audio costs little per link); default twice the video seats. */
export const MAX_CALL_AUDIO_SIZE_CEILING = 12;
/** A seat whose tab has been disconnected this long is lost (the 1:1 lost-link rule). */
export const SEAT_LOST_AFTER_MS = 15_000;
/** A per-pair message for a seat not (yet) on the call topic waits this long, then is dropped. */
export const UNKNOWN_SEAT_WAIT_MS = 5_000;

/** One member of a room's call: a user, in one tab, at one place in the join order. */
export interface Seat {
  user: string;
  name: string;
  /** The tab (clientId) that holds the seat. */
  sid: string;
  /** Handed out in increasing order per call, never reused in it. */
  seat: number;
  /** What the member joined with: a seat with video counts against `limits.video`. */
  media: MediaKinds;
  joinedAt: number;
}

/** A room's call, as the backend publishes it (retained) on `roomCallTopic`. */
export interface RoomCall {
  /** Random, 22 base64url characters, new for each call of the room: the `callId` of its messages. */
  id: string;
  room: string;
  startedAt: number;
  /** In seat order. */
  members: Seat[];
  limits: { video: number; total: number };
}

/** `POST /api/rooms/<roomId>/call`. */
export interface JoinCallRequest {
  sid: string;
  media: MediaKinds;
}

export interface JoinCallResponse {
  call: RoomCall;
  seat: number;
}

/** Group calls are offered where every member sees every other: not in personal rooms. */
export function allowsGroupCalls(room: Pick<Room, 'kind'>): boolean {
  return room.kind !== 'personal';
}

/** The glare rule: of two seats of a call, the higher one makes the offer. */
export function offersTo(mySeat: number, theirSeat: number): boolean {
  return mySeat > theirSeat;
}

/**
 * Why a join would not fit, or null when it does: `call_full` when no seat is left at all,
 * `call_full_video` when only an audio-only seat is (the widget offers to join with audio only).
 * `members` are the seats that stay (a user joining again gives up their old seat).
 */
export function seatProblem(
  members: readonly Pick<Seat, 'media'>[],
  media: MediaKinds,
  limits: RoomCall['limits'],
): 'call_full' | 'call_full_video' | null {
  if (members.length >= limits.total) return 'call_full';
  if (media.video && members.filter((m) => m.media.video).length >= limits.video) return 'call_full_video';
  return null;
}

/** Retained state of `roomId`'s call, published by the backend only; empty once it ended. */
export const roomCallTopic = (roomId: string): string => `${ROOMS_PREFIX}${roomId}/call`;
/** Room chat from `from` (PROTOCOL.md §6): published by `from` only. */
export const roomChatTopic = (roomId: string, from: string): string => `${ROOMS_PREFIX}${roomId}/chat/${from}`;
/** The subscription to a room's chat. */
export const roomChatWildcard = (roomId: string): string => `${ROOMS_PREFIX}${roomId}/chat/+`;

/**
 * Parses a room call or room chat topic or subscription (`from` is null for the chat's `+`).
 * Anything else gives null.
 */
export function parseRoomCallFilter(
  filter: string,
): { kind: 'call'; roomId: string } | { kind: 'chat'; roomId: string; from: string | null } | null {
  if (!filter.startsWith(ROOMS_PREFIX)) return null;
  const levels = filter.slice(ROOMS_PREFIX.length).split('/');
  const [roomId, kind, from] = levels;
  if (!isRoomId(roomId)) return null;
  if (kind === 'call' && levels.length === 2) return { kind: 'call', roomId };
  if (kind !== 'chat' || levels.length !== 3) return null;
  if (from === '+') return { kind: 'chat', roomId, from: null };
  return isUserId(from) ? { kind: 'chat', roomId, from } : null;
}

interface PairBase {
  callId: string;
  /** The sender's tab. */
  sid: string;
  /** The sender's seat. */
  seat: number;
  /** The seat addressed. */
  to: number;
  /**
   * Which connection of the pair (absent: 0, the first). After a pair's connection is given up
   * while both seats stay, the offerer makes a new one numbered one more; the other side
   * replaces its old connection on that number's offer and ignores lower numbers.
   */
  link?: number;
}

export type GroupPairMessage =
  | (PairBase & { type: 'group-offer' | 'group-answer'; sdp: string })
  | (PairBase & { type: 'group-candidate'; candidate: IceCandidate })
  | (PairBase & { type: 'group-media-state'; audio: boolean; video: boolean; screen: boolean });

/** "Join my call": rings one person of the room, to add them to its call. */
export interface GroupRingMessage {
  type: 'group-ring';
  callId: string;
  sid: string;
  room: string;
}

export type GroupMessage = GroupPairMessage | GroupRingMessage;

const isSeatNumber = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 1;

/** Validates one group call inbox message; a clean copy, or null (other types included). */
export function validateGroupMessage(value: unknown): GroupMessage | null {
  if (!isObject(value) || typeof value.type !== 'string' || !value.type.startsWith('group-')) return null;
  const { type, callId, sid } = value;
  if (!isId(callId, CALL_ID_MIN_LENGTH) || !isId(sid)) return null;
  if (type === 'group-ring') return isRoomId(value.room) ? { type, callId, sid, room: value.room } : null;
  const { seat, to } = value;
  if (!isSeatNumber(seat) || !isSeatNumber(to) || seat === to) return null;
  const { link } = value;
  if (link !== undefined && !(Number.isSafeInteger(link) && (link as number) >= 0)) return null;
  const base = { callId, sid, seat, to, ...(link !== undefined && link !== 0 && { link: link as number }) };
  switch (type) {
    case 'group-offer':
    case 'group-answer': {
      const sdp = value.sdp;
      if (typeof sdp !== 'string' || sdp.length === 0 || sdp.length > MAX_SDP_LENGTH) return null;
      // The glare rule is part of the contract: an offer from a lower seat is not one to answer.
      if (type === 'group-offer' ? !offersTo(seat, to) : !offersTo(to, seat)) return null;
      return { type, ...base, sdp };
    }
    case 'group-candidate': {
      const candidate = validateCandidate(value.candidate);
      return candidate ? { type, ...base, candidate } : null;
    }
    case 'group-media-state': {
      const { audio, video, screen } = value;
      if (!isBool(audio) || !isBool(video) || !isBool(screen)) return null;
      return { type, ...base, audio, video, screen };
    }
    default:
      return null;
  }
}

/** Validates a room call as the topic carries it; null for anything malformed. */
export function validateRoomCall(value: unknown): RoomCall | null {
  if (!isObject(value) || !isId(value.id, CALL_ID_MIN_LENGTH) || !isRoomId(value.room)) return null;
  const { startedAt, members, limits } = value;
  if (!Number.isFinite(startedAt) || !Array.isArray(members) || !isObject(limits)) return null;
  if (!isSeatNumber(limits.video) || !isSeatNumber(limits.total)) return null;
  const seats: Seat[] = [];
  for (const m of members) {
    if (!isObject(m) || !isUserId(m.user) || typeof m.name !== 'string' || !isId(m.sid) || !isSeatNumber(m.seat)) return null;
    const media = m.media;
    if (!isObject(media) || !isBool(media.audio) || !isBool(media.video) || !Number.isFinite(m.joinedAt)) return null;
    if (seats.length > 0 && seats[seats.length - 1]!.seat >= m.seat) return null; // in seat order, no seat twice
    seats.push({
      user: m.user,
      name: m.name,
      sid: m.sid,
      seat: m.seat,
      media: { audio: media.audio, video: media.video },
      joinedAt: m.joinedAt as number,
    });
  }
  if (new Set(seats.map((s) => s.user)).size !== seats.length) return null; // one seat per user
  return {
    id: value.id,
    room: value.room,
    startedAt: startedAt as number,
    members: seats,
    limits: { video: limits.video, total: limits.total },
  };
}
