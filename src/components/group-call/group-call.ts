import { RtcGroupCall } from './group-call.component.js';

export * from './group-call.component.js';

if (!customElements.get('rtc-group-call')) customElements.define('rtc-group-call', RtcGroupCall);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-group-call': RtcGroupCall;
  }
}
