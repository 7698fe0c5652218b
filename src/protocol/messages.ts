/**
 * Inbox messages, presence and status payloads of the wire contract
 * (PROTOCOL.md §3), with validators. A validator returns a fresh object that
 * holds only the fields the contract names, or `null` when the input is not a
 * valid message: the widget ignores anything it cannot validate.
 */
import {
  CALL_ID_MIN_LENGTH,
  CHAT_TS_MAX_AGE_MS,
  CHAT_TS_MAX_FUTURE_MS,
  ID_MAX_LENGTH,
  MAX_CHAT_TEXT_LENGTH,
  MAX_MQTT_PAYLOAD_BYTES,
  MAX_SDP_LENGTH,
} from './limits.js';
import { sanitizeName } from './names.js';

export type PresenceStatus = 'available' | 'busy' | 'away';
export const PRESENCE_STATUSES: readonly PresenceStatus[] = ['available', 'busy', 'away'];

export type RejectReason = 'declined' | 'busy' | 'unavailable';
export const REJECT_REASONS: readonly RejectReason[] = ['declined', 'busy', 'unavailable'];

export interface MediaKinds {
  audio: boolean;
  video: boolean;
}

export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

interface CallMessageBase {
  callId: string;
  /** The sender's MQTT clientId: lets a reply target one tab of a user signed in twice. */
  sid: string;
}

export interface InviteMessage extends CallMessageBase {
  type: 'invite';
  media: MediaKinds;
}
export interface RingingMessage extends CallMessageBase {
  type: 'ringing';
}
export interface AcceptMessage extends CallMessageBase {
  type: 'accept';
}
export interface RejectMessage extends CallMessageBase {
  type: 'reject';
  reason: RejectReason;
  /** Sent by the backend for a callee with do-not-disturb on (PROTOCOL.md §7): always with reason `busy`. */
  dnd?: true;
}
export interface CancelMessage extends CallMessageBase {
  type: 'cancel';
}
export interface HandledMessage extends CallMessageBase {
  type: 'handled';
}
/**
 * The media link a description or candidate belongs to: 0 (absent) for the call's first
 * RTCPeerConnection, then 1, 2… for each new one the caller made in place of a failed one
 * (PROTOCOL.md §3, "A link that fails").
 */
interface LinkMessage {
  link?: number;
}
export interface OfferMessage extends CallMessageBase, LinkMessage {
  type: 'offer';
  sdp: string;
}
export interface AnswerMessage extends CallMessageBase, LinkMessage {
  type: 'answer';
  sdp: string;
}
export interface CandidateMessage extends CallMessageBase, LinkMessage {
  type: 'candidate';
  candidate: IceCandidate;
}
export interface MediaStateMessage extends CallMessageBase {
  type: 'media-state';
  audio: boolean;
  video: boolean;
  screen: boolean;
}
export interface HangupMessage extends CallMessageBase {
  type: 'hangup';
}
/**
 * From the callee of a connected call: its side of the media link failed, while the caller's side
 * may still look connected. The caller, who alone makes offers, restarts ICE, or makes a new link
 * when `dtls` says the callee's DTLS transport failed (no ICE restart revives that).
 */
export interface LinkFailedMessage extends CallMessageBase, LinkMessage {
  type: 'link-failed';
  dtls: boolean;
}
export interface ChatMessage {
  type: 'chat';
  id: string;
  text: string;
  ts: number;
  /**
   * Kept by the backend while the recipient was away and delivered at their sign-in (PROTOCOL.md
   * §8); `ts` is then the backend's time of keeping it. Only the backend sets it.
   */
  later?: true;
}

export type CallMessage =
  | InviteMessage
  | RingingMessage
  | AcceptMessage
  | RejectMessage
  | CancelMessage
  | HandledMessage
  | OfferMessage
  | AnswerMessage
  | CandidateMessage
  | MediaStateMessage
  | HangupMessage
  | LinkFailedMessage;

export type InboxMessage = CallMessage | ChatMessage;
export type InboxMessageType = InboxMessage['type'];

export const INBOX_MESSAGE_TYPES: readonly InboxMessageType[] = [
  'invite',
  'ringing',
  'accept',
  'reject',
  'cancel',
  'handled',
  'offer',
  'answer',
  'candidate',
  'media-state',
  'hangup',
  'link-failed',
  'chat',
];

/** Retained presence of one user, published by the backend only. */
export interface Presence {
  id: string;
  name: string;
  status: PresenceStatus;
  sessions: number;
  /** A guest (PROTOCOL.md §4): present and true only for guests. */
  guest?: true;
  /** Do-not-disturb is on (PROTOCOL.md §7); `status` is then `busy`, so older widgets show busy. */
  dnd?: true;
}

/** What a user publishes on its own status topic. */
export interface StatusUpdate {
  status: PresenceStatus;
}

type Obj = Record<string, unknown>;

export const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isId = (v: unknown, min = 1): v is string => typeof v === 'string' && v.length >= min && v.length <= ID_MAX_LENGTH;
export const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isOptionalNullableString = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.length <= ID_MAX_LENGTH);

/** Chat text must be non-empty after trimming, at most 4000 characters. */
export function isValidChatText(text: unknown): text is string {
  return typeof text === 'string' && text.length <= MAX_CHAT_TEXT_LENGTH && text.trim().length > 0;
}

/** The largest time a JavaScript `Date` can hold; beyond it `toISOString()` throws "Invalid time value". */
const MAX_DATE_MS = 8.64e15;

/** A chat `ts` any receiver can turn into a date: whole milliseconds since 1970 that a `Date` can hold. */
function isChatTimestamp(ts: unknown): ts is number {
  return Number.isSafeInteger(ts) && (ts as number) >= 0 && (ts as number) <= MAX_DATE_MS;
}

/**
 * The backend's check of a chat `ts` against its own clock (PROTOCOL.md §3):
 * not more than a few minutes ahead, not older than a day.
 */
export function isCurrentChatTime(ts: number, now: number): boolean {
  return ts <= now + CHAT_TS_MAX_FUTURE_MS && ts >= now - CHAT_TS_MAX_AGE_MS;
}

/**
 * The time a receiver shows for a chat message that arrived at `receivedAt`:
 * the sender's `ts`, but never later than its arrival (a sender's clock can run
 * fast or lie) and never older than the backend would let through.
 */
export function shownChatTime(ts: number, receivedAt: number): number {
  return Math.min(receivedAt, Math.max(ts, receivedAt - CHAT_TS_MAX_AGE_MS));
}

export function validateCandidate(v: unknown): IceCandidate | null {
  if (!isObject(v) || typeof v.candidate !== 'string' || v.candidate.length > 4096) return null;
  if (!isOptionalNullableString(v.sdpMid) || !isOptionalNullableString(v.usernameFragment)) return null;
  const idx = v.sdpMLineIndex;
  if (!(idx === undefined || idx === null || (Number.isInteger(idx) && (idx as number) >= 0 && (idx as number) < 1024))) {
    return null;
  }
  const out: IceCandidate = { candidate: v.candidate };
  if (v.sdpMid !== undefined) out.sdpMid = v.sdpMid as string | null;
  if (idx !== undefined) out.sdpMLineIndex = idx as number | null;
  if (v.usernameFragment !== undefined) out.usernameFragment = v.usernameFragment as string | null;
  return out;
}

/** A call makes a new link only while its old one fails: a few per call, never thousands. */
const MAX_LINK = 10_000;

/** A message's `link` (absent: 0); null when it is not one. */
function linkOf(value: unknown): number | null {
  if (value === undefined) return 0;
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_LINK ? (value as number) : null;
}

/** Validates one inbox message; returns a clean copy or `null`. */
export function validateInboxMessage(value: unknown): InboxMessage | null {
  if (!isObject(value) || typeof value.type !== 'string') return null;
  const type = value.type;
  if (type === 'chat') {
    const { id, text, ts } = value;
    if (!isId(id) || !isValidChatText(text) || !isChatTimestamp(ts)) return null;
    return value.later === true ? { type, id, text, ts, later: true } : { type, id, text, ts };
  }
  const { callId, sid } = value;
  if (!isId(callId, CALL_ID_MIN_LENGTH) || !isId(sid)) return null;
  switch (type) {
    case 'ringing':
    case 'accept':
    case 'cancel':
    case 'handled':
    case 'hangup':
      return { type, callId, sid };
    case 'link-failed': {
      const link = linkOf(value.link);
      if (!isBool(value.dtls) || link === null) return null;
      return link > 0 ? { type, callId, sid, dtls: value.dtls, link } : { type, callId, sid, dtls: value.dtls };
    }
    case 'invite': {
      const media = value.media;
      if (!isObject(media) || !isBool(media.audio) || !isBool(media.video)) return null;
      return { type, callId, sid, media: { audio: media.audio, video: media.video } };
    }
    case 'reject': {
      const reason = value.reason;
      if (!REJECT_REASONS.includes(reason as RejectReason)) return null;
      const reject: RejectMessage = { type, callId, sid, reason: reason as RejectReason };
      if (value.dnd === true && reason === 'busy') reject.dnd = true;
      return reject;
    }
    case 'offer':
    case 'answer': {
      const sdp = value.sdp;
      const link = linkOf(value.link);
      if (typeof sdp !== 'string' || sdp.length === 0 || sdp.length > MAX_SDP_LENGTH || link === null) return null;
      return link > 0 ? { type, callId, sid, sdp, link } : { type, callId, sid, sdp };
    }
    case 'candidate': {
      const candidate = validateCandidate(value.candidate);
      const link = linkOf(value.link);
      if (!candidate || link === null) return null;
      return link > 0 ? { type, callId, sid, candidate, link } : { type, callId, sid, candidate };
    }
    case 'media-state': {
      const { audio, video, screen } = value;
      if (!isBool(audio) || !isBool(video) || !isBool(screen)) return null;
      return { type, callId, sid, audio, video, screen };
    }
    default:
      return null;
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Parses JSON text or bytes; `undefined` when it is not valid UTF-8 JSON or too large. */
export function parseJsonPayload(payload: string | Uint8Array): unknown {
  try {
    if (typeof payload === 'string') {
      if (payload.length > MAX_MQTT_PAYLOAD_BYTES) return undefined;
      return JSON.parse(payload);
    }
    if (payload.byteLength > MAX_MQTT_PAYLOAD_BYTES) return undefined;
    return JSON.parse(decoder.decode(payload));
  } catch {
    return undefined;
  }
}

/** Parses and validates an inbox payload; `null` for anything invalid. */
export function parseInboxMessage(payload: string | Uint8Array): InboxMessage | null {
  return validateInboxMessage(parseJsonPayload(payload));
}

/**
 * The backend's check on an inbox payload before it relays it; `null` when it
 * passes, else the reason. Every type needs the envelope; a `chat` message is
 * validated in full, with its `ts` against the backend's clock, because a
 * receiver renders it as it is (PROTOCOL.md §3).
 */
export function inboxPayloadProblem(payload: Uint8Array, now: number): string | null {
  return checkInboxPayload(payload, now).problem;
}

/** The inbox payload's `type` when the broker lets it through, else why it refuses it (see inboxPayloadProblem). */
export function checkInboxPayload(payload: Uint8Array, now: number): { type: string; problem: null } | { type: null; problem: string } {
  const refuse = (problem: string) => ({ type: null, problem }) as const;
  const value = parseJsonPayload(payload);
  if (!isObject(value) || typeof value.type !== 'string') return refuse('inbox payload must be a JSON object with a string type');
  if (value.type !== 'chat') return { type: value.type, problem: null };
  const chat = validateInboxMessage(value);
  if (chat?.type !== 'chat') return refuse(`chat needs an id, 1–${MAX_CHAT_TEXT_LENGTH} characters of text and ts in whole milliseconds`);
  // "Delivered later" is the backend's word (PROTOCOL.md §8): nobody can pass a live message for a kept one.
  if ('later' in value) return refuse('chat later is set by the backend only');
  if (!isCurrentChatTime(chat.ts, now))
    return refuse(
      `chat ts must be at most ${CHAT_TS_MAX_FUTURE_MS / 60_000} minutes ahead of the server clock and at most ${CHAT_TS_MAX_AGE_MS / 3_600_000} hours old`,
    );
  return { type: 'chat', problem: null };
}

/** Shown for a person whose stored name has nothing visible left once sanitised. */
export const UNNAMED = 'Unnamed user';

export function validatePresence(value: unknown): Presence | null {
  if (!isObject(value)) return null;
  const { id, name, status, sessions, guest } = value;
  if (!isId(id) || typeof name !== 'string' || name.length > 256) return null;
  if (!PRESENCE_STATUSES.includes(status as PresenceStatus)) return null;
  if (!Number.isInteger(sessions) || (sessions as number) < 1) return null;
  // The backend sanitises names too; this keeps a name from an older backend from rewriting the widget's text.
  const presence: Presence = { id, name: sanitizeName(name) || UNNAMED, status: status as PresenceStatus, sessions: sessions as number };
  if (guest === true) presence.guest = true;
  if (value.dnd === true) presence.dnd = true;
  return presence;
}

export function validateStatusUpdate(value: unknown): StatusUpdate | null {
  if (!isObject(value) || !PRESENCE_STATUSES.includes(value.status as PresenceStatus)) return null;
  return { status: value.status as PresenceStatus };
}
