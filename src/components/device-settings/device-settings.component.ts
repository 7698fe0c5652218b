import { html, nothing, type PropertyValues } from 'lit';
import { SessionConsumer } from '../session-consumer.js';
import type { DeviceKind, DeviceOption, DevicesState } from '../../core/types.js';
import { texts } from '../../core/texts.js';
import { tokens, controls } from '../../styles/tokens.js';
import { deviceSettingsStyles } from './device-settings.styles.js';
import { DEVICE_SETTINGS_PARTS } from './device-settings.parts.js';

export { DEVICE_SETTINGS_PARTS };

const words = texts.ui.devices;

/** Each list of `DevicesState` by kind, and its select's own part. */
const LISTS = {
  camera: { list: 'cameras', part: 'camera-select' },
  microphone: { list: 'microphones', part: 'microphone-select' },
  speaker: { list: 'speakers', part: 'speaker-select' },
} as const satisfies Record<DeviceKind, { list: keyof DevicesState; part: (typeof DEVICE_SETTINGS_PARTS)[number] }>;

/**
 * @summary Choose the camera, microphone and speaker, before or during a call.
 *
 * One labelled `<select>` per kind; the first option is the browser's default device. A choice
 * is remembered for this site and backend, and switches a live call at once without
 * interrupting it. The speaker list shows only where the browser can send sound to a chosen
 * speaker (`setSinkId`) and lists speakers. Before camera or microphone access is allowed, some
 * browsers hide device names: a hint says so. A device unplugged falls back to the default, and
 * the message part says so. Works inside `<rtc-call>` (in the call controls' "Devices" panel) or
 * alone with its `session` property set, for example on a pre-call screen.
 *
 * @csspart device-settings - The group of lists.
 * @csspart device-field - Each label with its list.
 * @csspart device-select - Every list (`<select>`).
 * @csspart camera-select - The camera list.
 * @csspart microphone-select - The microphone list.
 * @csspart speaker-select - The speaker list (only where the browser can choose a speaker).
 * @csspart device-hint - Why devices have no names yet (before camera or microphone access is allowed).
 * @csspart device-message - Why a device changed by itself ("Your microphone was disconnected…"), a polite live region.
 *
 * @cssproperty --rtc-device-settings-gap - Space between the lists. Defaults to `--rtc-spacing`.
 */
export class RtcDeviceSettings extends SessionConsumer {
  static override styles = [tokens, controls, deviceSettingsStyles];

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Names appear once access was allowed (a call, a preview): read the lists again when shown.
    if (changed.has('session') && this.session) void this.attempt('media', (s) => s.refreshDevices());
  }

  override render() {
    const devices = this.sessionState.state?.devices;
    if (!devices) return nothing;
    return html`<div part="device-settings" role="group" aria-label=${words.title}>
      ${this.renderField('camera', devices)} ${this.renderField('microphone', devices)}
      ${devices.speakerSelectable ? this.renderField('speaker', devices) : nothing}
      ${devices.labelsHidden ? html`<p part="device-hint" class="hint">${words.labelsHidden}</p>` : nothing}
      <p part="device-message" class=${devices.notice ? 'message' : 'message empty'} role="status" aria-live="polite">
        ${devices.notice ?? ''}
      </p>
    </div>`;
  }

  private renderField(kind: DeviceKind, devices: DevicesState) {
    const { list, part } = LISTS[kind];
    const options = devices[list] as DeviceOption[];
    const chosen = devices.chosen[kind];
    const id = `rtc-${kind}-select`;
    return html`<div part="device-field" class="field">
      <label for=${id}>${words[kind]}</label>
      <select id=${id} part="device-select ${part}" @change=${(e: Event) => this.choose(kind, e)}>
        <option value="" ?selected=${chosen === null}>${words.defaultDevice}</option>
        ${options.map((d, i) => html`<option value=${d.id} ?selected=${d.id === chosen}>${d.label || words.unnamed(kind, i + 1)}</option>`)}
      </select>
    </div>`;
  }

  private choose(kind: DeviceKind, event: Event) {
    const value = (event.target as HTMLSelectElement).value;
    void this.attempt('media', (s) => s.chooseDevice(kind, value === '' ? null : value));
  }
}
