// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-file-transfers`, re-exported by `<rtc-chat>` and `<rtc-call>`. */
export const FILE_TRANSFER_PARTS = [
  'files',
  'file-send',
  'file-drop',
  'file-list',
  'file',
  'file-incoming',
  'file-outgoing',
  'file-name',
  'file-meta',
  'file-progress',
  'file-status',
  'file-accept',
  'file-decline',
  'file-cancel',
  'file-save',
  'file-dismiss',
] as const;
