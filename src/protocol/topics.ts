/**
 * MQTT topic names of the wire contract (PROTOCOL.md §3).
 */
import { USER_ID_PATTERN } from './limits.js';

export const TOPIC_ROOT = 'rtc/v1';
export const PRESENCE_PREFIX = `${TOPIC_ROOT}/presence/`;
export const STATUS_PREFIX = `${TOPIC_ROOT}/status/`;
export const INBOX_PREFIX = `${TOPIC_ROOT}/inbox/`;

/** Subscription that gives every user's retained presence. */
export const PRESENCE_WILDCARD = `${PRESENCE_PREFIX}+`;

export const presenceTopic = (userId: string): string => `${PRESENCE_PREFIX}${userId}`;
export const statusTopic = (userId: string): string => `${STATUS_PREFIX}${userId}`;
/** The topic a message from `from` to `to` is published on. */
export const inboxTopic = (to: string, from: string): string => `${INBOX_PREFIX}${to}/${from}`;
/** The subscription that gives a user every message sent to them. */
export const inboxWildcard = (userId: string): string => `${INBOX_PREFIX}${userId}/+`;

export type ParsedTopic =
  { kind: 'presence'; userId: string } | { kind: 'status'; userId: string } | { kind: 'inbox'; to: string; from: string };

/**
 * Parses a concrete (wildcard-free) topic of the contract. Anything else —
 * extra levels, empty levels, ids that are not user ids — gives `null`.
 */
export function parseTopic(topic: string): ParsedTopic | null {
  if (!topic.startsWith(`${TOPIC_ROOT}/`)) return null;
  const levels = topic.slice(TOPIC_ROOT.length + 1).split('/');
  const [kind, a, b] = levels;
  if (kind === 'presence' && levels.length === 2 && isUserId(a)) return { kind: 'presence', userId: a };
  if (kind === 'status' && levels.length === 2 && isUserId(a)) return { kind: 'status', userId: a };
  if (kind === 'inbox' && levels.length === 3 && isUserId(a) && isUserId(b)) return { kind: 'inbox', to: a, from: b };
  return null;
}

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID_PATTERN.test(value);
}
