import { html, nothing, type PropertyValues } from 'lit';
import { state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { live } from 'lit/directives/live.js';
import { SessionConsumer } from '../session-consumer.js';
import { nameTags, renderAbout, renderName, renderText, textAbout } from '../names.js';
import { roomLabel } from '../peer-list/peer-list.component.js';
import type { GroupCallView, GroupMemberView, SessionApi, SessionState } from '../../core/types.js';
import type { ErrorScope } from '../errors.js';
import { renderDevicesPanel, renderDevicesToggle, renderMediaToggles } from '../call-controls/media-toggles.js';
import { texts } from '../../core/texts.js';
import { tokens, controls } from '../../styles/tokens.js';
import { icon } from '../../styles/icons.js';
import { avatarStyles, initial } from '../../styles/avatar.js';
import { callControlsStyles } from '../call-controls/call-controls.styles.js';
import { groupCallStyles } from './group-call.styles.js';
import { playOnChosenSpeaker } from '../speaker.js';
import { GROUP_CALL_PARTS } from './group-call.parts.js';

export { GROUP_CALL_PARTS };

const words = texts.ui.groupCall;

/** Who joined and who left between two views of the same call, by user (a seat changes when someone rejoins). */
export function membershipChanges(
  before: ReadonlyMap<string, string>,
  after: readonly GroupMemberView[],
): { joined: string[]; left: string[] } {
  const now = new Map(after.filter((m) => !m.me).map((m) => [m.user, m.name]));
  return {
    joined: [...now].filter(([user]) => !before.has(user)).map(([, name]) => name),
    left: [...before].filter(([user]) => !now.has(user)).map(([, name]) => name),
  };
}

/** The room's name as the room switcher says it ("Lobby", "Design team"). */
function roomName(state: SessionState, roomId: string): string {
  const room = state.rooms.find((r) => r.id === roomId);
  return room ? roomLabel(room, state.user?.id) : roomId;
}

/**
 * @summary The group call in a room: a tile per person (1–6) with their name, mute and camera-off marks and link state, the active speaker highlighted, a shared screen shown large, and the controls.
 *
 * Renders `state.groupCall` and nothing while there is none. Each tile is a labelled group; your own
 * tile is muted and mirrored like the 1:1 preview. While someone shares a screen, the screen fills the
 * stage and the cameras become a strip of thumbnails. On a narrow container (a phone) the grid has at
 * most two columns. People joining and leaving, and a screen being shared, are announced in a polite live region.
 *
 * @csspart group-call - The whole group call (a labelled section).
 * @csspart grid - The tiles while nobody shares a screen (`data-count` holds the number of tiles).
 * @csspart tile - One person's tile (a group named after them); `data-state` holds connecting, connected, interrupted or lost.
 * @csspart tile-me - Your own tile.
 * @csspart tile-speaking - The tile of the active speaker.
 * @csspart tile-video - The video of a tile (it also plays the person's sound; yours is muted and mirrored).
 * @csspart tile-placeholder - The initial shown instead of a video (camera off, audio only, not arrived yet).
 * @csspart tile-name - The name on a tile.
 * @csspart tile-indicator - Every mark on a tile.
 * @csspart tile-muted - Shown while the person's microphone is off.
 * @csspart tile-camera-off - Shown while the person's camera is off.
 * @csspart tile-sharing - Shown on the tile of the person sharing a screen.
 * @csspart tile-state - The link's state on a tile: "Connecting…", "Reconnecting…" (with a spinner), "Connection lost".
 * @csspart screen - The shared screen, large.
 * @csspart screen-video - The video of the shared screen (muted: its sound plays from the sharer's tile).
 * @csspart screen-name - Whose screen it is.
 * @csspart thumbnails - The strip of camera tiles below a shared screen.
 * @csspart group-status - The live region announcing who joined and who left.
 * @csspart controls - The button bar.
 * @csspart group-controls - The button bar of the group call (also `controls`, like the 1:1 call's bar).
 * @csspart control - Every button.
 * @csspart mic-toggle - Mute / unmute the microphone (`aria-pressed="true"` when muted).
 * @csspart camera-toggle - Camera off / on (`aria-pressed="true"` when off).
 * @csspart screen-toggle - Share the screen / stop (`aria-pressed="true"` while sharing).
 * @csspart leave - Leave the call (the others carry on).
 * @csspart devices-toggle - Opens and closes the device settings (`aria-expanded="true"` while open).
 * @csspart devices-panel - The panel with `rtc-device-settings` (camera, microphone, speaker), below the buttons.
 * @csspart error - Every error message (here the same element as `call-error`).
 * @csspart call-error - Why the call or a camera, microphone or screen action failed, below the buttons.
 *
 * @cssproperty --rtc-group-call-bg - Background behind the tiles (#0d1117).
 * @cssproperty --rtc-group-call-fg - Text colour on the tiles.
 * @cssproperty --rtc-group-call-speaking-color - Outline of the active speaker's tile. Defaults to `--rtc-color-success`.
 * @cssproperty --rtc-group-call-gap - Space between tiles. Defaults to `--rtc-spacing`.
 * @cssproperty --rtc-group-call-thumbnail-width - Width of a thumbnail below a shared screen (160px).
 * @cssproperty --rtc-call-controls-bg - Background of the button bar. Defaults to `--rtc-color-surface`.
 * @cssproperty --rtc-call-controls-pressed-bg - Background of a pressed toggle. Defaults to `--rtc-color-fg`.
 * @cssproperty --rtc-call-controls-pressed-fg - Text colour of a pressed toggle. Defaults to `--rtc-color-bg`.
 */
export class RtcGroupCall extends SessionConsumer {
  static override styles = [tokens, controls, avatarStyles, callControlsStyles, groupCallStyles];

  /** The device settings panel is open. */
  @state() private devicesOpen = false;

  /** The call whose members are known, and its members (user → name) at the last render. */
  private knownCall: string | null = null;
  private known = new Map<string, string>();
  private knownSharing: number | null = null;
  /** The last joins and leaves, said by the live region. */
  private announcement = '';

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.followMembers(this.sessionState.state?.groupCall ?? null);
  }

  /** Keeps track of who is in the call; joins and leaves after the first view of a call are announced. */
  private followMembers(call: GroupCallView | null): void {
    if (!call || call.callId !== this.knownCall) {
      this.knownCall = call?.callId ?? null;
      this.known = new Map((call?.members ?? []).filter((m) => !m.me).map((m) => [m.user, m.name]));
      this.knownSharing = call?.sharing ?? null;
      this.announcement = '';
      return;
    }
    const { joined, left } = membershipChanges(this.known, call.members);
    // Someone else's screen taking the stage changes the whole layout: said too.
    const sharer = call.sharing !== this.knownSharing ? call.members.find((m) => m.seat === call.sharing && !m.me) : undefined;
    const news = [...joined.map(words.joined), ...left.map(words.left), ...(sharer ? [words.sharing(sharer.name)] : [])];
    if (news.length) this.announcement = news.join('. ');
    this.known = new Map(call.members.filter((m) => !m.me).map((m) => [m.user, m.name]));
    this.knownSharing = call.sharing;
  }

  /** Everyone else's sound plays on the chosen speaker (mine is muted). */
  override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const devices = this.sessionState.state?.devices;
    for (const video of this.renderRoot.querySelectorAll<HTMLVideoElement>('[part~="tile-video"]')) {
      if (!video.muted) void playOnChosenSpeaker(video, devices);
    }
  }

  override render() {
    const state = this.sessionState.state;
    const call = state?.groupCall;
    if (!state || !call) return nothing;
    const tags = nameTags(call.members.map((m) => ({ id: m.user, name: m.name })));
    const sharer = call.sharing === null ? undefined : call.members.find((m) => m.seat === call.sharing);
    // A device lost mid-call is said once: by the open device settings, else below the buttons.
    const error = this.errorAt('call-controls');
    const said = this.devicesOpen && error?.message === state.devices.notice;
    return html`
      <section part="group-call" class=${sharer ? 'sharing' : ''} aria-label=${words.label(roomName(state, call.roomId))}>
        ${
          sharer
            ? html`${this.renderScreen(sharer, tags.get(sharer.user))}
                <div part="thumbnails" class="thumbnails">${this.renderTiles(call, tags, sharer)}</div>`
            : html`<div part="grid" class="grid" data-count=${call.members.length}>${this.renderTiles(call, tags, undefined)}</div>`
        }
        <div part="group-status" class="visually-hidden" role="status" aria-live="polite">${renderText(this.announcement)}</div>
      </section>
      ${this.renderControls(call)} ${this.devicesOpen ? renderDevicesPanel(this.session) : nothing}
      ${error && !said ? html`<p class="error" part="error call-error" role="alert">${renderText(error.message)}</p>` : nothing}
    `;
  }

  private renderTiles(call: GroupCallView, tags: Map<string, string>, sharer: GroupMemberView | undefined) {
    return repeat(
      call.members,
      (m) => m.seat,
      (m) => this.renderTile(m, tags.get(m.user), m === sharer),
    );
  }

  /** The shared screen, large; muted, since the sharer's tile plays their sound. */
  private renderScreen(sharer: GroupMemberView, tag: string | undefined) {
    const label = sharer.me ? words.yourScreen : textAbout(words.screen, sharer.name, tag);
    return html`<figure part="screen" class="screen">
      <video part="screen-video" aria-label=${label} autoplay playsinline muted .muted=${true} .srcObject=${live(sharer.stream)}></video>
      <figcaption part="screen-name">${sharer.me ? words.yourScreen : renderAbout(words.screen, sharer.name, tag)}</figcaption>
    </figure>`;
  }

  // `.srcObject` goes through live(), as in rtc-video-stage: re-assigning the same stream on every
  // session change would restart the video's load.
  private renderTile(m: GroupMemberView, tag: string | undefined, sharer: boolean) {
    const about = (sentence: (name: string) => string) => textAbout(sentence, m.name, tag);
    // A sharer's picture is the screen, shown large: their tile keeps their sound and shows their initial.
    const showVideo = m.stream !== null && !sharer && (m.media.video || m.media.screen) && m.state !== 'lost';
    const parts = ['tile', m.me ? 'tile-me' : '', m.speaking ? 'tile-speaking' : ''].filter(Boolean).join(' ');
    return html`<div
      part=${parts}
      class="tile ${m.speaking ? 'speaking' : ''}"
      role="group"
      aria-label=${m.me ? about(words.tileMe) : about(words.tile)}
      data-seat=${m.seat}
      data-state=${m.state}
    >
      <video
        part="tile-video"
        class=${m.me && !m.media.screen ? 'mirror' : ''}
        aria-label=${m.me ? words.yourVideo : about(words.video)}
        autoplay
        playsinline
        ?muted=${m.me}
        .muted=${m.me}
        .srcObject=${live(m.state === 'lost' ? null : m.stream)}
        ?hidden=${!showVideo}
      ></video>
      ${showVideo ? nothing : html`<div part="tile-placeholder" class="placeholder" aria-hidden="true"><span class="avatar">${initial(m.name)}</span></div>`}
      ${this.renderTileState(m)}
      <div class="caption">
        <span part="tile-name" class="name">${m.me ? renderAbout(words.tileMe, m.name, tag) : renderName(m.name, tag)}</span>
        ${m.media.audio ? nothing : this.renderMark('tile-muted', 'micOff', about(words.muted))}
        ${m.media.video || m.media.screen ? nothing : this.renderMark('tile-camera-off', 'videoOff', about(words.cameraOff))}
        ${m.media.screen ? this.renderMark('tile-sharing', 'screen', about(words.sharing)) : nothing}
      </div>
    </div>`;
  }

  private renderMark(part: string, name: Parameters<typeof icon>[0], label: string) {
    return html`<span part="tile-indicator ${part}" class="mark" role="img" aria-label=${label} title=${label}>${icon(name)}</span>`;
  }

  /** Said on the tile while the link is not (or no longer) carrying media; nothing once connected. */
  private renderTileState(m: GroupMemberView) {
    if (m.me || m.state === 'connected') return nothing;
    return html`<div part="tile-state" class="state ${m.state}">
      ${m.state === 'lost' ? nothing : html`<span class="spinner" aria-hidden="true"></span>`}${words.states[m.state]}
    </div>`;
  }

  private renderControls(call: GroupCallView) {
    const local = call.members.find((m) => m.me)?.media ?? { audio: false, video: false, screen: false };
    const attempt = (scope: ErrorScope, action: (session: SessionApi) => unknown) => this.attempt(scope, action);
    // One screen at a time: the view has one `sharing` seat.
    const someoneElseShares = call.sharing !== null && !local.screen;
    return html`<div part="controls group-controls" role="toolbar" aria-label=${words.controls}>
      ${renderMediaToggles(local, attempt, someoneElseShares)}
      ${renderDevicesToggle(this.devicesOpen, () => (this.devicesOpen = !this.devicesOpen))}
      <button
        type="button"
        class="danger"
        part="control leave"
        title=${words.leaveTitle}
        @click=${() => this.attempt('call', (s) => s.leaveGroupCall())}
      >
        ${icon('hangup')}<span class="label">${words.leave}</span>
      </button>
    </div>`;
  }
}
