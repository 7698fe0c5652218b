import { html, nothing, type PropertyValues } from 'lit';
import { property, query } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { SessionConsumer } from '../session-consumer.js';
import { ringingIncoming } from '../call-view.js';
import type { CallView } from '../../core/types.js';
import { tokens, controls } from '../../styles/tokens.js';
import { icon } from '../../styles/icons.js';
import { avatarStyles, initial } from '../../styles/avatar.js';
import { RingController } from './ring-controller.js';
import { sessionNameTags, renderAbout } from '../names.js';
import { texts } from '../../core/texts.js';

const words = texts.ui.incoming;
import { incomingCallStyles } from './incoming-call.styles.js';
import { INCOMING_CALL_PARTS } from './incoming-call.parts.js';

export { INCOMING_CALL_PARTS };

/**
 * @summary The dialog of a ringing incoming call: who is calling, accept or decline in one click, and a ring tone.
 *
 * The dialog takes focus when it opens (on the accept button) and is announced
 * (`role="alertdialog"`). Escape declines. The ring tone is generated with Web
 * Audio (no asset) and stops when the call is answered, declined, cancelled or
 * the element leaves the page.
 *
 * When the session opens the camera while ringing (`previewOnRing`), the
 * dialog shows the visitor's own video, so a lit camera light is explained.
 *
 * @csspart incoming-call - The dialog.
 * @csspart caller - The caller's name and call kind.
 * @csspart ring-preview - The visitor's own camera preview while ringing (only with `preview-on-ring`).
 * @csspart accept - Accept the call.
 * @csspart decline - Decline the call.
 *
 * @cssproperty --rtc-incoming-call-bg - Background of the dialog. Defaults to `--rtc-color-bg`.
 * @cssproperty --rtc-incoming-call-backdrop - The backdrop over the page.
 * @cssproperty --rtc-incoming-call-accept-bg - Background of the accept button. Defaults to `--rtc-color-success`.
 * @cssproperty --rtc-incoming-call-accept-fg - Text colour of the accept button. Defaults to `--rtc-color-success-fg`.
 */
export class RtcIncomingCall extends SessionConsumer {
  static override styles = [tokens, controls, avatarStyles, incomingCallStyles];

  /** Turns the ring tone off (the dialog still shows). */
  @property({ type: Boolean }) silent = false;

  @query('[part~="accept"]') private acceptButton?: HTMLButtonElement;

  readonly ring = new RingController(this, { shouldRing: () => !this.silent && this.incoming !== null });
  private shownCallId?: string;

  /** The incoming call while it rings, else null. */
  get incoming(): CallView | null {
    return ringingIncoming(this.sessionState.state);
  }

  override render() {
    const call = this.incoming;
    // Two people online with the caller's name: the dialog says which one calls.
    const tag = call ? sessionNameTags(this.sessionState.state).get(call.peer.id) : undefined;
    // The live region stays in the DOM so screen readers announce the call when its text appears.
    const announcement = html`<div class="visually-hidden" aria-live="assertive">
      ${call ? renderAbout(words.announce, call.peer.name, tag) : ''}
    </div>`;
    if (!call) return announcement;
    const kind = call.media.video ? words.video : words.audio;
    return html`${announcement}
      <div class="backdrop">
        <div
          part="incoming-call"
          role="alertdialog"
          aria-modal="true"
          aria-labelledby="caller"
          aria-describedby="kind"
          @keydown=${this.onKeydown}
        >
          <span class="avatar" aria-hidden="true">${initial(call.peer.name)}</span>
          <h2 id="caller" part="caller">${renderAbout(words.caller, call.peer.name, tag)}</h2>
          <p id="kind">${kind}</p>
          ${
            call.localStream && call.local.video
              ? html`<video
                  part="ring-preview"
                  aria-label=${words.yourCamera}
                  autoplay
                  playsinline
                  .muted=${true}
                  muted
                  .srcObject=${live(call.localStream)}
                ></video>`
              : nothing
          }
          <div class="buttons">
            <button type="button" class="danger" part="decline" @click=${this.decline}>${icon('hangup')}${words.decline}</button>
            <button type="button" class="accept" part="accept" @click=${this.accept}>
              ${icon(call.media.video ? 'video' : 'phone')}${words.accept}
            </button>
          </div>
        </div>
      </div>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const call = this.incoming;
    // Move focus into the dialog once per call, so keyboard and screen-reader users land on it.
    if (call && call.callId !== this.shownCallId) {
      this.shownCallId = call.callId;
      this.acceptButton?.focus();
    }
  }

  private accept() {
    void this.attempt('call', (s) => s.accept());
  }

  private decline() {
    void this.attempt('call', (s) => s.decline());
  }

  private onKeydown(event: KeyboardEvent) {
    if (event.key === 'Escape') {
      event.preventDefault();
      this.decline();
    } else if (event.key === 'Tab') {
      // Keep focus inside the modal dialog: cycle between its two buttons.
      const buttons = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('.buttons button')];
      const index = buttons.indexOf(this.renderRoot.querySelector(':focus') as HTMLButtonElement);
      event.preventDefault();
      buttons[(index + (event.shiftKey ? buttons.length - 1 : 1)) % buttons.length]?.focus();
    }
  }
}
