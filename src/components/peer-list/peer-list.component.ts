import { html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { SessionConsumer } from '../session-consumer.js';
import { PRESENCE_STATUSES, type Presence, type PresenceStatus } from '../../protocol/index.js';
import { createRtcEvent } from '../../events.js';
import { nameTags, renderName, textAbout } from '../names.js';
import { texts } from '../../core/texts.js';
import { tokens, controls } from '../../styles/tokens.js';
import { icon } from '../../styles/icons.js';
import { avatarStyles, initial } from '../../styles/avatar.js';
import { peerListStyles } from './peer-list.styles.js';

/** Parts of `rtc-peer-list`, re-exported by `<rtc-call>`. */
export const PEER_LIST_PARTS = [
  'peer-list',
  'status-select',
  'peer',
  'peer-select',
  'peer-name',
  'peer-status',
  'unread',
  'call-button',
  'audio-call',
  'video-call',
  'empty',
] as const;

/** Each status in words. */
export const STATUS_LABELS: Record<PresenceStatus, string> = texts.ui.peerList.statuses;

const words = texts.ui.peerList;

/**
 * @summary The people online, live, with one-click audio and video calls, unread chat counts and the visitor's own status.
 *
 * @event rtc-peer-select - A person was picked to chat with; `detail.peerId`.
 *
 * @csspart peer-list - The wrapper.
 * @csspart status-select - The visitor's own status selector.
 * @csspart peer - One person (list item).
 * @csspart peer-select - The button with the person's name that opens the chat with them.
 * @csspart peer-name - The person's name.
 * @csspart peer-status - The person's status in words.
 * @csspart unread - The unread chat message count.
 * @csspart call-button - Both call buttons of a person.
 * @csspart audio-call - The audio call button.
 * @csspart video-call - The video call button.
 * @csspart empty - The text shown when nobody else is online.
 *
 * @cssproperty --rtc-peer-list-available-color - Status dot of available people. Defaults to `--rtc-color-success`.
 * @cssproperty --rtc-peer-list-busy-color - Status dot of busy people. Defaults to `--rtc-color-danger`.
 * @cssproperty --rtc-peer-list-away-color - Status dot of people away. Defaults to `--rtc-color-warning`.
 * @cssproperty --rtc-peer-list-avatar-bg - Background of the initials avatar.
 */
export class RtcPeerList extends SessionConsumer {
  static override styles = [tokens, controls, avatarStyles, peerListStyles];

  /** The person whose chat is open (highlighted). */
  @property({ attribute: 'selected-peer' }) selectedPeer = '';

  /** Whether the video call button is offered (the root's `video` attribute). */
  @property({ type: Boolean }) video = true;

  override render() {
    const state = this.sessionState.state;
    if (!state) return nothing;
    const inCall = state.call !== null && state.call.phase !== 'ended';
    const tags = nameTags(state.peers);
    return html`
      <section part="peer-list" aria-labelledby="people">
        <div class="me">
          <label for="status">${words.myStatus}</label>
          <select id="status" part="status-select" .value=${state.status} @change=${this.onStatus}>
            ${PRESENCE_STATUSES.map((s) => html`<option value=${s} ?selected=${s === state.status}>${STATUS_LABELS[s]}</option>`)}
          </select>
        </div>
        <h2 id="people">${words.online(state.peers.length)}</h2>
        ${
          state.peers.length === 0
            ? html`<p class="empty" part="empty">${words.empty}</p>`
            : html`<ul>
                ${repeat(
                  state.peers,
                  (p) => p.id,
                  (p) => this.renderPeer(p, tags.get(p.id), state.unread[p.id] ?? 0, inCall),
                )}
              </ul>`
        }
      </section>
    `;
  }

  private renderPeer(peer: Presence, tag: string | undefined, unread: number, inCall: boolean) {
    const status = STATUS_LABELS[peer.status];
    const about = (sentence: (name: string) => string) => textAbout(sentence, peer.name, tag);
    const selected = peer.id === this.selectedPeer;
    return html`
      <li part="peer" class=${selected ? 'selected' : ''} data-peer-id=${peer.id}>
        <button
          type="button"
          class="who"
          part="peer-select"
          aria-pressed=${selected ? 'true' : 'false'}
          title=${about(words.chatWith)}
          @click=${() => this.select(peer.id)}
        >
          <span class="avatar" aria-hidden="true">${initial(peer.name)}<span class="dot ${peer.status}"></span></span>
          <span class="text">
            <span class="name" part="peer-name">${renderName(peer.name, tag)}</span>
            <span class="status" part="peer-status">${status}</span>
          </span>
          ${unread ? html`<span class="unread" part="unread">${unread}<span class="visually-hidden">${words.unread}</span></span>` : nothing}
        </button>
        <span class="actions">
          ${this.renderCallButton(peer.id, about(words.audioCall), false, inCall)}
          ${this.video ? this.renderCallButton(peer.id, about(words.videoCall), true, inCall) : nothing}
        </span>
      </li>
    `;
  }

  private renderCallButton(peerId: string, label: string, video: boolean, inCall: boolean) {
    return html`<button
      type="button"
      class="icon"
      part="call-button ${video ? 'video-call' : 'audio-call'}"
      title=${label}
      aria-label=${label}
      ?disabled=${inCall}
      @click=${() => this.call(peerId, video)}
    >
      ${icon(video ? 'video' : 'phone')}
    </button>`;
  }

  private onStatus(event: Event) {
    const status = (event.target as HTMLSelectElement).value as PresenceStatus;
    void this.attempt('connection', (s) => s.setStatus(status));
  }

  private select(peerId: string) {
    this.selectedPeer = peerId;
    this.dispatchEvent(createRtcEvent('rtc-peer-select', { peerId }));
  }

  private call(peerId: string, video: boolean) {
    void this.attempt('call', (s) => s.call(peerId, { audio: true, video }));
  }
}
