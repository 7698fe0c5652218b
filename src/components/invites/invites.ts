import { RtcInvites } from './invites.component.js';

export * from './invites.component.js';

if (!customElements.get('rtc-invites')) customElements.define('rtc-invites', RtcInvites);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-invites': RtcInvites;
  }
}
