import { RtcDeviceSettings } from './device-settings.component.js';

export * from './device-settings.component.js';

if (!customElements.get('rtc-device-settings')) customElements.define('rtc-device-settings', RtcDeviceSettings);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-device-settings': RtcDeviceSettings;
  }
}
