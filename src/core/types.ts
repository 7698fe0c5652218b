/**
 * The public shape of the call engine (`Session`), shared by the core, the
 * elements and host pages. The elements only render `SessionState` and call
 * `SessionApi` methods; they never talk MQTT or WebRTC directly.
 */
import type { ApiErrorCode, Invite, InvitePreview, MediaKinds, Presence, PresenceStatus, PublicUser, Room } from '../protocol/index.js';
import type { DeviceKind, DevicesState } from './devices.js';
import type { ConnectionCheck } from './precall/verdict.js';
import type { CallHistoryState, DndChoice } from './call-history.js';
import type { CallHistoryEntry, PrivacySettings } from '../protocol/index.js';

export type { CallHistoryState, DndChoice } from './call-history.js';

export type { DeviceChoice, DeviceKind, DeviceOption, DevicesState } from './devices.js';

/** Link to the backend. */
export type ConnectionState =
  | 'signed-out' // no token
  | 'signing-in' // HTTP login/register under way
  | 'connecting' // token held, MQTT connecting for the first time
  | 'online' // MQTT connected, subscribed
  | 'reconnecting'; // lost the link, retrying with backoff

/** The life of one call: idle → ringing → connecting → connected → ended. */
export type CallPhase = 'ringing' | 'connecting' | 'connected' | 'ended';

export type CallDirection = 'outgoing' | 'incoming';

/** Why a call ended; each has a readable message in `CallView.message`. */
export type CallEndReason =
  | 'hangup' // we hung up
  | 'remote-hangup' // they hung up
  | 'cancelled' // caller gave up before an answer (seen by both sides)
  | 'declined' // callee declined
  | 'busy' // callee already in a call
  | 'unavailable' // callee offline / no tab could take it
  | 'missed' // nobody answered within the ring timeout
  | 'answered-elsewhere' // another tab of ours took or declined it
  | 'peer-left' // their presence vanished mid-call
  | 'failed'; // media never flowed / connection failed / TURN error

export interface MediaFlags {
  audio: boolean;
  video: boolean;
  screen: boolean;
}

/**
 * Who is at the other end of a connected call (issue #17): the code both people read aloud, and
 * what this browser remembers of the other person's certificate.
 */
export interface CallVerification {
  /**
   * The code both people see when nobody is in the middle, e.g. "482 913 075"; null when the
   * exchange that makes it failed (`problem`).
   */
  code: string | null;
  /**
   * Why there is no code: `no-answer`, the other side's app does not take part (an older version)
   * or its answer never came; `broken-promise`, the other side's answer did not match what it
   * promised: someone tampers with the call.
   */
  problem?: 'no-answer' | 'broken-promise';
  /** The other side's DTLS certificate (sha-256, as in the SDP). */
  remoteFingerprint: string;
  /** The certificate DTLS got is the one described: true, false (do not trust the code), null (this browser cannot tell). */
  transportMatches: boolean | null;
  /**
   * `unverified`: never verified in this browser; `verified`: verified with this same certificate;
   * `changed`: verified before with another certificate: someone may be in the middle, or they use
   * a new browser. Read the code aloud again.
   */
  trust: 'unverified' | 'verified' | 'changed';
  /** This browser keeps its certificate across pages; false (private mode, no IndexedDB): a verification lasts only this page. */
  persistent: boolean;
}

export interface CallView {
  callId: string;
  direction: CallDirection;
  peer: { id: string; name: string };
  phase: CallPhase;
  /** Media requested for the call (audio-only calls have video false). */
  media: MediaKinds;
  /** What we send right now. */
  local: MediaFlags;
  /** What the other side says it sends (from `media-state`). */
  remote: MediaFlags;
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
  /** Set once phase is 'ended'. */
  endReason?: CallEndReason;
  /** Connected, but the media link is lost for now and being recovered (the message says so). */
  interrupted?: boolean;
  /** Connected, and the link's certificates are read: the verification code and what is remembered. */
  verification?: CallVerification;
  /** Connected: the connection quality of each side, once measured (call/quality.ts). */
  quality?: CallQuality;
  /** Human-readable line describing the call's state ("Ringing Ada…", "Ada declined the call"). */
  message: string;
  /** Date.now() values. */
  startedAt: number;
  connectedAt?: number;
  endedAt?: number;
}

/** One side's connection during a call: 0–4 bars and the figures behind them; null where not measured (yet). */
export interface LinkQuality {
  bars: number | null;
  rttMs: number | null;
  lossPct: number | null;
  jitterMs: number | null;
  bitrateKbps: number | null;
}

/**
 * The connection quality of a call: `local` is how the media reaches us, `remote` how ours reaches
 * them (from their RTCP receiver reports); `poor` names the side whose bars are low, for the hint.
 */
export interface CallQuality {
  local: LinkQuality;
  remote: LinkQuality;
  poor: 'local' | 'remote' | null;
}

/**
 * `waiting`: the other person was offline; the backend keeps it until they sign in (PROTOCOL.md
 * §8); `expired`: it was kept, but they did not sign in before it expired.
 */
export type ChatDelivery = 'sending' | 'sent' | 'failed' | 'waiting' | 'expired';

export interface ChatEntry {
  id: string;
  /** The other person of this conversation. */
  peerId: string;
  fromMe: boolean;
  text: string;
  ts: number;
  delivery: ChatDelivery;
  /**
   * Room chat: the sender's name as this tab knew it when the message came (the sender may go
   * offline); a 1:1 chat: the other person's, so the conversation keeps a name while they are away.
   */
  name?: string;
  /** Received: it was kept by the backend while we were away, and delivered at our sign-in. */
  later?: true;
  /** Waiting: when the backend drops it undelivered (Unix ms). */
  expiresAt?: number;
}

/** Machine codes of errors shown to the visitor. */
export type SessionErrorCode =
  | 'invalid_input'
  | 'invalid_credentials'
  | 'email_taken'
  | 'rate_limited'
  | 'unauthorized'
  | 'invalid_site_token' // the site's JWT was refused (site accounts, PROTOCOL.md §1)
  | 'site_keys_unavailable' // the backend cannot fetch the site's key set; try again
  | 'site_accounts_disabled' // the backend takes no site tokens (ACCOUNTS=password)
  | 'password_accounts_disabled' // the backend takes only site tokens (ACCOUNTS=site)
  | 'site_token_url_failed' // the site's token URL gave no token
  | 'server_unreachable'
  | 'media_denied' // permission refused for camera/microphone/screen
  | 'media_missing' // no such device
  | 'media_failed' // other getUserMedia/getDisplayMedia failure
  | 'call_failed'
  | 'turn_failed'
  | 'chat_failed'
  | 'file_failed' // a file could not be offered, sent or received (PROTOCOL.md §9); the transfer says why
  | 'internal'
  | RoomErrorCode
  | GroupCallErrorCode;

/** The API's refusals of a seat in a room's call (PROTOCOL.md §6). */
export type GroupCallErrorCode = Extract<ApiErrorCode, 'call_full' | 'call_full_video' | 'not_connected' | 'group_calls_not_allowed'>;

/** The API's refusals about rooms, invites and guests (PROTOCOL.md §4), shown as the API names them. */
export type RoomErrorCode = Extract<ApiErrorCode, `room_${string}` | `invite_${string}` | `guests_${string}`>;

export interface SessionError {
  code: SessionErrorCode;
  message: string;
  /** Which action produced it, for display next to the right control: `chat` is the 1:1 chat, `room-chat` a room's. */
  scope: 'auth' | 'connection' | 'media' | 'call' | 'chat' | 'room-chat' | 'rooms' | 'invite' | 'history';
}

/**
 * An invite link being opened (`#rtc-invite=<code>` or the `invite` attribute): checked
 * (`GET /api/invites/<code>`), then joined as the signed-in visitor or as a guest.
 * - `checking`: the preview is on its way;
 * - `ready`: the preview is here; signed out, the visitor picks guest or sign-in;
 * - `joining`: the join (or the guest sign-in) is under way;
 * - `failed`: the link cannot be used (`problem` says why); nothing is retried.
 * Once joined, `SessionState.invite` is null again and the room is the chosen one.
 */
export interface InviteLinkState {
  code: string;
  phase: 'checking' | 'ready' | 'joining' | 'failed';
  preview: InvitePreview | null;
  problem: SessionErrorCode | null;
}

/** Options of a new invite (PROTOCOL.md §4, `POST /api/invites`). */
export interface InviteOptions {
  /** Seconds until it expires (60 to 2,592,000); the backend's default (7 days) when absent. */
  expiresIn?: number;
  /** How many joins it allows (1 to 10,000); no limit when absent. */
  maxUses?: number;
}

/** One person of a group call as this tab shows them (PROTOCOL.md §6). */
export interface GroupMemberView {
  seat: number;
  user: string;
  name: string;
  /** This tab. */
  me: boolean;
  /** `connecting` until media flows; `interrupted` while their link is lost; `lost` once given up (they may come back with a new seat). */
  state: 'connecting' | 'connected' | 'interrupted' | 'lost';
  /** What they send (mine: what I send). */
  media: MediaFlags;
  /** Their media (mine: my camera or screen), null until it arrives. */
  stream: MediaStream | null;
  /** The loudest voice for the last moment (the active speaker), from audio levels. */
  speaking: boolean;
}

/** The group call this tab is in (at most one, never together with a 1:1 `call`). */
export interface GroupCallView {
  roomId: string;
  callId: string;
  /** Everyone in the call, this tab included (`me`), in seat order. */
  members: GroupMemberView[];
  /** The member whose screen is shared, shown large; null when nobody shares. */
  sharing: number | null;
  startedAt: number;
}

/** A call on in one of the visitor's rooms, as the room's call topic says (whether or not the visitor is in it). */
export interface RoomCallSummary {
  roomId: string;
  callId: string;
  members: { user: string; name: string; seat: number; video: boolean }[];
  /** Seats left with video, and in all (audio only). */
  free: { video: number; total: number };
}

export interface SessionState {
  connection: ConnectionState;
  user: PublicUser | null;
  /** Own status as published. */
  status: PresenceStatus;
  /** Other people online (own user excluded), sorted by name: everyone in any of the visitor's rooms. */
  peers: Presence[];
  /** The visitor's rooms (PROTOCOL.md §4), lobby first, then by name; empty with an older backend that has no rooms. */
  rooms: Room[];
  /** The room whose people the list shows (kept across reconnects); null while there is none (older backend, no room). */
  room: string | null;
  /** Ids of the people online in each room (own user excluded), sorted by name; an older backend's list is under `''`. */
  roomPeers: Record<string, string[]>;
  /** The invites the visitor made (`GET /api/invites`), newest first; loaded by `loadInvites()`. */
  invites: Invite[];
  /** An invite link being opened, or null. */
  invite: InviteLinkState | null;
  /** The current call (at most one), including a ringing incoming one; `null` when idle. */
  call: CallView | null;
  /** Conversations by peer id, oldest first. */
  chats: Record<string, ChatEntry[]>;
  /** Unread chat messages by peer id. */
  unread: Record<string, number>;
  /** The latest error to show, cleared by the next successful action of the same scope. */
  error: SessionError | null;
  /** Relay-only ("hide my IP address") chosen by the visitor or the site. */
  relayOnly: boolean;
  /** Cameras, microphones and speakers, and the ones chosen (kept across sign-ins; `<rtc-device-settings>`). */
  devices: DevicesState;
  /** The calls on in the visitor's rooms, by room id (PROTOCOL.md §6). */
  roomCalls: Record<string, RoomCallSummary>;
  /** The group call this tab is in, or null. */
  groupCall: GroupCallView | null;
  /** Room chat by room id, oldest first (PROTOCOL.md §6: lobby, site and group rooms). */
  roomChats: Record<string, ChatEntry[]>;
  /** Someone of a room asks this visitor to join the room's call (`group-ring`); null when nobody does. */
  groupRing: GroupRing | null;
  /** The visitor's own call history and missed calls (PROTOCOL.md §7); `<rtc-call-history>`. */
  history: CallHistoryState;
  /** The visitor's do-not-disturb and invisible, as stored by the backend for every device. */
  privacy: PrivacySettings;
  /** Files sent and offered, with or without a call (PROTOCOL.md §9), oldest first. */
  fileTransfers: FileTransferView[];
}

/**
 * Where a file transfer is:
 * - `offered`: the recipient has not answered yet (outgoing), or the visitor has not (incoming);
 * - `queued`: accepted, waiting for the files before it to the same person (outgoing);
 * - `connecting`: its data connection is being set up;
 * - `transferring`: bytes flow;
 * - `verifying`: every byte is sent (or here), the whole-file digest is being compared;
 * - `done`: the recipient has the whole file, its digest matched, and it is saved;
 * - `declined`, `cancelled`, `failed`: ended without the file (`problem` says why).
 */
export type FileTransferPhase =
  'offered' | 'queued' | 'connecting' | 'transferring' | 'verifying' | 'done' | 'declined' | 'cancelled' | 'failed';

/** Why a transfer ended without the file. */
export type FileTransferProblem =
  | 'declined'
  | 'cancelled-by-me'
  | 'cancelled-by-peer'
  | 'peer-left'
  | 'connection-lost'
  | 'channel-refused'
  | 'relay-unavailable'
  | 'integrity'
  | 'too-large'
  | 'save-failed'
  | 'signed-out';

/** One file sent or offered (`SessionState.fileTransfers`). */
export interface FileTransferView {
  /** The transfer id of PROTOCOL.md §9. */
  id: string;
  peerId: string;
  direction: 'outgoing' | 'incoming';
  name: string;
  /** Bytes. */
  size: number;
  /** The media type the sender's browser gave; '' when unknown. */
  mime: string;
  phase: FileTransferPhase;
  /** Bytes that reached the recipient (outgoing: handed to the connection and out of its buffer). */
  bytes: number;
  /** Over the last few seconds; 0 while unknown. */
  bytesPerSecond: number;
  /** null while unknown. */
  secondsLeft: number | null;
  problem: FileTransferProblem | null;
  /** Incoming and `done`: an object URL of the file to save as a download; null once saved to disk (or not done). */
  url: string | null;
  /** Incoming and `done`: written straight to the file the visitor chose (File System Access API). */
  savedToDisk: boolean;
}

/** How to keep an accepted file: straight to a file the visitor chose, or gathered for a download. */
export interface FileSaveOptions {
  /** From `showSaveFilePicker()` (in the click that accepts): written as it arrives, never held in memory. */
  saveTo?: FileSystemFileHandle;
}

/** An invitation to join a room's call (`addToCall` of someone in the room); `joinGroupCall(roomId)` takes it. */
export interface GroupRing {
  roomId: string;
  callId: string;
  from: { id: string; name: string };
  /** Date.now() when it came; it goes by itself after a while. */
  at: number;
}

export interface SessionOptions {
  /** Backend origin, e.g. "https://calls.example.com". */
  server: string;
  /** Keep the token in sessionStorage so a reload stays signed in. */
  rememberSignIn?: boolean;
  /** Video on by default for new calls. */
  video?: boolean;
  /** Force relay-only ICE from this side. */
  relayOnly?: boolean;
  /**
   * Open camera and microphone while an incoming call rings, to show the visitor's own preview in
   * the ringing dialog. Off by default: no device opens before the visitor accepts.
   */
  previewOnRing?: boolean;
  /** Ring timeout override (ms), tests only. */
  ringTimeoutMs?: number;
  /** Connect timeout override (ms), tests only. */
  connectTimeoutMs?: number;
}

/** Events a Session dispatches (it is an EventTarget); `detail` types below. */
export interface SessionEventMap {
  /** Any state change; detail is the new state. */
  change: CustomEvent<SessionState>;
  'signed-in': CustomEvent<{ user: PublicUser }>;
  'signed-out': CustomEvent<{ reason: 'user' | 'expired' }>;
  /** Signed in with a site token the page set, the backend ended that session: the page sets a new one. */
  'site-token-needed': CustomEvent<{ reason: 'expired' }>;
  presence: CustomEvent<{ peers: Presence[] }>;
  'incoming-call': CustomEvent<{ call: CallView }>;
  'call-state': CustomEvent<{ call: CallView }>;
  chat: CustomEvent<{ message: ChatEntry }>;
  error: CustomEvent<SessionError>;
  /** Someone asks this visitor to join a room's call (also in `state.groupRing`). */
  'group-ring': CustomEvent<{ ring: GroupRing }>;
  /** The visitor joined a room through an invite link (not sent for a guest, whose sign-in is the join). */
  'room-joined': CustomEvent<{ room: Room }>;
  /** Someone offers the visitor a file (also in `state.fileTransfers`, phase `offered`). */
  'file-offer': CustomEvent<{ transfer: FileTransferView }>;
  /** A file transfer ended: `done`, `declined`, `cancelled` or `failed`. */
  'file-transfer': CustomEvent<{ transfer: FileTransferView }>;
}

export interface SessionApi extends EventTarget {
  readonly options: Readonly<SessionOptions>;
  /** The current state; a new object after every change (cheap to compare). */
  readonly state: SessionState;

  register(name: string, email: string, password: string): Promise<void>;
  signIn(email: string, password: string): Promise<void>;
  /** Uses a remembered token if any; resolves false when there is none. */
  restore(): Promise<boolean>;
  signOut(): Promise<void>;
  setStatus(status: PresenceStatus): void;
  setRelayOnly(on: boolean): void;

  /** Places a call; media acquisition starts at once in parallel with ringing. */
  call(peerId: string, media?: Partial<MediaKinds>): Promise<void>;
  accept(): Promise<void>;
  decline(): void;
  cancel(): void;
  hangup(): void;
  /** Clears an ended call from `state.call`. */
  dismissCall(): void;
  /** Both people read the same code (`state.call.verification`): remember the other person's certificate. */
  markVerified(): Promise<void>;
  /**
   * Joins the call in `roomId` (starting it when none is on). A full call rejects with a
   * SessionError `call_full`, or `call_full_video` when joining with `{ video: false }` would fit.
   */
  joinGroupCall(roomId: string, media?: MediaKinds): Promise<void>;
  /** Leaves the group call; the others carry on (the last one out ends it). */
  leaveGroupCall(): Promise<void>;
  /** Rings `userId` (who shares the room) to join the group call; from a 1:1 call, turns it into one first. */
  addToCall(userId: string): Promise<void>;
  /** Sends `text` to the chat of `roomId`; a failure is an error of scope `room-chat`. */
  sendRoomChat(roomId: string, text: string): Promise<void>;
  /** Closes the invitation in `state.groupRing` without joining. */
  dismissGroupRing(): void;

  setMicrophone(enabled: boolean): void;
  setCamera(enabled: boolean): Promise<void>;
  startScreenShare(): Promise<void>;
  stopScreenShare(): Promise<void>;

  /**
   * Uses `deviceId` (one of `state.devices`' lists; null = the default) for `kind` from now on,
   * remembered for this site and backend. A live call switches at once without renegotiating.
   */
  chooseDevice(kind: DeviceKind, deviceId: string | null): Promise<void>;
  /** Reads the device lists again (after camera or microphone access was granted, their names appear). */
  refreshDevices(): Promise<void>;

  /** Sends a chat; to someone offline who shares a room, the backend keeps it for them (delivery `waiting`). */
  sendChat(peerId: string, text: string): Promise<void>;
  /** Takes back one of our `waiting` messages to `peerId` before it is delivered (PROTOCOL.md §8). */
  withdrawChat(peerId: string, id: string): Promise<void>;
  markRead(peerId: string): void;

  /** Offers `files` to `peerId` (PROTOCOL.md §9), with or without a call; each is sent once accepted, one after another. */
  sendFiles(peerId: string, files: readonly File[]): Promise<void>;
  /** Accepts an offered file: written to `options.saveTo` as it arrives, else gathered for a download. */
  acceptFile(transferId: string, options?: FileSaveOptions): Promise<void>;
  declineFile(transferId: string): void;
  /** Stops a transfer, from either side, at any point before it is done. */
  cancelFile(transferId: string): void;
  /** Removes an ended transfer from the list (and frees its download). */
  dismissFile(transferId: string): void;

  /** Shows the people of one of `state.rooms` in the list. */
  selectRoom(roomId: string): void;
  /** Makes a group room named `name` and selects it; resolves with its first invite, or null when it failed (an error of scope `rooms`). */
  createRoom(name: string, options?: InviteOptions): Promise<Invite | null>;
  /** A new invite to a group room (`room`) or to the visitor's personal "call me" room (`'personal'`); null when it failed. */
  createInvite(room: string | 'personal', options?: InviteOptions): Promise<Invite | null>;
  /** Loads `state.invites`. */
  loadInvites(): Promise<void>;
  revokeInvite(code: string): Promise<void>;
  /** Opens an invite link: checks it, and joins it at once when signed in (else once signed in, or as a guest). */
  openInvite(code: string): Promise<void>;
  /** Signs in as a guest of the open invite, under `name`. */
  joinAsGuest(name: string): Promise<void>;
  /** Closes the invite link (after its message was read). */
  dismissInvite(): void;

  /**
   * The pre-call check's connection test: which ICE candidate types this browser gathers with the
   * sign-in's ICE servers, and whether the TURN server answers (`src/core/precall/`). Never rejects.
   */
  checkConnection(options?: { timeoutMs?: number }): Promise<ConnectionCheck>;

  /** Loads the first page of `state.history` again (it follows the backend's notices by itself). */
  loadCallHistory(): Promise<void>;
  /** Loads the next page of `state.history`. */
  loadMoreCalls(): Promise<void>;
  /** Deletes one entry of the visitor's own history. */
  deleteCall(id: string): Promise<void>;
  /** The visitor looked at their history: the missed-call badge clears (on every device). */
  markCallsSeen(): Promise<void>;
  /** Calls the other person of a history entry back, with the entry's media. */
  callBack(entry: CallHistoryEntry): Promise<void>;
  /** Do-not-disturb off, on until turned off, or on for some minutes: incoming calls are declined quietly. */
  setDoNotDisturb(choice: DndChoice): Promise<void>;
  /** Invisible: nobody sees the visitor online, except whoever they call or write to. */
  setInvisible(on: boolean): Promise<void>;

  /** Stops media, closes sockets, clears timers. */
  dispose(): void;
}
