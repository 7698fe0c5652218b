import { RtcVideoStage } from './video-stage.component.js';

export * from './video-stage.component.js';

if (!customElements.get('rtc-video-stage')) customElements.define('rtc-video-stage', RtcVideoStage);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-video-stage': RtcVideoStage;
  }
}
