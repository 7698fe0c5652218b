// The elements shown once signed in are defined by the engine's lazy module (signed-in.ts), which
// `<rtc-call>` loads itself; the sign-in form is part of the first paint.
import '../components/login/login.js';
import { RtcCall } from './rtc-call.component.js';

export * from './rtc-call.component.js';

if (!customElements.get('rtc-call')) customElements.define('rtc-call', RtcCall);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call': RtcCall;
  }
}
