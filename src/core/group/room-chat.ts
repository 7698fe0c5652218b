/**
 * Room chat (PROTOCOL.md §6): what everyone in a lobby, site or group room writes, in or out of
 * its call. Published on `rtc/v1/rooms/<roomId>/chat/<me>` with the broker's acknowledgement (as
 * 1:1 chat is), read from `…/chat/+`: the own messages come back too, which is how this
 * visitor's other tabs show them, and how a message already shown is recognised.
 */
import { allowsGroupCalls, isValidChatText, MAX_CHAT_TEXT_LENGTH, shownChatTime, type ChatMessage } from '../../protocol/index.js';
import { CHAT_ACK_TIMEOUT_MS, MAX_CHAT_ENTRIES } from '../chat-book.js';
import { withTimeout, type Clock } from '../clock.js';
import { randomId } from '../ids.js';
import type { Outbox } from '../outbox.js';
import type { PresenceView } from '../presence-book.js';
import type { SessionStore } from '../session-state.js';
import { texts } from '../texts.js';
import type { ChatEntry } from '../types.js';

export class RoomChatBook {
  constructor(
    private readonly store: SessionStore,
    private readonly outbox: Outbox,
    private readonly presence: PresenceView,
    private readonly clock: Clock,
  ) {}

  async send(roomId: string, text: string): Promise<void> {
    const { store } = this;
    const me = store.state.user;
    if (!me) return store.reportError({ code: 'chat_failed', scope: 'room-chat', message: texts.chat.signInFirst });
    const room = store.state.rooms.find((r) => r.id === roomId);
    if (!room || !allowsGroupCalls(room))
      return store.reportError({ code: 'room_not_found', scope: 'room-chat', message: texts.errors.room_not_found });
    if (!isValidChatText(text)) {
      return store.reportError({ code: 'invalid_input', scope: 'room-chat', message: texts.chat.invalid(MAX_CHAT_TEXT_LENGTH) });
    }
    const entry: ChatEntry = {
      id: randomId(12),
      peerId: me.id,
      fromMe: true,
      text,
      ts: this.clock.now(),
      delivery: 'sending',
      name: me.name,
    };
    this.put(roomId, entry);
    let failure: string | null = null;
    if (!this.outbox.online) failure = texts.chat.offline;
    else {
      try {
        const message: ChatMessage = { type: 'chat', id: entry.id, text, ts: entry.ts };
        await withTimeout(this.outbox.sendRoomChat(roomId, message), CHAT_ACK_TIMEOUT_MS, this.clock);
      } catch {
        failure = texts.chat.notSent;
      }
    }
    this.setDelivery(roomId, entry.id, failure ? 'failed' : 'sent');
    if (failure) store.reportError({ code: 'chat_failed', scope: 'room-chat', message: failure });
    else store.clearError('room-chat');
  }

  /** A message of `roomId`'s chat from `from` (the own ones come back too: shown once). */
  receive(roomId: string, from: string, message: ChatMessage): void {
    const me = this.store.state.user;
    if (!me || !this.store.state.rooms.some((r) => r.id === roomId)) return;
    if (this.store.state.roomChats[roomId]?.some((c) => c.id === message.id && c.peerId === from)) return;
    const fromMe = from === me.id;
    const name = fromMe ? me.name : (this.presence.get(from)?.name ?? texts.call.someone);
    const ts = shownChatTime(message.ts, this.clock.now());
    this.put(roomId, { id: message.id, peerId: from, fromMe, text: message.text, ts, delivery: 'sent', name });
  }

  private put(roomId: string, entry: ChatEntry): void {
    const chats = this.store.state.roomChats;
    const list = [...(chats[roomId] ?? []), entry].slice(-MAX_CHAT_ENTRIES);
    this.store.update({ roomChats: { ...chats, [roomId]: list } });
  }

  private setDelivery(roomId: string, id: string, delivery: ChatEntry['delivery']): void {
    const chats = this.store.state.roomChats;
    const list = chats[roomId];
    if (!list) return;
    this.store.update({ roomChats: { ...chats, [roomId]: list.map((c) => (c.id === id && c.fromMe ? { ...c, delivery } : c)) } });
  }
}
