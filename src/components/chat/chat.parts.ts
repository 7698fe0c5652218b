// The part names of this element, apart from its class, so that `<rtc-call>` lists every part it
// re-exports without loading the element itself (which loads lazily).
/** Parts of `rtc-chat`, re-exported by `<rtc-call>`. */
export const CHAT_PARTS = [
  'chat',
  'chat-header',
  'messages',
  'message',
  'message-mine',
  'message-theirs',
  'message-meta',
  'message-text',
  'message-failed',
  'message-waiting',
  'message-later',
  'message-withdraw',
  'chat-form',
  'chat-input',
  'chat-send',
  'chat-error',
] as const;
