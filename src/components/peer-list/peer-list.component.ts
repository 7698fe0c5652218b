import { html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { SessionConsumer } from '../session-consumer.js';
import { PRESENCE_STATUSES, type Presence, type PresenceStatus, type Room } from '../../protocol/index.js';
import type { SessionState } from '../../core/types.js';
import { createRtcEvent } from '../../events.js';
import { nameTags, renderName, textAbout } from '../names.js';
import { texts } from '../../core/texts.js';
import { tokens, controls, listSection } from '../../styles/tokens.js';
import { icon } from '../../styles/icons.js';
import { avatarStyles, initial } from '../../styles/avatar.js';
import { peerListStyles } from './peer-list.styles.js';

/** Parts of `rtc-peer-list`, re-exported by `<rtc-call>`. */
export const PEER_LIST_PARTS = [
  'peer-list',
  'status-select',
  'room-select',
  'peer',
  'peer-select',
  'peer-name',
  'peer-status',
  'guest-tag',
  'unread',
  'call-button',
  'audio-call',
  'video-call',
  'empty',
] as const;

/** Each status in words. */
export const STATUS_LABELS: Record<PresenceStatus, string> = texts.ui.peerList.statuses;

const words = texts.ui.peerList;
const roomWords = texts.ui.rooms;

/** A room as the switcher names it: the lobby and personal rooms in the visitor's words, others by their name. */
export function roomLabel(room: Room, me: string | undefined): string {
  if (room.kind === 'lobby') return roomWords.lobby;
  if (room.kind === 'personal') return room.owner === me ? roomWords.myPersonal : roomWords.personal(room.name);
  return room.name;
}

/** The people the list shows: the chosen room's, or everyone with an older backend (no rooms). */
export function shownPeers(state: SessionState): Presence[] {
  const ids = state.room === null ? undefined : state.roomPeers[state.room];
  if (!ids) return state.room === null ? state.peers : [];
  const inRoom = new Set(ids);
  return state.peers.filter((p) => inRoom.has(p.id));
}

/**
 * @summary The people online, live, with one-click audio and video calls, unread chat counts and the visitor's own status.
 *
 * With rooms (PROTOCOL.md §4) it lists the people of one room; a visitor in more than one room
 * picks which with the room switcher, each room shown with how many people are online in it.
 *
 * @event rtc-peer-select - A person was picked to chat with; `detail.peerId`.
 *
 * @csspart peer-list - The wrapper.
 * @csspart status-select - The visitor's own status selector.
 * @csspart room-select - The room switcher (shown when the visitor is in more than one room).
 * @csspart peer - One person (list item).
 * @csspart peer-select - The button with the person's name that opens the chat with them.
 * @csspart peer-name - The person's name.
 * @csspart peer-status - The person's status in words.
 * @csspart guest-tag - The "guest" mark of a person who came by an invite link without an account.
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
  static override styles = [tokens, controls, listSection, avatarStyles, peerListStyles];

  /** The person whose chat is open (highlighted). */
  @property({ attribute: 'selected-peer' }) selectedPeer = '';

  /** Whether the video call button is offered (the root's `video` attribute). */
  @property({ type: Boolean }) video = true;

  override render() {
    const state = this.sessionState.state;
    if (!state) return nothing;
    const inCall = state.call !== null && state.call.phase !== 'ended';
    const tags = nameTags(state.peers);
    const peers = shownPeers(state);
    return html`
      <section part="peer-list" aria-labelledby="people">
        <div class="me">
          <label for="status">${words.myStatus}</label>
          <select id="status" part="status-select" .value=${state.status} @change=${this.onStatus}>
            ${PRESENCE_STATUSES.map((s) => html`<option value=${s} ?selected=${s === state.status}>${STATUS_LABELS[s]}</option>`)}
          </select>
        </div>
        ${state.rooms.length > 1 ? this.renderRooms(state) : nothing}
        <h2 id="people" class="list-heading">${words.online(peers.length)}</h2>
        ${
          peers.length === 0
            ? html`<p class="empty" part="empty">${state.rooms.length > 1 ? roomWords.emptyRoom : words.empty}</p>`
            : html`<ul class="list">
                ${repeat(
                  peers,
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
            <span class="status"
              ><span part="peer-status">${status}</span>${
                peer.guest ? html` · <span class="guest" part="guest-tag">${roomWords.guest}</span>` : nothing
              }</span
            >
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

  /** The room switcher: a labelled select (keyboard and screen readers for free), each room with its online count. */
  private renderRooms(state: SessionState) {
    const me = state.user?.id;
    return html`<div class="rooms">
      <label for="room">${roomWords.label}</label>
      <select id="room" part="room-select" .value=${state.room ?? ''} @change=${this.onRoom}>
        ${state.rooms.map(
          (room) =>
            html`<option value=${room.id} ?selected=${room.id === state.room}>
              ${roomWords.option(roomLabel(room, me), state.roomPeers[room.id]?.length ?? 0)}
            </option>`,
        )}
      </select>
    </div>`;
  }

  private onRoom(event: Event) {
    const roomId = (event.target as HTMLSelectElement).value;
    void this.attempt('rooms', (s) => s.selectRoom(roomId));
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
