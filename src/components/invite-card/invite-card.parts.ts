// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-invite-card`, re-exported by `<rtc-call>`. */
export const INVITE_CARD_PARTS = [
  'invite-card',
  'invite-title',
  'invite-from',
  'guest-name',
  'guest-join',
  'invite-problem',
  'invite-dismiss',
  'error',
] as const;
