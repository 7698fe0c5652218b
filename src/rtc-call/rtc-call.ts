import '../components/login/login.js';
import '../components/peer-list/peer-list.js';
import '../components/call-controls/call-controls.js';
import '../components/video-stage/video-stage.js';
import '../components/chat/chat.js';
import '../components/incoming-call/incoming-call.js';
import '../components/invites/invites.js';
import '../components/invite-card/invite-card.js';
import '../components/precall-check/precall-check.js';
import '../components/group-call/group-call.js';
import '../components/room-chat/room-chat.js';
import '../components/call-history/call-history.js';
import '../components/privacy/privacy.js';
import { RtcCall } from './rtc-call.component.js';

export * from './rtc-call.component.js';

if (!customElements.get('rtc-call')) customElements.define('rtc-call', RtcCall);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call': RtcCall;
  }
}
