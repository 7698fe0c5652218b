// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-video-stage`, re-exported by `<rtc-call>`. */
export const VIDEO_STAGE_PARTS = [
  'video-stage',
  'remote-video',
  'local-video',
  'call-state',
  'status',
  'indicator',
  'remote-muted',
  'remote-camera-off',
  'remote-sharing',
  'quality',
  'quality-local',
  'quality-remote',
  'quality-hint',
] as const;
