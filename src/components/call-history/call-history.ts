import { RtcCallHistory } from './call-history.component.js';

export * from './call-history.component.js';

if (!customElements.get('rtc-call-history')) customElements.define('rtc-call-history', RtcCallHistory);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call-history': RtcCallHistory;
  }
}
