import { html, nothing } from 'lit';
import { DEVICE_SETTINGS_PARTS } from '../device-settings/device-settings.js';
import type { MediaFlags, SessionApi } from '../../core/types.js';
import type { ErrorScope } from '../errors.js';
import { texts } from '../../core/texts.js';
import { icon } from '../../styles/icons.js';

const words = texts.ui.controls;

/** Whether this browser can share a screen at all. */
export const canShareScreen = (): boolean => 'getDisplayMedia' in (navigator.mediaDevices ?? {});

/**
 * The buttons and panels both call bars have. The microphone, camera and screen toggles of a call, 1:1 (`rtc-call-controls`) or group
 * (`rtc-group-call`): real buttons with `aria-pressed` (pressed = muted, camera off, sharing),
 * the same parts and words in both, so a page styles them once.
 */
export function renderMediaToggles(
  local: MediaFlags,
  attempt: (scope: ErrorScope, action: (session: SessionApi) => unknown) => unknown,
  shareDisabled: boolean,
) {
  const muted = !local.audio;
  const cameraOff = !local.video;
  return html`
    <button
      type="button"
      part="control mic-toggle"
      aria-pressed=${muted ? 'true' : 'false'}
      title=${muted ? words.unmute : words.mute}
      @click=${() => attempt('media', (s) => s.setMicrophone(muted))}
    >
      ${icon(muted ? 'micOff' : 'mic')}<span class="label">${words.muteLabel}</span>
    </button>
    <button
      type="button"
      part="control camera-toggle"
      aria-pressed=${cameraOff ? 'true' : 'false'}
      title=${cameraOff ? words.cameraOn : words.cameraOff}
      ?disabled=${local.screen}
      @click=${() => attempt('media', (s) => s.setCamera(cameraOff))}
    >
      ${icon(cameraOff ? 'videoOff' : 'video')}<span class="label">${words.cameraLabel}</span>
    </button>
    <button
      type="button"
      part="control screen-toggle"
      aria-pressed=${local.screen ? 'true' : 'false'}
      title=${local.screen ? words.stopSharing : words.share}
      ?disabled=${shareDisabled || !canShareScreen()}
      @click=${() => attempt('media', (s) => (local.screen ? s.stopScreenShare() : s.startScreenShare()))}
    >
      ${icon('screen')}<span class="label">${words.shareLabel}</span>
    </button>
  `;
}

/** The button opening and closing the device settings below the buttons (`renderDevicesPanel`). */
export function renderDevicesToggle(open: boolean, toggle: () => void) {
  return html`<button
    type="button"
    part="control devices-toggle"
    aria-expanded=${open ? 'true' : 'false'}
    aria-controls=${open ? 'devices-panel' : nothing}
    title=${texts.ui.devices.toggleTitle}
    @click=${toggle}
  >
    ${icon('sliders')}<span class="label">${texts.ui.devices.toggle}</span>
  </button>`;
}

/** The device settings, given the host's session (whether it came by context or by property). */
export function renderDevicesPanel(session: SessionApi | undefined) {
  return html`<div id="devices-panel" part="devices-panel" class="devices-panel">
    <rtc-device-settings .session=${session} exportparts=${DEVICE_SETTINGS_PARTS.join(', ')}></rtc-device-settings>
  </div>`;
}
