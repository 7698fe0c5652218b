import { RtcCallControls } from './call-controls.component.js';

export * from './call-controls.component.js';

if (!customElements.get('rtc-call-controls')) customElements.define('rtc-call-controls', RtcCallControls);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call-controls': RtcCallControls;
  }
}
