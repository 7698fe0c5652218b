import { html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { SessionConsumer } from '../session-consumer.js';
import { DEVICE_SETTINGS_PARTS } from '../device-settings/device-settings.js';
import { texts } from '../../core/texts.js';
import { canChooseSpeaker, playTone, TestTone } from '../../core/precall/test-tone.js';
import type { CandidateCounts, ConnectionCheck, Verdict } from '../../core/precall/verdict.js';
import { createRtcEvent } from '../../events.js';
import { tokens, controls } from '../../styles/tokens.js';
import { icon } from '../../styles/icons.js';
import { PrecallController } from './precall-controller.js';
import { precallCheckStyles } from './precall-check.styles.js';
import { PRECALL_CHECK_PARTS } from './precall-check.parts.js';

export { PRECALL_CHECK_PARTS };

const words = texts.ui.precall;

const CANDIDATE_TYPES: ReadonlyArray<keyof CandidateCounts> = ['host', 'srflx', 'relay'];

type SpeakerState = 'idle' | 'playing' | 'played' | 'failed';

/**
 * @summary The pre-call check: camera preview, microphone level, a speaker test sound and a connection check, then a verdict.
 *
 * Opens the camera and microphone while it is on the page and releases them when it leaves. The
 * connection check gathers ICE candidates with the session's own ICE servers (`checkConnection()`):
 * which types this browser finds (local network, server-reflexive, relay) and whether the TURN
 * server answers. The verdict is one of "ready", "video may not work", "calls need the relay" and
 * "calls will not connect", with the reason in plain words. It shows `<rtc-device-settings>` on
 * top (its parts are passed on): the check follows the camera and microphone chosen there, and the
 * test sound plays on the chosen speaker (unless `sink-id` says otherwise).
 *
 * @event rtc-precall-verdict - The check reached its verdict (or a new one); `detail.verdict`, `detail.reason`.
 * @event rtc-precall-close - The visitor closed the check (its close button, or Escape inside it).
 *
 * @csspart precall - The check's panel.
 * @csspart precall-close - The button closing the check.
 * @csspart precall-preview - The camera preview (a muted `<video>`).
 * @csspart mic-meter - The microphone level meter (`role="meter"`, `aria-valuenow` 0 to 1).
 * @csspart speaker-test - The button playing the test sound.
 * @csspart connection-check - The connection check: what it found and whether the relay (TURN) server answered.
 * @csspart candidate-types - The list of connection types found (local network, internet direct, relay).
 * @csspart verdict - The verdict and its reason.
 *
 * @cssproperty --rtc-precall-meter-color - Colour of the microphone level bar. Defaults to `--rtc-color-success`.
 */
export class RtcPrecallCheck extends SessionConsumer {
  static override styles = [tokens, controls, precallCheckStyles];

  /** The speaker the test sound plays on (`setSinkId`); the default speaker when empty. */
  @property({ attribute: 'sink-id' }) sinkId = '';

  /** How long the connection check waits for candidates, in ms (tests). Default 5 s. */
  @property({ type: Number, attribute: 'gather-timeout' }) gatherTimeout?: number;

  @state() private speaker: SpeakerState = 'idle';
  @query('[part~="precall-preview"]') private preview?: HTMLVideoElement;
  @query('audio') private audio?: HTMLAudioElement;
  @query('.level') private levelBar?: HTMLElement;
  private tone: TestTone | null = null;

  private readonly check = new PrecallController(this, {
    session: () => this.session,
    preview: () => this.preview ?? null,
    video: () => this.session?.options.video ?? true,
    gatherTimeout: () => this.gatherTimeout,
    verdict: (verdict) => this.dispatchEvent(createRtcEvent('rtc-precall-verdict', verdict)),
  });

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.tone?.stop();
    this.tone = null;
    this.speaker = 'idle';
  }

  /**
   * The meter's fill, set through the CSSOM: a `style` attribute in the template would be refused
   * by a strict Content-Security-Policy (`style-src-attr 'none'`), CSSOM changes are not.
   */
  protected override updated(): void {
    this.levelBar?.style.setProperty('transform', `scaleX(${this.check.level})`);
  }

  override render() {
    const state = this.check.state;
    const camera = state?.camera ?? 'pending';
    const microphone = state?.microphone ?? 'pending';
    return html`<section part="precall" aria-labelledby="precall-title" @keydown=${this.onKeydown}>
      <header>
        <h2 id="precall-title">${words.title}</h2>
        <button type="button" class="icon" part="precall-close" aria-label=${words.close} @click=${this.close}>${icon('x')}</button>
      </header>
      <rtc-device-settings .session=${this.session} exportparts=${DEVICE_SETTINGS_PARTS.join(', ')}></rtc-device-settings>
      <div class="checks">
        <div class="check camera">
          <h3>${icon('video')}${words.camera}</h3>
          ${
            camera === 'unused'
              ? nothing
              : html`<video
                  part="precall-preview"
                  aria-label=${words.preview}
                  autoplay
                  playsinline
                  .muted=${true}
                  muted
                  .srcObject=${live(state?.stream ?? null)}
                ></video>`
          }
          <p class=${camera === 'ok' || camera === 'unused' ? 'good' : camera === 'pending' ? '' : 'bad'}>${words.cameraStates[camera]}</p>
        </div>
        <div class="check microphone">
          <h3>${icon('mic')}${words.microphone}</h3>
          <div
            part="mic-meter"
            role="meter"
            aria-label=${words.meter}
            aria-valuemin="0"
            aria-valuemax="1"
            aria-valuenow=${this.check.level}
            aria-valuetext=${`${Math.round(this.check.level * 100)}%`}
          >
            <span class="level"></span>
          </div>
          <p class=${microphone === 'ok' || microphone === 'pending' ? '' : 'bad'}>${words.micStates[microphone]}</p>
        </div>
        <div class="check speaker">
          <h3>${words.speaker}</h3>
          <button type="button" part="speaker-test" ?disabled=${this.speaker === 'playing'} @click=${this.playSound}>
            ${this.speaker === 'playing' ? words.playing : words.playSound}
          </button>
          <p role="status">${this.speaker === 'played' ? words.didYouHear : this.speaker === 'failed' ? words.soundFailed : ''}</p>
          <audio></audio>
        </div>
        ${this.renderConnection(state?.connection ?? null)}
      </div>
      ${this.renderVerdict(state?.verdict ?? null)}
    </section>`;
  }

  private renderConnection(connection: ConnectionCheck | null) {
    return html`<div class="check connection" part="connection-check" aria-busy=${connection ? 'false' : 'true'}>
      <h3>${words.connection}</h3>
      ${
        connection
          ? html`<p>${words.candidateTypes}</p>
              <ul part="candidate-types">
                ${CANDIDATE_TYPES.map((type) => {
                  const count = connection.candidates[type];
                  return html`<li data-type=${type} class=${count > 0 ? 'good' : 'bad'}>
                    <span>${words.candidates[type]}</span><span>${count > 0 ? words.found(count) : words.notFound}</span>
                  </li>`;
                })}
              </ul>
              <p class="turn" data-turn=${connection.turn}>${words.turn[connection.turn]}</p>
              ${connection.relayOnly ? html`<p>${words.relayOnly}</p>` : nothing}`
          : html`<p>${words.checking}</p>`
      }
    </div>`;
  }

  private renderVerdict(verdict: Verdict | null) {
    // The live region stays in the DOM so the verdict is announced when it arrives.
    return html`<div part="verdict" role="status" data-verdict=${verdict?.verdict ?? ''} class=${verdict?.verdict ?? 'pending'}>
      ${verdict ? html`<strong>${words.verdicts[verdict.verdict]}</strong> <span>${words.reasons[verdict.reason]}</span>` : nothing}
    </div>`;
  }

  /** The `sink-id` the page set, else the speaker chosen in the device settings, else none (the default). */
  private speakerId(): string | undefined {
    const devices = this.session?.state.devices;
    return this.sinkId || (devices?.speakerSelectable ? (devices.chosen.speaker ?? undefined) : undefined);
  }

  private async playSound() {
    const audio = this.audio;
    if (!audio || this.speaker === 'playing') return;
    this.tone?.stop();
    const tone = (this.tone = new TestTone());
    this.speaker = 'playing';
    try {
      await playTone(audio, tone, canChooseSpeaker() ? this.speakerId() : undefined);
      if (this.tone === tone) this.speaker = 'played';
    } catch {
      if (this.tone === tone) this.speaker = 'failed';
    } finally {
      tone.stop();
      if (this.tone === tone) this.tone = null;
    }
  }

  private onKeydown(event: KeyboardEvent) {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    this.close();
  }

  private close() {
    this.dispatchEvent(createRtcEvent('rtc-precall-close', {}));
  }
}
