import { RtcPrivacy } from './privacy.component.js';

export * from './privacy.component.js';

if (!customElements.get('rtc-privacy')) customElements.define('rtc-privacy', RtcPrivacy);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-privacy': RtcPrivacy;
  }
}
