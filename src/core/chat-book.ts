/**
 * Conversations: sending with the broker's acknowledgement (or a timeout), receiving with
 * de-duplication (QoS 1 may deliver twice), unread counts, and each message's delivery.
 * A chat to someone offline is left with the backend (PROTOCOL.md §8, the `MessagesAway` port);
 * one kept for us while we were away arrives marked `later` and is acknowledged once shown.
 */
import {
  isValidChatText,
  MAX_CHAT_TEXT_LENGTH,
  MAX_DELIVERED_IDS,
  shownChatTime,
  type InboxMessage,
  type LeaveMessageRequest,
  type WaitingMessage,
} from '../protocol/index.js';
import { ApiRequestError } from './api-client.js';
import { withTimeout, type Clock } from './clock.js';
import { randomId } from './ids.js';
import type { Outbox } from './outbox.js';
import type { PresenceView } from './presence-book.js';
import type { SessionStore } from './session-state.js';
import { texts } from './texts.js';
import type { ChatEntry, SessionState } from './types.js';

/** A chat message not acknowledged by the broker within this is marked failed. */
export const CHAT_ACK_TIMEOUT_MS = 10_000;
/** Messages kept for us arrive together at a sign-in: acknowledged together this long after the first. */
const ACKNOWLEDGE_DELAY_MS = 100;
/** Kept per conversation; older entries are dropped. */
export const MAX_CHAT_ENTRIES = 500;

type ChatMessage = Extract<InboxMessage, { type: 'chat' }>;

/** The backend's keeping of messages while their recipient is away (PROTOCOL.md §8 "HTTP"). */
export interface MessagesAwayPort {
  leave(request: LeaveMessageRequest): Promise<WaitingMessage>;
  waiting(): Promise<WaitingMessage[]>;
  withdraw(id: string): Promise<void>;
  acknowledge(ids: string[]): Promise<void>;
}

/**
 * Our `waiting` messages as the backend's list of what still waits says: one no longer listed
 * was delivered (`sent`) or, past its `expiresAt`, dropped (`expired`). Pure, for the tests.
 */
export function reconcileWaiting(entries: readonly ChatEntry[], stillWaiting: ReadonlySet<string>, now: number): ChatEntry[] {
  return entries.map((e) => {
    if (!e.fromMe || e.delivery !== 'waiting' || stillWaiting.has(e.id)) return e;
    return { ...e, delivery: e.expiresAt !== undefined && e.expiresAt <= now ? 'expired' : 'sent' };
  });
}

export class ChatBook {
  /** Ids of `later` messages shown and not acknowledged yet: sent in one request per turn. */
  private readonly toAcknowledge = new Set<string>();

  constructor(
    private readonly store: SessionStore,
    private readonly outbox: Outbox,
    private readonly presence: PresenceView,
    private readonly clock: Clock,
    private readonly away?: MessagesAwayPort,
  ) {}

  async send(peerId: string, text: string): Promise<void> {
    if (!this.store.state.user) return this.store.reportError({ code: 'chat_failed', scope: 'chat', message: texts.chat.signInFirst });
    if (!isValidChatText(text)) {
      return this.store.reportError({ code: 'invalid_input', scope: 'chat', message: texts.chat.invalid(MAX_CHAT_TEXT_LENGTH) });
    }
    const entry: ChatEntry = { id: randomId(12), peerId, fromMe: true, text, ts: this.clock.now(), delivery: 'sending' };
    this.nameFrom(entry);
    this.put(entry);
    this.store.emit('chat', { message: entry });
    let failure: string | null = null;
    if (!this.outbox.online) failure = texts.chat.offline;
    else if (!this.presence.get(peerId)) return this.leave(entry);
    else {
      try {
        const message: ChatMessage = { type: 'chat', id: entry.id, text, ts: entry.ts };
        await withTimeout(this.outbox.send(peerId, message, { qos: 1 }), CHAT_ACK_TIMEOUT_MS, this.clock);
      } catch {
        failure = texts.chat.notSent;
      }
    }
    this.setDelivery(peerId, entry.id, failure ? 'failed' : 'sent');
    if (failure) this.store.reportError({ code: 'chat_failed', scope: 'chat', message: failure });
    else this.store.clearError('chat');
  }

  /** A message from `from`; one already shown (delivered twice) is dropped. */
  receive(from: string, message: ChatMessage): void {
    const existing = this.store.state.chats[from]?.some((c) => c.id === message.id && !c.fromMe);
    // Kept while we were away: acknowledged even when shown already (a delivery before a reload or a lost answer).
    if (message.later) this.acknowledge(message.id);
    if (existing) return;
    const now = this.clock.now();
    // The sender's ts is a claim: shown no later than its arrival, so it cannot pose as a future or absurd time.
    // A kept message's ts is the backend's time of keeping it, which may be days old (only the backend sets `later`).
    const ts = message.later ? Math.min(message.ts, now) : shownChatTime(message.ts, now);
    const entry: ChatEntry = { id: message.id, peerId: from, fromMe: false, text: message.text, ts, delivery: 'sent' };
    if (message.later) entry.later = true;
    this.nameFrom(entry);
    this.put(entry, true);
    this.store.emit('chat', { message: entry });
  }

  /** `ids` of our messages kept for `from` have reached them (`chat-delivered`). */
  delivered(from: string, ids: readonly string[]): void {
    const wanted = new Set(ids);
    this.updateEntries(from, (c) => (c.fromMe && c.delivery === 'waiting' && wanted.has(c.id) ? { ...c, delivery: 'sent' } : c));
  }

  /** Signed in again: what of ours still waits, per the backend; the rest was delivered or expired meanwhile. */
  async refreshWaiting(): Promise<void> {
    const chats = this.store.state.chats;
    const anyWaiting = Object.values(chats).some((list) => list.some((c) => c.fromMe && c.delivery === 'waiting'));
    if (!this.away || !anyWaiting) return;
    const still = new Set((await this.away.waiting()).map((m) => m.id));
    const now = this.clock.now();
    const current = this.store.state.chats;
    const next = Object.fromEntries(Object.entries(current).map(([peer, list]) => [peer, reconcileWaiting(list, still, now)]));
    this.store.update({ chats: next });
  }

  /** Takes back a waiting message of ours; it leaves the conversation once the backend agrees. */
  async withdraw(peerId: string, id: string): Promise<void> {
    const entry = this.store.state.chats[peerId]?.find((c) => c.id === id && c.fromMe);
    if (!entry || entry.delivery !== 'waiting' || !this.away) return;
    try {
      await this.away.withdraw(id);
    } catch (e) {
      if (!(e instanceof ApiRequestError) || e.status !== 404) throw e;
      // Delivered or expired meanwhile: say so, and show what the backend knows now.
      this.store.reportError({ code: 'chat_failed', scope: 'chat', message: texts.ui.away.tooLate });
      return this.refreshWaiting();
    }
    const chats = this.store.state.chats;
    this.store.update({ chats: { ...chats, [peerId]: (chats[peerId] ?? []).filter((c) => !(c.id === id && c.fromMe)) } });
    this.store.clearError('chat');
  }

  /** Our message to someone offline: the backend keeps it for them (PROTOCOL.md §8). */
  private async leave(entry: ChatEntry): Promise<void> {
    let failure: string | null = null;
    try {
      if (!this.away) throw new ApiRequestError('chat_failed', texts.chat.peerOffline, 0);
      const kept = await this.away.leave({ id: entry.id, to: entry.peerId, text: entry.text });
      this.updateEntries(entry.peerId, (c) =>
        c.id === entry.id && c.fromMe ? { ...c, delivery: 'waiting', expiresAt: kept.expiresAt } : c,
      );
    } catch (e) {
      failure = leaveFailure(e);
      this.setDelivery(entry.peerId, entry.id, 'failed');
    }
    if (failure) this.store.reportError({ code: 'chat_failed', scope: 'chat', message: failure });
    else this.store.clearError('chat');
  }

  private acknowledge(id: string): void {
    if (!this.away) return;
    const first = this.toAcknowledge.size === 0;
    this.toAcknowledge.add(id);
    // One request for everything delivered at a sign-in (it comes as a burst of messages).
    if (first) setTimeout(() => this.sendAcknowledgements(), ACKNOWLEDGE_DELAY_MS);
  }

  /** A lost acknowledgement is made good by the next delivery, at the next sign-in. */
  private sendAcknowledgements(): void {
    const ids = [...this.toAcknowledge];
    this.toAcknowledge.clear();
    for (let i = 0; i < ids.length; i += MAX_DELIVERED_IDS) {
      void this.away?.acknowledge(ids.slice(i, i + MAX_DELIVERED_IDS)).catch(() => undefined);
    }
  }

  /** The other person's name as presence shows it now: the conversation keeps a name once they are offline (or after a reload). */
  private nameFrom(entry: ChatEntry): void {
    const name = this.presence.get(entry.peerId)?.name;
    if (name) entry.name = name;
  }

  private updateEntries(peerId: string, change: (entry: ChatEntry) => ChatEntry): void {
    const chats = this.store.state.chats;
    const list = chats[peerId];
    if (!list) return;
    this.store.update({ chats: { ...chats, [peerId]: list.map(change) } });
  }

  markRead(peerId: string): void {
    const state = this.store.state;
    if (!state.unread[peerId]) return;
    const unread = { ...state.unread };
    delete unread[peerId];
    this.store.update({ unread });
  }

  private put(entry: ChatEntry, unread = false): void {
    const state = this.store.state;
    const list = [...(state.chats[entry.peerId] ?? []), entry].slice(-MAX_CHAT_ENTRIES);
    const patch: Partial<SessionState> = { chats: { ...state.chats, [entry.peerId]: list } };
    if (unread) patch.unread = { ...state.unread, [entry.peerId]: (state.unread[entry.peerId] ?? 0) + 1 };
    this.store.update(patch);
  }

  private setDelivery(peerId: string, id: string, delivery: ChatEntry['delivery']): void {
    this.updateEntries(peerId, (c) => (c.id === id && c.fromMe ? { ...c, delivery } : c));
  }
}

/** What the visitor reads when the backend does not keep a message: the refusals of PROTOCOL.md §8 by status. */
function leaveFailure(e: unknown): string {
  if (!(e instanceof ApiRequestError)) return texts.chat.notSent;
  if (e.status === 0) return e.message;
  if (e.status === 404) return texts.ui.away.unreachable;
  if (e.status === 409) return texts.ui.away.tooMany;
  return e.message;
}
