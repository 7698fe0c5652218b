// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-call-controls`, re-exported by `<rtc-call>`. */
export const CALL_CONTROLS_PARTS = [
  'controls',
  'control',
  'mic-toggle',
  'camera-toggle',
  'screen-toggle',
  'hangup',
  'cancel',
  'dismiss',
  'error',
  'call-error',
  'devices-toggle',
  'devices-panel',
  'verify-toggle',
  'verify',
  'verify-code',
  'verify-confirm',
  'verify-status',
  'verify-warning',
] as const;
