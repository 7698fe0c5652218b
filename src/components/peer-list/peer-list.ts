import { RtcPeerList } from './peer-list.component.js';

export * from './peer-list.component.js';

if (!customElements.get('rtc-peer-list')) customElements.define('rtc-peer-list', RtcPeerList);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-peer-list': RtcPeerList;
  }
}
