import { html, nothing, type PropertyValues } from 'lit';
import { property, query } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { SessionConsumer } from '../session-consumer.js';
import type { ChatEntry, SessionState } from '../../core/types.js';
import { MAX_CHAT_TEXT_LENGTH, isValidChatText } from '../../protocol/index.js';
import { tokens, controls } from '../../styles/tokens.js';
import { icon } from '../../styles/icons.js';
import { nameTags, renderName, renderText } from '../names.js';
import { roomLabel } from '../peer-list/peer-list.component.js';
import { renderTime } from '../chat/chat.component.js';
import { chatStyles } from '../chat/chat.styles.js';
import { texts } from '../../core/texts.js';
import { ROOM_CHAT_PARTS } from './room-chat.parts.js';

export { ROOM_CHAT_PARTS };

const words = texts.ui.groupCall;
const chatWords = texts.ui.chat;

/** The sender of a room message: the name it came with, else as the people online or the call name them. */
function senderName(m: ChatEntry, state: SessionState): string {
  return (
    m.name ??
    state.peers.find((p) => p.id === m.peerId)?.name ??
    state.groupCall?.members.find((p) => p.user === m.peerId)?.name ??
    words.someone
  );
}

/**
 * @summary The chat of a room (PROTOCOL.md §6): everyone in the room reads it, in a group call or not.
 *
 * The same panel as `rtc-chat`, for a room instead of one person: each message names its sender,
 * is rendered as text only, and new messages are announced through a polite live region.
 *
 * @csspart room-chat - The chat panel.
 * @csspart room-chat-header - The heading naming the room.
 * @csspart room-messages - The message list (a live log).
 * @csspart room-message - One message.
 * @csspart room-message-mine - One message sent by the visitor.
 * @csspart room-message-theirs - One message of someone else.
 * @csspart room-message-meta - Sender and time of a message.
 * @csspart room-message-text - The text of a message.
 * @csspart room-message-failed - The "not delivered" marker.
 * @csspart room-chat-form - The form with the input and the send button.
 * @csspart room-chat-input - The message input.
 * @csspart room-chat-send - The send button.
 * @csspart room-chat-error - Why the last message from this panel could not be sent.
 *
 * @cssproperty --rtc-chat-own-bg - Background of own messages. Defaults to `--rtc-color-accent`.
 * @cssproperty --rtc-chat-own-fg - Text colour of own messages.
 * @cssproperty --rtc-chat-their-bg - Background of received messages. Defaults to `--rtc-color-surface`.
 * @cssproperty --rtc-chat-their-fg - Text colour of received messages.
 * @cssproperty --rtc-chat-height - Height of the panel (360px).
 */
export class RtcRoomChat extends SessionConsumer {
  static override styles = [tokens, controls, chatStyles];

  /** The id of the room whose chat this is. */
  @property({ attribute: 'room-id' }) roomId = '';

  @query('.messages') private list?: HTMLElement;
  @query('input') private input?: HTMLInputElement;

  private shownCount = 0;

  override render() {
    const state = this.sessionState.state;
    const room = state?.rooms.find((r) => r.id === this.roomId);
    if (!state || !room) return nothing;
    const name = roomLabel(room, state.user?.id);
    const messages = state.roomChats[room.id] ?? [];
    const tags = nameTags(messages.filter((m) => !m.fromMe).map((m) => ({ id: m.peerId, name: senderName(m, state) })));
    const online = state.connection === 'online';
    const error = this.errorAt('room-chat');
    return html`
      <section part="room-chat" aria-labelledby="room-chat-title">
        <h2 id="room-chat-title" part="room-chat-header">${renderText(words.chatTitle(name))}</h2>
        <div part="room-messages" class="messages" role="log" aria-live="polite" aria-label=${words.chatLog(name)} tabindex="0">
          ${messages.length === 0 ? html`<p class="empty">${words.chatEmpty}</p>` : nothing}
          <ol>
            ${repeat(
              messages,
              (m) => `${m.fromMe ? 'mine' : `${m.peerId}`}:${m.id}`,
              (m) => this.renderMessage(m, senderName(m, state), tags.get(m.peerId)),
            )}
          </ol>
        </div>
        ${error ? html`<p class="error" part="room-chat-error" role="alert">${renderText(error.message)}</p>` : nothing}
        <form part="room-chat-form" @submit=${this.onSubmit}>
          <label for="room-chat-input" class="visually-hidden">${words.chatInput(name)}</label>
          <input
            id="room-chat-input"
            part="room-chat-input"
            autocomplete="off"
            maxlength=${MAX_CHAT_TEXT_LENGTH}
            placeholder=${words.chatInput(name)}
            ?disabled=${!online}
          />
          <button type="submit" class="primary" part="room-chat-send" ?disabled=${!online}>${icon('send')}${chatWords.send}</button>
        </form>
      </section>
    `;
  }

  /** One message, laid out as `rtc-chat` lays out its own (sender and time above the bubble). */
  private renderMessage(m: ChatEntry, sender: string, tag: string | undefined) {
    return html`<li
      part="room-message ${m.fromMe ? 'room-message-mine' : 'room-message-theirs'}"
      class="${m.fromMe ? 'mine' : 'theirs'} ${m.delivery}"
    >
      <span class="meta" part="room-message-meta">${m.fromMe ? chatWords.you : renderName(sender, tag)}${renderTime(m.ts)}</span>
      <span class="bubble" part="room-message-text">${m.text}</span>
      ${m.delivery === 'failed' ? html`<span part="room-message-failed">${chatWords.notDelivered}</span>` : nothing}
    </li>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const count = this.sessionState.state?.roomChats[this.roomId]?.length ?? 0;
    if (count !== this.shownCount || changed.has('roomId')) {
      this.shownCount = count;
      this.list?.scrollTo({ top: this.list.scrollHeight });
    }
  }

  private async onSubmit(event: SubmitEvent) {
    event.preventDefault();
    const input = this.input;
    const roomId = this.roomId;
    if (!input || !this.session || !roomId) return;
    const text = input.value;
    if (!isValidChatText(text)) return;
    input.value = '';
    await this.attempt('room-chat', (s) => s.sendRoomChat(roomId, text));
  }
}
