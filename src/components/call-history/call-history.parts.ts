// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-call-history`, re-exported by `<rtc-call>`. */
export const CALL_HISTORY_PARTS = [
  'missed-banner',
  'missed-show',
  'missed-dismiss',
  'call-history',
  'call-history-toggle',
  'missed-badge',
  'call-list',
  'call-item',
  'call-peer',
  'call-direction',
  'call-outcome',
  'call-time',
  'call-duration',
  'call-back',
  'call-delete',
  'call-more',
  'call-empty',
  'error',
] as const;
