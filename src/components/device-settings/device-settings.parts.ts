// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-device-settings`, re-exported by `<rtc-call>` (through `rtc-call-controls`, which opens it in a call). */
export const DEVICE_SETTINGS_PARTS = [
  'device-settings',
  'device-field',
  'device-select',
  'camera-select',
  'microphone-select',
  'speaker-select',
  'device-hint',
  'device-message',
] as const;
