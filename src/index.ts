/**
 * rtc-call: importing this module defines every element
 * (`<rtc-call>` and its parts) and exports their classes, the `Session`
 * call engine and the event types.
 */
export * from './components/login/login.js';
export * from './components/peer-list/peer-list.js';
export * from './components/call-controls/call-controls.js';
export * from './components/video-stage/video-stage.js';
export * from './components/chat/chat.js';
export * from './components/file-transfer/file-transfers.js';
export * from './components/incoming-call/incoming-call.js';
export * from './components/invites/invites.js';
export * from './components/invite-card/invite-card.js';
export * from './components/device-settings/device-settings.js';
export * from './components/precall-check/precall-check.js';
export * from './components/group-call/group-call.js';
export * from './components/room-chat/room-chat.js';
export * from './components/call-history/call-history.js';
export * from './components/privacy/privacy.js';
export * from './rtc-call/rtc-call.js';
export { sessionContext } from './components/context.js';
export { SessionController } from './components/session-controller.js';
export { SessionConsumer } from './components/session-consumer.js';
export { RingController } from './components/incoming-call/ring-controller.js';
export { Session } from './core/session.js';
export type * from './core/types.js';
export * from './events.js';
