/**
 * What `<rtc-call>` loads lazily (src/rtc-call/engine-loader.ts): the call engine (`Session` and
 * everything it runs), the elements shown once signed in, and the helpers of the signed-in frame.
 * Importing this module defines those elements, before `<rtc-call>` creates its session, so none
 * of them ever renders undefined. Those a 1:1 call never shows load when first needed
 * (lazy-elements.ts).
 */
import '../components/peer-list/peer-list.js';
import '../components/call-controls/call-controls.js';
import '../components/video-stage/video-stage.js';
import '../components/chat/chat.js';
import '../components/incoming-call/incoming-call.js';
import '../components/invites/invites.js';
import '../components/room-chat/room-chat.js';
import '../components/call-history/call-history.js';
import '../components/privacy/privacy.js';

export { Session } from '../core/session.js';
export { inviteCodeFromHash, withoutInvite } from '../core/invites.js';
export { allowsGroupCalls } from '../protocol/group-calls.js';
