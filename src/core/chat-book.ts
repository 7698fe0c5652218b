/**
 * Conversations: sending with the broker's acknowledgement (or a timeout), receiving with
 * de-duplication (QoS 1 may deliver twice), unread counts, and each message's delivery.
 */
import { isValidChatText, MAX_CHAT_TEXT_LENGTH, shownChatTime, type InboxMessage } from '../protocol/index.js';
import { withTimeout, type Clock } from './clock.js';
import { randomId } from './ids.js';
import type { Outbox } from './outbox.js';
import type { PresenceView } from './presence-book.js';
import type { SessionStore } from './session-state.js';
import { texts } from './texts.js';
import type { ChatEntry, SessionState } from './types.js';

/** A chat message not acknowledged by the broker within this is marked failed. */
export const CHAT_ACK_TIMEOUT_MS = 10_000;
/** Kept per conversation; older entries are dropped. */
export const MAX_CHAT_ENTRIES = 500;

type ChatMessage = Extract<InboxMessage, { type: 'chat' }>;

export class ChatBook {
  constructor(
    private readonly store: SessionStore,
    private readonly outbox: Outbox,
    private readonly presence: PresenceView,
    private readonly clock: Clock,
  ) {}

  async send(peerId: string, text: string): Promise<void> {
    if (!this.store.state.user) return this.store.reportError({ code: 'chat_failed', scope: 'chat', message: texts.chat.signInFirst });
    if (!isValidChatText(text)) {
      return this.store.reportError({ code: 'invalid_input', scope: 'chat', message: texts.chat.invalid(MAX_CHAT_TEXT_LENGTH) });
    }
    const entry: ChatEntry = { id: randomId(12), peerId, fromMe: true, text, ts: this.clock.now(), delivery: 'sending' };
    this.put(entry);
    this.store.emit('chat', { message: entry });
    let failure: string | null = null;
    if (!this.outbox.online) failure = texts.chat.offline;
    else if (!this.presence.get(peerId)) failure = texts.chat.peerOffline;
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
    if (existing) return;
    // The sender's ts is a claim: shown no later than its arrival, so it cannot pose as a future or absurd time.
    const ts = shownChatTime(message.ts, this.clock.now());
    const entry: ChatEntry = { id: message.id, peerId: from, fromMe: false, text: message.text, ts, delivery: 'sent' };
    this.put(entry, true);
    this.store.emit('chat', { message: entry });
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
    const chats = this.store.state.chats;
    const list = chats[peerId];
    if (!list) return;
    this.store.update({ chats: { ...chats, [peerId]: list.map((c) => (c.id === id && c.fromMe ? { ...c, delivery } : c)) } });
  }
}
