// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-precall-check`, re-exported by `<rtc-call>`. */
export const PRECALL_CHECK_PARTS = [
  'precall',
  'precall-close',
  'precall-preview',
  'mic-meter',
  'speaker-test',
  'connection-check',
  'candidate-types',
  'verdict',
] as const;
