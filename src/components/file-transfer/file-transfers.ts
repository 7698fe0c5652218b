import { RtcFileTransfers } from './file-transfers.component.js';

export * from './file-transfers.component.js';

if (!customElements.get('rtc-file-transfers')) customElements.define('rtc-file-transfers', RtcFileTransfers);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-file-transfers': RtcFileTransfers;
  }
}
