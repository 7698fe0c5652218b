import { RtcInviteCard } from './invite-card.component.js';

export * from './invite-card.component.js';

if (!customElements.get('rtc-invite-card')) customElements.define('rtc-invite-card', RtcInviteCard);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-invite-card': RtcInviteCard;
  }
}
