/**
 * The public DOM events of `<rtc-call>` and its parts: declared once here and
 * added to `GlobalEventHandlersEventMap`, so `el.addEventListener('rtc-…')`
 * is typed. They all bubble and cross shadow roots (`composed`), and are fired
 * from what happened (a session event or a user action), never from a setter.
 */
import type { CallView, ChatEntry, FileTransferView, SessionError } from './core/types.js';
import type { Verdict } from './core/precall/verdict.js';
import type { Invite, Presence, PublicUser, Room } from './protocol/index.js';

export interface RtcSignedInDetail {
  user: PublicUser;
}
export interface RtcSignedOutDetail {
  reason: 'user' | 'expired';
}
/** Signed in with a `siteToken` the page set, the backend ended that session: set a new `siteToken`. */
export interface RtcSiteTokenNeededDetail {
  reason: 'expired';
}
export interface RtcPresenceDetail {
  peers: Presence[];
}
export interface RtcIncomingCallDetail {
  call: CallView;
}
export interface RtcCallStateDetail {
  call: CallView;
}
export interface RtcChatMessageDetail {
  message: ChatEntry;
}
export type RtcErrorDetail = SessionError;
/** A file offered to the visitor, or a transfer that ended (PROTOCOL.md §9). */
export interface RtcFileTransferDetail {
  transfer: FileTransferView;
}
/** A person was picked in the people list (to chat with them). */
export interface RtcPeerSelectDetail {
  peerId: string;
}

/** The visitor joined a room by opening an invite link (signed in; a guest's sign-in is their join). */
export interface RtcRoomJoinedDetail {
  room: Room;
}
/** The visitor made an invite; `link` is the one to share (this page with `#rtc-invite=<code>`). */
export interface RtcInviteCreatedDetail {
  invite: Invite;
  link: string;
}

/** The pre-call check reached its verdict: `verdict` ("ready", …) and `reason`, each with a sentence in the catalogue. */
export type RtcPrecallVerdictDetail = Verdict;
/** The visitor closed the pre-call check. */
export type RtcPrecallCloseDetail = Record<string, never>;

export interface RtcEventDetails {
  'rtc-signed-in': RtcSignedInDetail;
  'rtc-signed-out': RtcSignedOutDetail;
  'rtc-site-token-needed': RtcSiteTokenNeededDetail;
  'rtc-presence': RtcPresenceDetail;
  'rtc-incoming-call': RtcIncomingCallDetail;
  'rtc-call-state': RtcCallStateDetail;
  'rtc-chat-message': RtcChatMessageDetail;
  'rtc-error': RtcErrorDetail;
  'rtc-peer-select': RtcPeerSelectDetail;
  'rtc-room-joined': RtcRoomJoinedDetail;
  'rtc-invite-created': RtcInviteCreatedDetail;
  'rtc-precall-verdict': RtcPrecallVerdictDetail;
  'rtc-precall-close': RtcPrecallCloseDetail;
  'rtc-file-offer': RtcFileTransferDetail;
  'rtc-file-transfer': RtcFileTransferDetail;
}

export type RtcEventName = keyof RtcEventDetails;

export type RtcEvent<K extends RtcEventName> = CustomEvent<RtcEventDetails[K]>;

/** Creates one of the public events with the shared flags. */
export function createRtcEvent<K extends RtcEventName>(name: K, detail: RtcEventDetails[K]): RtcEvent<K> {
  return new CustomEvent(name, { detail, bubbles: true, composed: true });
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-signed-in': RtcEvent<'rtc-signed-in'>;
    'rtc-signed-out': RtcEvent<'rtc-signed-out'>;
    'rtc-site-token-needed': RtcEvent<'rtc-site-token-needed'>;
    'rtc-presence': RtcEvent<'rtc-presence'>;
    'rtc-incoming-call': RtcEvent<'rtc-incoming-call'>;
    'rtc-call-state': RtcEvent<'rtc-call-state'>;
    'rtc-chat-message': RtcEvent<'rtc-chat-message'>;
    'rtc-error': RtcEvent<'rtc-error'>;
    'rtc-peer-select': RtcEvent<'rtc-peer-select'>;
    'rtc-room-joined': RtcEvent<'rtc-room-joined'>;
    'rtc-invite-created': RtcEvent<'rtc-invite-created'>;
    'rtc-precall-verdict': RtcEvent<'rtc-precall-verdict'>;
    'rtc-precall-close': RtcEvent<'rtc-precall-close'>;
    'rtc-file-offer': RtcEvent<'rtc-file-offer'>;
    'rtc-file-transfer': RtcEvent<'rtc-file-transfer'>;
  }
}
