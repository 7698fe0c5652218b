// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-room-chat`, re-exported by `<rtc-call>`: the 1:1 chat's, prefixed `room-`, so a page (and a test) tells them apart. */
export const ROOM_CHAT_PARTS = [
  'room-chat',
  'room-chat-header',
  'room-messages',
  'room-message',
  'room-message-mine',
  'room-message-theirs',
  'room-message-meta',
  'room-message-text',
  'room-message-failed',
  'room-chat-form',
  'room-chat-input',
  'room-chat-send',
  'room-chat-error',
] as const;
