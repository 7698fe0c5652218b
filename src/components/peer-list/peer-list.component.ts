import { html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { SessionConsumer } from '../session-consumer.js';
import { PRESENCE_STATUSES, type Presence, type PresenceStatus, type Room } from '../../protocol/index.js';
import { allowsGroupCalls } from '../../protocol/group-calls.js';
import type { RoomCallSummary, SessionState } from '../../core/types.js';
import { createRtcEvent } from '../../events.js';
import { recentPeople } from '../../core/recent-people.js';
import { nameTags, renderName, renderText, textAbout } from '../names.js';
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
  'room-call',
  'room-call-text',
  'join-call',
  'join-audio-only',
  'call-full',
  'call-full-video',
  'start-room-call',
  'add-to-call',
  'recent-heading',
  'recent-list',
  'recent',
  'recent-select',
  'recent-name',
  'group-ring',
  'group-ring-join',
  'group-ring-dismiss',
] as const;

/** Each status in words. */
export const STATUS_LABELS: Record<PresenceStatus, string> = texts.ui.peerList.statuses;

const words = texts.ui.peerList;
const roomWords = texts.ui.rooms;
const groupWords = texts.ui.groupCall;
const awayWords = texts.ui.away;

/** Seats with video in a room's call: the people in it with a camera and the free ones (MAX_CALL_SIZE, PROTOCOL.md §6). */
export function videoSeats(summary: RoomCallSummary): number {
  return Math.max(summary.members.length, summary.members.filter((m) => m.video).length + summary.free.video);
}

/**
 * Who in the room shown can be added to the visitor's call: during a connected 1:1 call or a group
 * call, in a room with group calls (PROTOCOL.md §6), everyone not in the call already.
 */
export function addableToCall(state: SessionState): (userId: string) => boolean {
  const room = state.rooms.find((r) => r.id === state.room);
  const call = state.call?.phase === 'connected' ? state.call : null;
  const group = state.groupCall;
  // A group call rings people of its own room only; a 1:1 call grows in a room all three share (the session picks it).
  if (!room || !allowsGroupCalls(room) || (!call && !group) || (group && group.roomId !== room.id)) return () => false;
  const inCall = new Set([...(call ? [call.peer.id] : []), ...(group?.members.map((m) => m.user) ?? [])]);
  return (userId) => !inCall.has(userId);
}

/** Whether a rejected join says that only an audio-only seat is left (PROTOCOL.md §6, `call_full_video`). */
const onlyAudioLeft = (reason: unknown): boolean =>
  typeof reason === 'object' && reason !== null && (reason as { code?: unknown }).code === 'call_full_video';

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
 * @csspart room-call - The banner of the call on in the room shown (PROTOCOL.md §6): who is in it, and joining.
 * @csspart room-call-text - "Call on: Ada, Bo (2 of 4)".
 * @csspart join-call - Joins the room's call (also the audio-only join).
 * @csspart join-audio-only - Joins with audio only: shown when only audio seats are left, or a join was refused for video.
 * @csspart call-full - "Call is full": no seat is left.
 * @csspart call-full-video - Says the video places are taken, above the audio-only join.
 * @csspart start-room-call - Starts a call with the room (rooms other than personal ones, no call on).
 * @csspart group-ring - Someone asks the visitor to join their room's call ("Ada asks you to join the call in Team"), an alert.
 * @csspart group-ring-join - Joins that call (audio only when only audio seats are left).
 * @csspart group-ring-dismiss - Closes the invitation without joining.
 * @csspart recent-heading - The "Recently" heading over people written to or called lately who are offline now.
 * @csspart recent-list - Their list.
 * @csspart recent - One of them (list item).
 * @csspart recent-select - The button with their name: opens the chat with them (the backend keeps what is written until they sign in).
 * @csspart recent-name - Their name.
 * @csspart add-to-call - During a connected call or a group call: rings the person to join it (a 1:1 call becomes a group call).
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

  /** The room whose call refused a join with video but has an audio-only seat: offered until the next join. */
  @state() private audioOnlyOffer: string | null = null;

  override render() {
    const state = this.sessionState.state;
    if (!state) return nothing;
    // One call at a time: no 1:1 call while a call or a group call is on.
    const inCall = (state.call !== null && state.call.phase !== 'ended') || state.groupCall !== null;
    const tags = nameTags(state.peers);
    const peers = shownPeers(state);
    const inviteable = addableToCall(state);
    return html`
      <section part="peer-list" aria-labelledby="people">
        <div class="me">
          <label for="status">${words.myStatus}</label>
          <select id="status" part="status-select" .value=${state.status} @change=${this.onStatus}>
            ${PRESENCE_STATUSES.map((s) => html`<option value=${s} ?selected=${s === state.status}>${STATUS_LABELS[s]}</option>`)}
          </select>
        </div>
        ${this.renderGroupRing(state)} ${state.rooms.length > 1 ? this.renderRooms(state) : nothing} ${this.renderRoomCall(state)}
        <h2 id="people" class="list-heading">${words.online(peers.length)}</h2>
        ${
          peers.length === 0
            ? html`<p class="empty" part="empty">${state.rooms.length > 1 ? roomWords.emptyRoom : words.empty}</p>`
            : html`<ul class="list">
                ${repeat(
                  peers,
                  (p) => p.id,
                  (p) => this.renderPeer(p, tags.get(p.id), state.unread[p.id] ?? 0, inCall, inviteable(p.id)),
                )}
              </ul>`
        }
        ${this.renderRecent(state)}
      </section>
    `;
  }

  /** People written to or called lately who are offline now: a chat with them is kept until they sign in. */
  private renderRecent(state: SessionState) {
    const recent = recentPeople(state);
    if (recent.length === 0) return nothing;
    return html`
      <h2 id="recent" class="list-heading" part="recent-heading">${awayWords.recent}</h2>
      <ul class="list" part="recent-list" aria-labelledby="recent">
        ${repeat(
          recent,
          (p) => p.id,
          (p) => {
            const selected = p.id === this.selectedPeer;
            const unread = state.unread[p.id] ?? 0;
            return html`<li part="recent" class=${selected ? 'selected' : ''} data-peer-id=${p.id}>
              <button
                type="button"
                class="who"
                part="recent-select"
                aria-pressed=${selected ? 'true' : 'false'}
                title=${awayWords.writeTo(p.name)}
                @click=${() => this.select(p.id)}
              >
                <span class="avatar" aria-hidden="true">${initial(p.name)}<span class="dot offline"></span></span>
                <span class="text">
                  <span class="name" part="recent-name">${renderName(p.name, undefined)}</span>
                  <span class="status">${awayWords.offline}</span>
                </span>
                ${unread ? html`<span class="unread" part="unread">${unread}<span class="visually-hidden">${words.unread}</span></span>` : nothing}
              </button>
            </li>`;
          },
        )}
      </ul>
    `;
  }

  private renderPeer(peer: Presence, tag: string | undefined, unread: number, inCall: boolean, addable: boolean) {
    // Do-not-disturb (PROTOCOL.md §7) is published as busy with `dnd`: said as itself.
    const status = peer.dnd ? texts.ui.callHistory.dndStatus : STATUS_LABELS[peer.status];
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
          ${
            addable
              ? html`<button
                  type="button"
                  class="icon"
                  part="add-to-call"
                  title=${about(groupWords.addToCall)}
                  aria-label=${about(groupWords.addToCall)}
                  @click=${() => this.attempt('call', (s) => s.addToCall(peer.id))}
                >
                  ${icon('userPlus')}
                </button>`
              : nothing
          }
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

  /**
   * The call of the room shown: who is in it and a join button (audio only when only audio seats
   * are left; none when the call is full), or a button starting one. Personal rooms have none.
   */
  private renderRoomCall(state: SessionState) {
    const room = state.rooms.find((r) => r.id === state.room);
    if (!room || !allowsGroupCalls(room)) return nothing;
    const summary = state.roomCalls[room.id];
    const busy = (state.call !== null && state.call.phase !== 'ended') || state.groupCall !== null;
    const label = roomLabel(room, state.user?.id);
    if (!summary) {
      return html`<button
        type="button"
        class="start-call"
        part="start-room-call"
        title=${groupWords.startTitle(label)}
        ?disabled=${busy}
        @click=${() => this.joinRoomCall(room.id, this.video)}
      >
        ${icon('video')}${groupWords.start}
      </button>`;
    }
    const names = groupWords.names(summary.members.map((m) => m.name));
    return html`<div part="room-call" class="room-call">
      <p part="room-call-text">${renderText(groupWords.callOn(names, summary.members.length, videoSeats(summary)))}</p>
      ${state.groupCall?.roomId === room.id ? html`<p>${groupWords.youAreIn}</p>` : this.renderJoin(summary, label, busy)}
    </div>`;
  }

  /** "Join my call" from someone of a room (`addToCall` on their side): join with one click, or close it. */
  private renderGroupRing(state: SessionState) {
    const ring = state.groupRing;
    if (!ring || state.groupCall) return nothing;
    const room = state.rooms.find((r) => r.id === ring.roomId);
    const label = room ? roomLabel(room, state.user?.id) : groupWords.someone;
    const summary = state.roomCalls[ring.roomId];
    const audioOnly = !this.video || this.audioOnlyOffer === ring.roomId || summary?.free.video === 0;
    return html`<div part="group-ring" class="room-call" role="alert">
      <p>${renderText(texts.ui.group.ring(ring.from.name, label))}</p>
      <div class="ring-actions">
        <button
          type="button"
          class="primary"
          part=${audioOnly ? 'group-ring-join join-audio-only' : 'group-ring-join'}
          @click=${() => this.joinRoomCall(ring.roomId, !audioOnly)}
        >
          ${icon(audioOnly ? 'phone' : 'video')}${audioOnly && this.video ? groupWords.joinAudioOnly : groupWords.join}
        </button>
        <button type="button" part="group-ring-dismiss" @click=${() => this.session?.dismissGroupRing()}>${groupWords.notNow}</button>
      </div>
    </div>`;
  }

  private renderJoin(summary: RoomCallSummary, label: string, busy: boolean) {
    const { free } = summary;
    if (free.total === 0) return html`<p part="call-full" class="full">${groupWords.full}</p>`;
    const videoFull = free.video === 0 && this.video;
    const audioOnly = free.video === 0 || this.audioOnlyOffer === summary.roomId || !this.video;
    return html`${videoFull ? html`<p part="call-full-video" class="full">${texts.ui.group.fullVideo}</p>` : nothing}<button
        type="button"
        class="primary"
        part=${audioOnly ? 'join-call join-audio-only' : 'join-call'}
        title=${groupWords.joinTitle(label)}
        ?disabled=${busy}
        @click=${() => this.joinRoomCall(summary.roomId, !audioOnly)}
      >
        ${icon(audioOnly ? 'phone' : 'video')}${audioOnly && this.video ? groupWords.joinAudioOnly : groupWords.join}
      </button>`;
  }

  /** Joins (or starts) the room's call; a refusal for video offers the audio-only join, and shows like other call errors. */
  private joinRoomCall(roomId: string, video: boolean) {
    this.audioOnlyOffer = null;
    void this.attempt('call', async (s) => {
      try {
        await s.joinGroupCall(roomId, { audio: true, video });
      } catch (reason) {
        if (onlyAudioLeft(reason)) this.audioOnlyOffer = roomId;
        throw reason;
      }
    });
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
