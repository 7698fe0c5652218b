import { RtcLogin } from './login.component.js';

export * from './login.component.js';

if (!customElements.get('rtc-login')) customElements.define('rtc-login', RtcLogin);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-login': RtcLogin;
  }
}
