import { RtcChat } from './chat.component.js';

export * from './chat.component.js';

if (!customElements.get('rtc-chat')) customElements.define('rtc-chat', RtcChat);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-chat': RtcChat;
  }
}
