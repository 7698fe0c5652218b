import { RtcRoomChat } from './room-chat.component.js';

export * from './room-chat.component.js';

if (!customElements.get('rtc-room-chat')) customElements.define('rtc-room-chat', RtcRoomChat);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-room-chat': RtcRoomChat;
  }
}
