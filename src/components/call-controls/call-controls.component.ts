import { html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { SessionConsumer } from '../session-consumer.js';
import { dismissError } from '../errors.js';
import { renderText } from '../names.js';
import { texts } from '../../core/texts.js';

const words = texts.ui.controls;
const verifyWords = texts.ui.verify;
import { stageCall } from '../call-view.js';
import type { CallVerification, CallView } from '../../core/types.js';
import { tokens, controls } from '../../styles/tokens.js';
import { icon } from '../../styles/icons.js';
import { renderDevicesPanel, renderDevicesToggle, renderMediaToggles } from './media-toggles.js';
import { callControlsStyles } from './call-controls.styles.js';
import { CALL_CONTROLS_PARTS } from './call-controls.parts.js';

export { CALL_CONTROLS_PARTS };

/**
 * @summary Buttons for the current call: mute, camera, screen share, hang up; cancel while ringing; close once ended.
 *
 * Toggles are real buttons with `aria-pressed` (pressed = muted, camera off, sharing).
 * Renders nothing while there is no outgoing or established call (an incoming ringing
 * call is answered in `rtc-incoming-call`).
 *
 * @csspart controls - The button bar.
 * @csspart control - Every button.
 * @csspart mic-toggle - Mute / unmute the microphone (`aria-pressed="true"` when muted).
 * @csspart camera-toggle - Camera off / on (`aria-pressed="true"` when off).
 * @csspart screen-toggle - Share the screen / stop (`aria-pressed="true"` while sharing).
 * @csspart hangup - End the call.
 * @csspart cancel - Give up an outgoing call while it rings.
 * @csspart dismiss - Close the summary of an ended call.
 * @csspart error - Every error message (here the same element as `call-error`).
 * @csspart call-error - Why the call or a camera, microphone or screen action failed, below the buttons.
 * @csspart devices-toggle - Opens and closes the device settings (`aria-expanded="true"` while open).
 * @csspart devices-panel - The panel with `rtc-device-settings` (camera, microphone, speaker), below the buttons.
 * @csspart verify-toggle - Opens and closes the Verify panel (`aria-expanded`), once the call is connected.
 * @csspart verify - The Verify panel: the code to read aloud, and the button for a matching code.
 * @csspart verify-code - The code both people read aloud (the same on both sides unless someone is in the middle).
 * @csspart verify-confirm - "They read the same code": remembers the other person as verified in this browser.
 * @csspart verify-status - That the other person is verified, or that this browser cannot keep a verification.
 * @csspart verify-warning - A verified person's connection changed, or the connection's certificate is not the one announced; shown even with the panel closed.
 *
 * @cssproperty --rtc-call-controls-bg - Background of the bar. Defaults to `--rtc-color-surface`.
 * @cssproperty --rtc-call-controls-pressed-bg - Background of a pressed toggle. Defaults to `--rtc-color-fg`.
 * @cssproperty --rtc-call-controls-pressed-fg - Text colour of a pressed toggle. Defaults to `--rtc-color-bg`.
 */
export class RtcCallControls extends SessionConsumer {
  static override styles = [tokens, controls, callControlsStyles];

  /** The device settings panel is open. */
  @state() private devicesOpen = false;
  /** The Verify panel is open (closed again for each new call). */
  @state() private verifyOpen = false;
  private verifyCallId: string | null = null;

  override render() {
    const call = stageCall(this.sessionState.state);
    if (!call) return nothing;
    if (call.callId !== this.verifyCallId) {
      this.verifyCallId = call.callId;
      this.verifyOpen = false;
    }
    const devicesShown = this.devicesOpen && this.live(call);
    // A device lost mid-call is said once: by the open device settings, else here.
    const error = this.errorAt('call-controls');
    const said = devicesShown && error?.message === this.sessionState.state?.devices.notice;
    return html`<div part="controls" role="toolbar" aria-label=${words.label}>${this.renderButtons(call)}</div>
      ${devicesShown ? renderDevicesPanel(this.session) : nothing} ${call.phase === 'connected' ? this.renderVerify(call) : nothing}
      ${error && !said ? html`<p class="error" part="error call-error" role="alert">${renderText(error.message)}</p>` : nothing}`;
  }

  private live(call: CallView): boolean {
    return call.phase === 'connecting' || call.phase === 'connected';
  }

  /**
   * The Verify panel, and its warnings. A warning shows with the panel closed too: a verified
   * person whose connection changed is what the visitor must hear about without asking.
   */
  private renderVerify(call: CallView) {
    const v = call.verification;
    const name = call.peer.name;
    const warning = !v
      ? null
      : v.transportMatches === false
        ? verifyWords.mismatch(name)
        : v.problem === 'broken-promise'
          ? verifyWords.brokenPromise(name)
          : v.trust === 'changed'
            ? verifyWords.changed(name)
            : null;
    const warningLine = warning ? html`<p class="warning" part="verify-warning" role="alert">${renderText(warning)}</p>` : nothing;
    if (!this.verifyOpen) return warningLine;
    return html`<section part="verify" id="verify" aria-label=${verifyWords.panel(name)}>
      ${warningLine} ${this.renderVerifyBody(v, name)}
    </section>`;
  }

  /**
   * The code and what to do with it; nothing to read when the link or the exchange is not to be trusted.
   * The code is always laid out left to right: in a right-to-left sentence the bidi algorithm would
   * put its digit groups in the opposite order, and two people comparing screens would see different codes.
   */
  private renderVerifyBody(v: CallVerification | undefined, name: string) {
    if (!v) return html`<p role="status">${verifyWords.reading}</p>`;
    if (v.transportMatches === false || v.problem === 'broken-promise') return nothing;
    if (v.code === null) return html`<p part="verify-status" role="status">${renderText(verifyWords.noAnswer(name))}</p>`;
    const confirm =
      v.trust === 'verified'
        ? html`<p part="verify-status" role="status">${renderText(verifyWords.verified(name))}</p>`
        : html`<button type="button" part="control verify-confirm" @click=${() => this.attempt('call', (s) => s.markVerified())}>
            ${icon('shield')}<span>${verifyWords.confirm}</span>
          </button>`;
    return html`<p>${verifyWords.codeIntro} <strong class="code" part="verify-code" dir="ltr">${v.code}</strong></p>
      <p>${renderText(verifyWords.howTo(name))}</p>
      ${confirm} ${v.persistent ? nothing : html`<p part="verify-status">${verifyWords.notKept}</p>`}`;
  }

  private renderButtons(call: CallView) {
    if (call.phase === 'ended') {
      return html`<button type="button" part="control dismiss" @click=${this.close}>
        ${icon('x')}<span class="label">${words.close}</span>
      </button>`;
    }
    if (call.phase === 'ringing') {
      return html`<button type="button" class="danger" part="control cancel" @click=${() => this.attempt('call', (s) => s.cancel())}>
        ${icon('hangup')}<span class="label">${words.cancel}</span>
      </button>`;
    }
    return html`
      ${renderMediaToggles(call.local, (scope, action) => this.attempt(scope, action), call.phase !== 'connected')}
      ${renderDevicesToggle(this.devicesOpen, () => (this.devicesOpen = !this.devicesOpen))}
      <button
        type="button"
        part="control verify-toggle"
        aria-expanded=${this.verifyOpen ? 'true' : 'false'}
        aria-controls="verify"
        title=${this.verifyOpen ? verifyWords.close : verifyWords.open}
        ?disabled=${call.phase !== 'connected'}
        @click=${() => (this.verifyOpen = !this.verifyOpen)}
      >
        ${icon('shield')}<span class="label">${verifyWords.label}</span>
      </button>
      <button type="button" class="danger" part="control hangup" @click=${() => this.attempt('call', (s) => s.hangup())}>
        ${icon('hangup')}<span class="label">${words.hangup}</span>
      </button>
    `;
  }

  /** Closes the ended call's summary, and the error shown beside it with it (rather than moving it to the banner). */
  private close() {
    const error = this.errorAt('call-controls');
    if (error && this.session) dismissError(this.session, error);
    void this.attempt('call', (s) => s.dismissCall());
  }
}
