// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-incoming-call`, re-exported by `<rtc-call>`. */
export const INCOMING_CALL_PARTS = ['incoming-call', 'caller', 'ring-preview', 'accept', 'decline'] as const;
