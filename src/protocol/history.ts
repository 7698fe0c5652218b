/**
 * Call history, do-not-disturb and invisible (PROTOCOL.md §7): the HTTP shapes, the backend's
 * notice topic and their validators, shared by the widget and the backend.
 */
import { isBool, isId, isObject, validatePresence, type MediaKinds, type Presence } from './messages.js';
import { TOPIC_ROOT, isUserId } from './topics.js';

/** How a call ended for one of its two people, as the backend saw its signalling pass. */
export type CallOutcome = 'answered' | 'missed' | 'declined' | 'cancelled' | 'failed' | 'busy';
export const CALL_OUTCOMES: readonly CallOutcome[] = ['answered', 'missed', 'declined', 'cancelled', 'failed', 'busy'];

/** One call in one person's history (each of the two people has their own entry). */
export interface CallHistoryEntry {
  /** This entry's id (22 base64url characters); `DELETE /api/calls/<id>` removes it. */
  id: string;
  /** The call's own id, as its signalling carried it. */
  callId: string;
  /** The other person; `name` as it was when the call ended. */
  peer: { id: string; name: string };
  direction: 'outgoing' | 'incoming';
  /** Unix ms of the invite. */
  startedAt: number;
  /** Unix ms of the callee's accept; null when never answered. */
  answeredAt: number | null;
  /** Unix ms the backend saw the call end. */
  endedAt: number;
  /** From the accept to the end, in ms; 0 when never answered. */
  durationMs: number;
  outcome: CallOutcome;
  media: MediaKinds;
  /** The callee had do-not-disturb on: the backend declined for them. */
  dnd?: true;
}

/** `GET /api/calls`: newest first; `next` is the cursor of the following page, null at the end. */
export interface CallHistoryPage {
  calls: CallHistoryEntry[];
  next: string | null;
  /** Missed incoming calls since the history was last marked seen (`POST /api/calls/seen`). */
  unseenMissed: number;
}

/** Do-not-disturb and invisible, kept per user. `dndUntil` null with `dnd` on: until turned off. */
export interface PrivacySettings {
  dnd: boolean;
  dndUntil: number | null;
  invisible: boolean;
}

export interface PrivacyResponse {
  privacy: PrivacySettings;
}

/** `POST /api/privacy`: any of the fields; what is absent stays as it is. */
export interface PrivacyUpdate {
  dnd?: boolean;
  dndUntil?: number | null;
  invisible?: boolean;
}

export const HISTORY_PATHS = {
  calls: '/api/calls',
  callsSeen: '/api/calls/seen',
  privacy: '/api/privacy',
} as const;

export const CALLS_PAGE_DEFAULT = 20;
export const CALLS_PAGE_MAX = 100;
/** `HISTORY_DAYS`' default. */
export const DEFAULT_HISTORY_DAYS = 90;

/** `DELETE /api/calls/<id>`. */
export const callEntryPath = (id: string): string => `${HISTORY_PATHS.calls}/${encodeURIComponent(id)}`;

export const CALL_ENTRY_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** Where the backend tells one user's tabs of their own changes; only that user may subscribe. */
export const NOTICE_PREFIX = `${TOPIC_ROOT}/notice/`;
export const noticeTopic = (userId: string): string => `${NOTICE_PREFIX}${userId}`;

/** The user of a notice topic, or null when `topic` is not one. */
export function parseNoticeTopic(topic: string): string | null {
  if (!topic.startsWith(NOTICE_PREFIX)) return null;
  const userId = topic.slice(NOTICE_PREFIX.length);
  return isUserId(userId) ? userId : null;
}

/**
 * What the backend says on a user's notice topic:
 * - `privacy`: the settings changed (on another tab or device too);
 * - `calls`: the history changed (a call ended, an entry was deleted, or it was marked seen);
 * - `contact`: an invisible person wrote or called; this is their presence for the conversation;
 * - `contact-gone`: that person went offline (or visible: their presence is back in the rooms).
 */
export type Notice =
  | { type: 'privacy'; privacy: PrivacySettings }
  | { type: 'calls' }
  | { type: 'contact'; presence: Presence }
  | { type: 'contact-gone'; id: string };

export function validatePrivacy(value: unknown): PrivacySettings | null {
  if (!isObject(value) || !isBool(value.dnd) || !isBool(value.invisible)) return null;
  const until = value.dndUntil;
  if (!(until === null || (Number.isSafeInteger(until) && (until as number) > 0))) return null;
  return { dnd: value.dnd, dndUntil: until as number | null, invisible: value.invisible };
}

export function validateNotice(value: unknown): Notice | null {
  if (!isObject(value)) return null;
  switch (value.type) {
    case 'calls':
      return { type: 'calls' };
    case 'privacy': {
      const privacy = validatePrivacy(value.privacy);
      return privacy && { type: 'privacy', privacy };
    }
    case 'contact': {
      const presence = validatePresence(value.presence);
      return presence && { type: 'contact', presence };
    }
    case 'contact-gone':
      return isUserId(value.id) ? { type: 'contact-gone', id: value.id } : null;
    default:
      return null;
  }
}

const isTime = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** One entry of `GET /api/calls`; null when it is not one. */
export function validateCallEntry(value: unknown): CallHistoryEntry | null {
  if (!isObject(value) || typeof value.id !== 'string' || !CALL_ENTRY_ID_PATTERN.test(value.id) || !isId(value.callId)) return null;
  const { peer, media } = value;
  if (!isObject(peer) || !isUserId(peer.id) || typeof peer.name !== 'string') return null;
  if (!isObject(media) || !isBool(media.audio) || !isBool(media.video)) return null;
  if (value.direction !== 'outgoing' && value.direction !== 'incoming') return null;
  if (!CALL_OUTCOMES.includes(value.outcome as CallOutcome)) return null;
  if (!isTime(value.startedAt) || !isTime(value.endedAt) || !isTime(value.durationMs)) return null;
  if (!(value.answeredAt === null || isTime(value.answeredAt))) return null;
  const entry: CallHistoryEntry = {
    id: value.id,
    callId: value.callId,
    peer: { id: peer.id, name: peer.name },
    direction: value.direction,
    startedAt: value.startedAt,
    answeredAt: value.answeredAt,
    endedAt: value.endedAt,
    durationMs: value.durationMs,
    outcome: value.outcome as CallOutcome,
    media: { audio: media.audio, video: media.video },
  };
  if (value.dnd === true) entry.dnd = true;
  return entry;
}
