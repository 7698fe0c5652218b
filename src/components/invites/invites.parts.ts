// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-invites`, re-exported by `<rtc-call>`. */
export const INVITES_PARTS = [
  'invites',
  'invites-toggle',
  'new-room-name',
  'create-room',
  'invite-expiry',
  'invite-max-uses',
  'call-me',
  'room-invite',
  'invite-link',
  'copy-link',
  'invite-list',
  'invite-item',
  'invite-room',
  'invite-uses',
  'invite-expires',
  'revoke',
  'error',
] as const;
