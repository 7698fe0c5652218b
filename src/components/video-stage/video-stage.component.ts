import { html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { SessionConsumer } from '../session-consumer.js';
import { stageCall } from '../call-view.js';
import type { CallView, LinkQuality } from '../../core/types.js';
import { tokens, controls } from '../../styles/tokens.js';
import { icon } from '../../styles/icons.js';
import { avatarStyles, initial } from '../../styles/avatar.js';
import { sessionNameTags, renderAbout, renderName, renderText, textAbout } from '../names.js';
import { texts } from '../../core/texts.js';
import { playOnChosenSpeaker } from '../speaker.js';

const words = texts.ui.stage;
const qualityWords = texts.ui.quality;
import { videoStageStyles } from './video-stage.styles.js';
import { VIDEO_STAGE_PARTS } from './video-stage.parts.js';

export { VIDEO_STAGE_PARTS };

/**
 * @summary The videos of the current call (the other person large, yourself small), the other side's muted / camera-off / sharing indicators, and the call's state in words.
 *
 * Audio-only calls and a camera turned off show the person's initial instead
 * of a black picture. The state line is a polite live region.
 *
 * @csspart video-stage - The stage.
 * @csspart remote-video - The other person's video (it also plays their sound).
 * @csspart local-video - Your own video preview (muted).
 * @csspart call-state - The call's state in words ("Ringing Ada…", "Connected").
 * @csspart status - Same element as `call-state` (every state line of the widget has the `status` part).
 * @csspart indicator - Every indicator of the other side.
 * @csspart remote-muted - Shown while the other side's microphone is off.
 * @csspart remote-camera-off - Shown while the other side's camera is off.
 * @csspart remote-sharing - Shown while the other side shares a screen.
 * @csspart quality - The connection bars of both sides (connected calls, once measured).
 * @csspart quality-local - Your connection's bars (`role="img"`, named "Your connection: 3 of 4 bars"); `data-bars` holds 0–4.
 * @csspart quality-remote - The other side's connection bars; `data-bars` holds 0–4.
 * @csspart quality-hint - Says whose connection is poor and what that means.
 *
 * @cssproperty --rtc-video-stage-bg - Background behind the videos (#0d1117).
 * @cssproperty --rtc-video-stage-fg - Text colour on the stage.
 * @cssproperty --rtc-video-stage-local-width - Width of the own preview (28%).
 * @cssproperty --rtc-quality-good - Colour of 3–4 bars (#3fb950).
 * @cssproperty --rtc-quality-fair - Colour of 2 bars (#d29922).
 * @cssproperty --rtc-quality-poor - Colour of 0–1 bars (#f85149).
 * @cssproperty --rtc-quality-unlit - Colour of the bars above the level (rgb(255 255 255 / 0.3)).
 */
export class RtcVideoStage extends SessionConsumer {
  static override styles = [tokens, controls, avatarStyles, videoStageStyles];

  /** The remote stream whose video has produced a frame: shown from then on, even before the call counts as connected. */
  @state() private framedStream: MediaStream | null = null;

  // `.srcObject` goes through live(): Lit re-commits object values on every render, and each
  // assignment of srcObject (even the same stream) restarts the video's load, so every session
  // change during call set-up would throw the first remote frame away.
  override render() {
    const call = stageCall(this.sessionState.state);
    if (!call) return nothing;
    const tag = sessionNameTags(this.sessionState.state).get(call.peer.id);
    const about = (sentence: (name: string) => string) => textAbout(sentence, call.peer.name, tag);
    const connected = call.phase === 'connected';
    const flowing = connected || (call.phase === 'connecting' && call.remoteStream !== null && this.framedStream === call.remoteStream);
    const showRemote = flowing && call.remoteStream !== null && (call.remote.video || call.remote.screen);
    const showLocal = call.localStream !== null && (call.local.video || call.local.screen) && call.phase !== 'ended';
    return html`
      <div part="video-stage" class=${call.phase} aria-label=${about(words.callWith)} role="group">
        <video
          part="remote-video"
          class=${call.remote.screen ? 'screen' : ''}
          aria-label=${about(words.theirVideo)}
          autoplay
          playsinline
          .srcObject=${live(call.phase === 'ended' ? null : call.remoteStream)}
          ?hidden=${!showRemote}
          @loadeddata=${(e: Event) => (this.framedStream = (e.target as HTMLVideoElement).srcObject as MediaStream | null)}
        ></video>
        ${showRemote ? nothing : this.renderPlaceholder(call, tag)}
        <video
          part="local-video"
          class=${call.local.screen ? '' : 'mirror'}
          aria-label=${words.yourVideo}
          autoplay
          playsinline
          .muted=${true}
          muted
          .srcObject=${live(call.phase === 'ended' ? null : call.localStream)}
          ?hidden=${!showLocal}
        ></video>
        <div class="overlay">
          <div class="top">
            <div part="call-state status" role="status" aria-live="polite">${renderText(call.message)}</div>
            ${connected ? this.renderQuality(call, tag) : nothing}
          </div>
          ${connected ? this.renderIndicators(call, tag) : nothing} ${connected ? this.renderQualityHint(call, tag) : nothing}
        </div>
      </div>
    `;
  }

  override updated(): void {
    const video = this.renderRoot.querySelector<HTMLVideoElement>('[part~="remote-video"]');
    if (video) void playOnChosenSpeaker(video, this.sessionState.state?.devices);
  }

  private renderPlaceholder(call: CallView, tag: string | undefined) {
    return html`<div class="placeholder" aria-hidden="true">
      <span class="avatar">${initial(call.peer.name)}</span>
      <span>${renderName(call.peer.name, tag)}</span>
    </div>`;
  }

  /** Both sides' bars; a side shows once it has a figure. */
  private renderQuality(call: CallView, tag: string | undefined) {
    const q = call.quality;
    if (!q || (q.local.bars === null && q.remote.bars === null)) return nothing;
    return html`<div part="quality">
      ${this.renderBars('quality-local', q.local, qualityWords.you, qualityWords.yourBars(q.local.bars ?? 0))}
      ${this.renderBars(
        'quality-remote',
        q.remote,
        renderName(call.peer.name, tag),
        textAbout((name) => qualityWords.theirBars(name, q.remote.bars ?? 0), call.peer.name, tag),
      )}
    </div>`;
  }

  /** Four decorative bars, lit up to the level; the element itself is the image with the level in words. */
  private renderBars(part: string, link: LinkQuality, name: unknown, label: string) {
    if (link.bars === null) return nothing;
    const bars = link.bars;
    return html`<span part=${part} role="img" aria-label=${label} data-bars=${bars} title=${label}>
      <span class="who">${name}</span>
      <span class="bars">${[1, 2, 3, 4].map((n) => html`<span class=${n <= bars ? 'bar lit' : 'bar'}></span>`)}</span>
    </span>`;
  }

  private renderQualityHint(call: CallView, tag: string | undefined) {
    const poor = call.quality?.poor;
    const text =
      poor === 'local' ? qualityWords.poorLocal : poor === 'remote' ? renderAbout(qualityWords.poorRemote, call.peer.name, tag) : null;
    // The live region stays in place, so the hint is announced when it appears.
    return html`<div class="hint-region" role="status" aria-live="polite">
      ${text ? html`<div part="quality-hint">${text}</div>` : nothing}
    </div>`;
  }

  private renderIndicators(call: CallView, tag: string | undefined) {
    const { remote } = call;
    const about = (sentence: (name: string) => string) => renderAbout(sentence, call.peer.name, tag);
    return html`<div class="indicators">
      ${remote.audio ? nothing : html`<span part="indicator remote-muted">${icon('micOff')}${about(words.muted)}</span>`}
      ${
        remote.video || remote.screen || !call.media.video
          ? nothing
          : html`<span part="indicator remote-camera-off">${icon('videoOff')}${about(words.cameraOff)}</span>`
      }
      ${remote.screen ? html`<span part="indicator remote-sharing">${icon('screen')}${about(words.sharing)}</span>` : nothing}
    </div>`;
  }
}
