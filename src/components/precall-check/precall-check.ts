import { RtcPrecallCheck } from './precall-check.component.js';

export * from './precall-check.component.js';

if (!customElements.get('rtc-precall-check')) customElements.define('rtc-precall-check', RtcPrecallCheck);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-precall-check': RtcPrecallCheck;
  }
}
