import { html, nothing, type PropertyValues } from 'lit';
import { property, query } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { SessionConsumer } from '../session-consumer.js';
import type { ChatEntry } from '../../core/types.js';
import { MAX_CHAT_TEXT_LENGTH, isValidChatText } from '../../protocol/index.js';
import { tokens, controls } from '../../styles/tokens.js';
import { icon } from '../../styles/icons.js';
import { sessionNameTags, renderAbout, renderName, renderText, textAbout } from '../names.js';
import { texts } from '../../core/texts.js';
import { formatClockTime } from '../../core/formats.js';
import { chatStyles } from './chat.styles.js';
import { FILE_TRANSFER_PARTS } from '../file-transfer/file-transfers.component.js';
import '../file-transfer/file-transfers.js';

/** Parts of `rtc-chat`, re-exported by `<rtc-call>`. */
export const CHAT_PARTS = [
  'chat',
  'chat-header',
  'messages',
  'message',
  'message-mine',
  'message-theirs',
  'message-meta',
  'message-text',
  'message-failed',
  'message-waiting',
  'message-later',
  'message-withdraw',
  'chat-form',
  'chat-input',
  'chat-send',
  'chat-error',
] as const;

const words = texts.ui.chat;
const away = texts.ui.away;

/**
 * The `<time>` of a message, or nothing when `ts` is no date. A render must not
 * throw on a message: `toISOString()` of an invalid date threw "Invalid time
 * value", Lit stopped half-way through the update, and the panel kept the
 * previous conversation's messages and input under the new person's title — a
 * reply meant for one person went to another.
 */
export function renderTime(ts: number) {
  const when = new Date(ts);
  if (!Number.isFinite(when.getTime())) return nothing;
  return html` · <time datetime=${when.toISOString()}>${formatClockTime(ts)}</time>`;
}

/**
 * @summary The text conversation with one person, with or without a call.
 *
 * Messages are always rendered as text (never HTML), with sender and time; a
 * message that could not be delivered is marked. New messages are announced
 * through a polite live region, and shown messages are marked read.
 *
 * @csspart chat - The chat panel.
 * @csspart chat-header - The heading naming the other person.
 * @csspart messages - The message list (a live log).
 * @csspart message - One message.
 * @csspart message-mine - One message sent by the visitor.
 * @csspart message-theirs - One message received.
 * @csspart message-meta - Sender and time of a message.
 * @csspart message-text - The text of a message.
 * @csspart message-failed - The "not delivered" marker (also: expired while waiting).
 * @csspart message-waiting - The "waiting: delivered when they sign in" marker of an own message kept for someone offline.
 * @csspart message-later - The "delivered later" marker of a message kept while the visitor was away.
 * @csspart message-withdraw - The button that takes back a waiting message.
 * @csspart chat-form - The form with the input and the send button.
 * @csspart chat-input - The message input.
 * @csspart chat-send - The send button.
 * @csspart chat-error - Why the last message could not be sent.
 *
 * @cssproperty --rtc-chat-own-bg - Background of own messages. Defaults to `--rtc-color-accent`.
 * @cssproperty --rtc-chat-own-fg - Text colour of own messages.
 * @cssproperty --rtc-chat-their-bg - Background of received messages. Defaults to `--rtc-color-surface`.
 * @cssproperty --rtc-chat-their-fg - Text colour of received messages.
 * @cssproperty --rtc-chat-height - Height of the panel (360px).
 */
export class RtcChat extends SessionConsumer {
  static override styles = [tokens, controls, chatStyles];

  /** The id of the person to chat with. */
  @property({ attribute: 'peer-id' }) peerId = '';

  @query('.messages') private list?: HTMLElement;
  @query('input') private input?: HTMLInputElement;

  private shownCount = 0;
  /** Unsent text per person: a draft typed to one person never stays in the input of another's chat. */
  private readonly drafts = new Map<string, string>();

  /** Names seen in the people list: a person who just went offline keeps theirs here (messages while away). */
  private readonly seenNames = new Map<string, string>();

  /** From the people list, or from the call when the person just went offline, or as this panel or the conversation last knew it. */
  private get peerName(): string {
    const state = this.sessionState.state;
    const call = state?.call;
    const online = state?.peers.find((p) => p.id === this.peerId)?.name;
    if (online !== undefined) {
      this.seenNames.set(this.peerId, online);
      return online;
    }
    if (call?.peer.id === this.peerId) return call.peer.name;
    return (
      this.seenNames.get(this.peerId) ??
      state?.chats[this.peerId]?.findLast((m) => m.name)?.name ??
      // Opened from "Recently" in the people list: the call history knows the name.
      state?.history.entries.find((e) => e.peer.id === this.peerId)?.peer.name ??
      ''
    );
  }

  override render() {
    const state = this.sessionState.state;
    if (!state || !this.peerId) return nothing;
    const messages = state.chats[this.peerId] ?? [];
    const peerName = this.peerName || words.thisPerson;
    // Another person online with this name: the title and every message say which one this is.
    const tag = sessionNameTags(state).get(this.peerId);
    const about = (sentence: (name: string) => string) => textAbout(sentence, peerName, tag);
    const online = state.peers.some((p) => p.id === this.peerId);
    // Someone online: the message goes over MQTT, queued while the link is reconnecting (sent after
    // it, or marked not sent). Someone offline still gets one while we are online: the backend
    // keeps it for their next sign-in (PROTOCOL.md §8).
    const canSend = online || state.connection === 'online';
    const error = this.errorAt('chat');
    return html`
      <section part="chat" aria-labelledby="chat-title">
        <h2 id="chat-title" part="chat-header">${renderAbout(words.title, peerName, tag)}</h2>
        <div part="messages" class="messages" role="log" aria-live="polite" aria-label=${about(words.log)} tabindex="0">
          ${messages.length === 0 ? html`<p class="empty">${words.empty}</p>` : nothing}
          <ol>
            ${repeat(
              messages,
              // Ids are chosen by senders: theirs may equal one of ours, and repeat needs unique keys.
              (m) => `${m.fromMe ? 'mine' : 'theirs'}:${m.id}`,
              (m) => this.renderMessage(m, peerName, tag),
            )}
          </ol>
        </div>
        <rtc-file-transfers exportparts=${FILE_TRANSFER_PARTS.join(', ')} peer-id=${this.peerId}></rtc-file-transfers>
        ${error ? html`<p class="error" part="chat-error" role="alert">${renderText(error.message)}</p>` : nothing}
        <form part="chat-form" @submit=${this.onSubmit}>
          <label for="chat-input" class="visually-hidden">${about(words.inputLabel)}</label>
          <input
            id="chat-input"
            part="chat-input"
            autocomplete="off"
            maxlength=${MAX_CHAT_TEXT_LENGTH}
            placeholder=${about(online ? words.placeholder : canSend ? away.placeholder : words.offline)}
            ?disabled=${!canSend}
          />
          <button type="submit" class="primary" part="chat-send" ?disabled=${!canSend}>${icon('send')}${words.send}</button>
        </form>
      </section>
    `;
  }

  /**
   * One message: the header (sender · time) above and outside the bubble, the text
   * inside it. Line breaks are kept — a message may need several lines — but a body
   * cannot pass for the widget's own lines: the bubble is one bounded box (border and
   * background) that holds the whole text, its lines are bidi-isolated, and the only
   * "Name · 10:42" lines outside a bubble are headers the widget wrote.
   */
  private renderMessage(m: ChatEntry, peerName: string, tag: string | undefined) {
    const classes = `${m.fromMe ? 'mine' : 'theirs'} ${m.delivery}`;
    return html`<li part="message ${m.fromMe ? 'message-mine' : 'message-theirs'}" class=${classes}>
      <span class="meta" part="message-meta">${m.fromMe ? words.you : renderName(peerName, tag)}${renderTime(m.ts)}</span>
      <span class="bubble" part="message-text">${m.text}</span>
      ${this.renderDelivery(m)}
    </li>`;
  }

  /** Under a message: not delivered, waiting for someone offline (and taking it back), or delivered later. */
  private renderDelivery(m: ChatEntry) {
    if (m.delivery === 'failed') return html`<span part="message-failed">${words.notDelivered}</span>`;
    if (m.delivery === 'expired') return html`<span part="message-failed">${away.expired}</span>`;
    if (m.later) return html`<span part="message-later" class="note">${away.later}</span>`;
    if (m.delivery !== 'waiting') return nothing;
    return html`<span part="message-waiting" class="note">${away.waiting}</span>
      <button type="button" part="message-withdraw" class="link" aria-label=${away.withdrawLabel} @click=${() => this.withdraw(m.id)}>
        ${away.withdraw}
      </button>`;
  }

  private async withdraw(id: string) {
    await this.attempt('chat', (s) => s.withdrawChat(this.peerId, id));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // An incoming call switches the panel to the caller, maybe while the visitor types to someone else.
    const previous = changed.get('peerId');
    if (changed.has('peerId') && previous !== undefined && this.input) {
      this.drafts.set(previous, this.input.value);
      this.input.value = this.drafts.get(this.peerId) ?? '';
      this.drafts.delete(this.peerId);
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const state = this.sessionState.state;
    if (!state || !this.peerId) return;
    const count = state.chats[this.peerId]?.length ?? 0;
    if (count !== this.shownCount || changed.has('peerId')) {
      this.shownCount = count;
      this.list?.scrollTo({ top: this.list.scrollHeight });
    }
    // Shown means read: clear the unread count of the open conversation.
    if ((state.unread[this.peerId] ?? 0) > 0) this.session?.markRead(this.peerId);
  }

  private async onSubmit(event: SubmitEvent) {
    event.preventDefault();
    const input = this.input;
    if (!input || !this.session || !this.peerId) return;
    const text = input.value;
    if (!isValidChatText(text)) return;
    input.value = '';
    // A failed message stays in the conversation, marked "Not delivered", and the reason shows below it.
    await this.attempt('chat', (s) => s.sendChat(this.peerId, text));
  }
}
