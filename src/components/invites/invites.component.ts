import { html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { SessionConsumer } from '../session-consumer.js';
import { NAME_MAX_LENGTH, type Invite } from '../../protocol/index.js';
import { inviteLink } from '../../core/invites.js';
import { texts } from '../../core/texts.js';
import { formatDateTime } from '../../core/formats.js';
import type { InviteOptions, SessionApi } from '../../core/types.js';
import { createRtcEvent } from '../../events.js';
import { tokens, controls, listSection, sidebarPanel } from '../../styles/tokens.js';
import { renderText } from '../names.js';
import { roomLabel } from '../peer-list/peer-list.component.js';
import { invitesStyles } from './invites.styles.js';
import { INVITES_PARTS } from './invites.parts.js';

export { INVITES_PARTS };

const words = texts.ui.invites;

/** Expiry choices in seconds; the first is the backend's default (7 days), so it is sent as nothing. */
const EXPIRY_CHOICES: Array<[keyof typeof words.expiry, number | undefined]> = [
  ['week', undefined],
  ['hour', 3_600],
  ['day', 86_400],
  ['month', 2_592_000],
];

/** What an invite is now: usable (`live`) or not, and in words: revoked, expired, used up, or when it expires. */
export function inviteCondition(invite: Invite, now: number): { live: boolean; text: string } {
  if (invite.revoked) return { live: false, text: words.revoked };
  if (invite.expiresAt <= now) return { live: false, text: words.expired };
  if (invite.maxUses !== null && invite.uses >= invite.maxUses) return { live: false, text: words.usedUp };
  return { live: true, text: words.expires(formatDateTime(invite.expiresAt)) };
}

/** The link to share for `code`: this page with the invite in its fragment. */
const linkFor = (code: string) => inviteLink(window.location.href, code);

/**
 * @summary Invite people: make a room and its link, make the visitor's "call me" link, and list, copy and revoke the invites made.
 *
 * Shown to signed-in people with an account (guests cannot invite). A link is the page the
 * widget is on with `#rtc-invite=<code>` in its fragment; whoever opens it joins the room, as
 * themselves or as a guest.
 *
 * @event rtc-invite-created - An invite was made; `detail.invite`, `detail.link` (the link to share).
 *
 * @csspart invites - The panel (a disclosure).
 * @csspart invites-toggle - The panel's summary, which opens and closes it.
 * @csspart new-room-name - The name input of a new room.
 * @csspart create-room - The button creating the room.
 * @csspart invite-expiry - The expiry choice of new links.
 * @csspart invite-max-uses - How many times a new link may be used (empty: no limit).
 * @csspart call-me - The button making the visitor's call-me link.
 * @csspart room-invite - The button making a new link to the group room shown in the list.
 * @csspart invite-link - The link just made (read-only text field).
 * @csspart copy-link - Every Copy link button.
 * @csspart invite-list - The list of the visitor's invites.
 * @csspart invite-item - One invite in the list.
 * @csspart invite-room - The room an invite is to.
 * @csspart invite-uses - How many times an invite was used, of how many.
 * @csspart invite-expires - When an invite expires, or that it expired, was revoked or is used up.
 * @csspart revoke - The button revoking an invite.
 * @csspart error - Why making or revoking an invite failed.
 *
 * @cssproperty --rtc-invites-bg - Background of the panel. Defaults to `--rtc-color-surface`.
 */
export class RtcInvites extends SessionConsumer {
  static override styles = [tokens, controls, listSection, sidebarPanel, invitesStyles];

  /** The invite just made, whose link is shown. */
  @state() private made: Invite | null = null;
  /** The code whose link was just copied, or could not be. */
  @state() private copied: { code: string; ok: boolean } | null = null;
  @state() private busy = false;
  private expiresIn: number | undefined = undefined;
  private maxUses: number | undefined = undefined;

  override render() {
    const state = this.sessionState.state;
    if (!state?.user || state.user.guest) return nothing;
    const shown = state.rooms.find((r) => r.id === state.room);
    const error = this.errorAt('rooms');
    return html`
      <details part="invites" @toggle=${this.onToggle}>
        <summary part="invites-toggle">${words.title}</summary>
        <div class="body">
          <form class="new-room" @submit=${this.onCreateRoom}>
            <label for="room-name">${words.newRoom}</label>
            <div class="row">
              <input
                id="room-name"
                name="name"
                part="new-room-name"
                required
                maxlength=${NAME_MAX_LENGTH}
                placeholder=${words.roomName}
                aria-label=${words.roomName}
              />
              <button type="submit" class="primary" part="create-room" ?disabled=${this.busy}>${words.create}</button>
            </div>
          </form>
          <div class="options">
            <label>
              ${words.expiresIn}
              <select part="invite-expiry" @change=${this.onExpiry}>
                ${EXPIRY_CHOICES.map(([key, seconds]) => html`<option value=${seconds ?? ''}>${words.expiry[key]}</option>`)}
              </select>
            </label>
            <label>
              ${words.maxUses}
              <input type="number" min="1" max="10000" part="invite-max-uses" placeholder=${words.anyUses} @change=${this.onMaxUses} />
            </label>
          </div>
          <div class="row">
            <button type="button" part="call-me" ?disabled=${this.busy} @click=${() => this.makeInvite('personal')}>
              ${words.makeCallMe}
            </button>
            ${
              shown?.kind === 'group'
                ? html`<button type="button" part="room-invite" ?disabled=${this.busy} @click=${() => this.makeInvite(shown.id)}>
                    ${renderText(words.link(shown.name))}
                  </button>`
                : nothing
            }
          </div>
          <p class="hint">${words.callMeHint}</p>
          ${this.made ? this.renderMade(this.made, state.user.id) : nothing}
          <div role="alert">${error ? html`<p class="error" part="error">${renderText(error.message)}</p>` : nothing}</div>
          <h3 id="mine" class="list-heading">${words.mine}</h3>
          ${
            state.invites.length === 0
              ? html`<p class="hint">${words.none}</p>`
              : html`<ul class="list" part="invite-list" aria-labelledby="mine">
                  ${repeat(
                    state.invites,
                    (i) => i.code,
                    (i) => this.renderInvite(i, state.user?.id),
                  )}
                </ul>`
          }
        </div>
      </details>
    `;
  }

  private renderMade(invite: Invite, me: string) {
    const copied = this.copied?.code === invite.code ? this.copied : null;
    return html`<div class="made">
      <label for="link">${renderText(words.link(roomLabel(invite.room, me)))}</label>
      <div class="row">
        <input id="link" part="invite-link" readonly .value=${linkFor(invite.code)} @focus=${this.selectAll} />
        <button type="button" part="copy-link" @click=${() => this.copy(invite.code)}>${words.copy}</button>
      </div>
      <span role="status" class="hint">${copied ? (copied.ok ? words.copied : words.copyFailed) : ''}</span>
    </div>`;
  }

  private renderInvite(invite: Invite, me: string | undefined) {
    const room = roomLabel(invite.room, me);
    const condition = inviteCondition(invite, Date.now());
    return html`<li part="invite-item" data-code=${invite.code}>
      <span class="what">
        <strong part="invite-room"><bdi>${renderText(room)}</bdi></strong>
        <span part="invite-uses">${words.uses(invite.uses, invite.maxUses)}</span>
        <span part="invite-expires">${condition.text}</span>
        <span role="status"
          >${this.copied?.code === invite.code && this.copied.ok && this.made?.code !== invite.code ? words.copied : ''}</span
        >
      </span>
      ${
        condition.live
          ? html`<span class="actions">
              <button type="button" part="copy-link" aria-label=${words.copyLabel(room)} @click=${() => this.copy(invite.code)}>
                ${words.copy}
              </button>
              <button
                type="button"
                class="danger"
                part="revoke"
                aria-label=${words.revokeLabel(room)}
                @click=${() => this.revoke(invite.code)}
              >
                ${words.revoke}
              </button>
            </span>`
          : nothing
      }
    </li>`;
  }

  private onToggle(event: Event) {
    if ((event.target as HTMLDetailsElement).open) void this.attempt('rooms', (s) => s.loadInvites());
  }

  private onExpiry(event: Event) {
    const value = (event.target as HTMLSelectElement).value;
    this.expiresIn = value ? Number(value) : undefined;
  }

  private onMaxUses(event: Event) {
    const input = event.target as HTMLInputElement;
    const value = input.valueAsNumber;
    this.maxUses = Number.isInteger(value) && value >= 1 ? Math.min(value, 10_000) : undefined;
  }

  private options(): InviteOptions {
    const options: InviteOptions = {};
    if (this.expiresIn !== undefined) options.expiresIn = this.expiresIn;
    if (this.maxUses !== undefined) options.maxUses = this.maxUses;
    return options;
  }

  private async onCreateRoom(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const name = String(new FormData(form).get('name') ?? '').trim();
    if (!name) return;
    await this.run(
      (s) => s.createRoom(name),
      () => form.reset(),
    );
  }

  private makeInvite(room: string | 'personal') {
    const options = this.options();
    return this.run((s) => s.createInvite(room, options));
  }

  /** Runs one maker; the invite it made is shown with its link and announced to the page. */
  private async run(make: (session: SessionApi) => Promise<Invite | null>, done?: () => void) {
    this.busy = true;
    let invite: Invite | null = null;
    await this.attempt('rooms', async (s) => void (invite = await make(s)));
    this.busy = false;
    if (!invite) return;
    this.made = invite;
    this.copied = null;
    done?.();
    this.dispatchEvent(createRtcEvent('rtc-invite-created', { invite, link: linkFor((invite as Invite).code) }));
  }

  private revoke(code: string) {
    void this.attempt('rooms', (s) => s.revokeInvite(code));
  }

  private selectAll(event: Event) {
    (event.target as HTMLInputElement).select();
  }

  /** Copies a link; where the page may not write the clipboard, the visitor is told to copy the selected link. */
  private async copy(code: string) {
    let ok = true;
    try {
      await navigator.clipboard.writeText(linkFor(code));
    } catch {
      ok = false;
      this.made = this.sessionState.state?.invites.find((i) => i.code === code) ?? this.made;
      await this.updateComplete;
      this.shadowRoot?.querySelector<HTMLInputElement>('[part~="invite-link"]')?.select();
    }
    this.copied = { code, ok };
  }
}
