// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-privacy`, re-exported by `<rtc-call>`. */
export const PRIVACY_PARTS = ['privacy', 'dnd-select', 'dnd-state', 'invisible', 'invisible-toggle', 'error'] as const;
