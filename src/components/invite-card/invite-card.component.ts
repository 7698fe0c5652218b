import { html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { SessionConsumer } from '../session-consumer.js';
import { NAME_MAX_LENGTH, checkName, type InvitePreview } from '../../protocol/index.js';
import { errorText, texts } from '../../core/texts.js';
import type { InviteLinkState } from '../../core/types.js';
import { tokens, controls } from '../../styles/tokens.js';
import { icon } from '../../styles/icons.js';
import { renderAbout, renderText } from '../names.js';
import { visitorMessage } from '../login/login.component.js';
import { inviteCardStyles } from './invite-card.styles.js';
import { INVITE_CARD_PARTS } from './invite-card.parts.js';

export { INVITE_CARD_PARTS };

const words = texts.ui.inviteCard;

/** The card's heading: the room to join, or the person to call for a "call me" link. */
const title = (preview: InvitePreview) =>
  preview.room.kind === 'personal'
    ? renderAbout(words.titlePersonal, preview.room.name, undefined)
    : renderText(words.title(preview.room.name));

/**
 * @summary An invite link being opened: what it is for and who sent it, a guest form for visitors with no account, or why the link cannot be used.
 *
 * Shows the session's `state.invite`: while it is checked, its room and maker, a "Your name"
 * form to join as a guest (when the backend allows guests and nobody is signed in), and a clear
 * sentence when the link is expired, revoked, used up or unknown. Never blank while a link is open.
 *
 * @csspart invite-card - The card.
 * @csspart invite-title - The card's heading (the room, or the person to call).
 * @csspart invite-from - Who made the link.
 * @csspart guest-name - The guest's name input.
 * @csspart guest-join - The "Join as guest" button.
 * @csspart invite-problem - Why the link cannot be used.
 * @csspart invite-dismiss - The button closing a link that cannot be used.
 * @csspart error - Why joining failed this time (a name to change, too many attempts).
 *
 * @cssproperty --rtc-invite-card-bg - Background of the card. Defaults to `--rtc-color-bg`.
 */
export class RtcInviteCard extends SessionConsumer {
  static override styles = [tokens, controls, inviteCardStyles];

  /** Why the typed guest name cannot be used (the backend's own rule, checked before sending). */
  @state() private nameProblem = '';

  override render() {
    const state = this.sessionState.state;
    const link = state?.invite;
    if (!state || !link) return nothing;
    return html`<section
      part="invite-card"
      class=${link.phase}
      aria-labelledby="invite-title"
      aria-busy=${link.phase === 'ready' || link.phase === 'failed' ? 'false' : 'true'}
    >
      ${link.phase === 'failed' ? this.renderProblem(link) : this.renderLink(link, state.user !== null)}
    </section>`;
  }

  private renderProblem(link: InviteLinkState) {
    const problem = (link.problem && errorText(link.problem)) || texts.unexpected;
    return html`
      <h2 id="invite-title" part="invite-title">${words.failedTitle}</h2>
      <p class="problem" part="invite-problem" role="alert">${problem}</p>
      <button type="button" part="invite-dismiss" @click=${() => this.session?.dismissInvite()}>${icon('x')}${words.dismiss}</button>
    `;
  }

  private renderLink(link: InviteLinkState, signedIn: boolean) {
    const preview = link.preview;
    if (!preview) return html`<h2 id="invite-title" part="invite-title" role="status">${words.checking}</h2>`;
    const error = this.errorAt('invite');
    const joining = link.phase === 'joining' || signedIn;
    return html`
      <h2 id="invite-title" part="invite-title">${title(preview)}</h2>
      <p class="from" part="invite-from">${renderAbout(words.from, preview.by, undefined)}</p>
      ${
        joining ? html`<p role="status">${words.joining}</p>` : preview.guests ? this.renderGuestForm() : html`<p>${words.signInToJoin}</p>`
      }
      <div role="alert">
        ${
          this.nameProblem
            ? html`<p class="error" part="error">${this.nameProblem}</p>`
            : error
              ? html`<p class="error" part="error">${renderText(visitorMessage(error))}</p>`
              : nothing
        }
      </div>
    `;
  }

  private renderGuestForm() {
    return html`<form @submit=${this.onJoin}>
      <label for="guest-name">${words.yourName}</label>
      <div class="row">
        <input
          id="guest-name"
          name="name"
          part="guest-name"
          autocomplete="name"
          required
          maxlength=${NAME_MAX_LENGTH}
          aria-describedby="guest-hint"
        />
        <button type="submit" class="primary" part="guest-join">${words.joinAsGuest}</button>
      </div>
      <span id="guest-hint" class="hint">${words.guestHint}</span>
    </form>`;
  }

  private async onJoin(event: SubmitEvent) {
    event.preventDefault();
    const name = checkName(String(new FormData(event.target as HTMLFormElement).get('name') ?? ''));
    this.nameProblem = name.ok ? '' : texts.ui.login.nameProblem(texts.ui.login.nameRules[name.rule]);
    if (!name.ok) return;
    await this.attempt('invite', (s) => s.joinAsGuest(name.name));
  }
}
