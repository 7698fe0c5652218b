import { RtcIncomingCall } from './incoming-call.component.js';

export * from './incoming-call.component.js';

if (!customElements.get('rtc-incoming-call')) customElements.define('rtc-incoming-call', RtcIncomingCall);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-incoming-call': RtcIncomingCall;
  }
}
