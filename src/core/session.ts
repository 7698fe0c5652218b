/**
 * `Session`: the call engine the elements (and host pages) drive. A thin front: it composes the
 * parts below, dispatches what signalling brings, and owns the lifecycle (start, stop, dispose,
 * page unload). Everything it shows is one immutable `SessionState` (session-state.ts).
 *
 * - sign-in.ts: register, sign in, restore, renewal, the remembered token;
 * - site-sign-in.ts: signing in with the embedding site's own account (a site JWT);
 * - ice-config.ts: the ICE servers;
 * - rooms.ts: the visitor's rooms, their presence subscriptions and the room shown;
 * - presence-book.ts: who is online, per room and in all, and the own status;
 * - invites.ts: the invites the visitor makes, and an invite link being opened (join, guest);
 * - chat-book.ts: conversations;
 * - devices.ts: the camera, microphone and speaker chosen, remembered, and unplugged;
 * - precall/: the pre-call check (devices, candidate types, TURN, verdict);
 * - call/: the calls (calls.ts), one call (call.ts), its media (call-media.ts), its link
 *   (call-link.ts, link-recovery.ts), and the callee on several tabs (callee-tabs.ts);
 * - group/: group calls in a room (group-calls.ts: seats, the mesh of links, ringing) and room chat.
 *
 * Every part reaches signalling only through the `Outbox` (outbox.ts). No public method
 * rejects: a failure becomes a scoped `SessionError` in `state.error` and an `error` event.
 */
import {
  parseNoticeTopic,
  parseRoomCallFilter,
  type AuthResponse,
  type CallHistoryEntry,
  type Invite,
  type MediaKinds,
  type PresenceStatus,
  type Room,
} from '../protocol/index.js';
import { ApiClient, ApiRequestError } from './api-client.js';
import { Calls } from './call/calls.js';
import { browserDevices, type Devices } from './call/call-media.js';
import type { CallLink, CallLinkOptions } from './call/call.js';
import { ChatBook, type MessagesAwayPort } from './chat-book.js';
import { boundArchive, IdbChatArchive, mergeChats, type ChatArchive } from './chat-archive.js';
import { CallHistoryBook, type DndChoice } from './call-history.js';
import { FileTransfers } from './files/file-transfers.js';
import {
  canChooseSpeaker,
  choiceStorageKey,
  DEVICE_KINDS,
  DeviceBook,
  NO_DEVICES,
  type ChoiceStorage,
  type DeviceKind,
  type DeviceSource,
} from './devices.js';
import { systemClock, withTimeout, type Clock } from './clock.js';
import { IceConfigCache } from './ice-config.js';
import { GroupCalls } from './group/group-calls.js';
import { RoomChatBook } from './group/room-chat.js';
import { InviteBook, InviteLinkFlow } from './invites.js';
import type { Outbox } from './outbox.js';
import { PeerLink, type LinkStats } from './peer.js';
import { checkConnection } from './precall/candidates.js';
import { MicLevel } from './precall/mic-level.js';
import type { ConnectionCheck } from './precall/verdict.js';
import { PresenceBook } from './presence-book.js';
import { RoomBook } from './rooms.js';
import { routeInbox, type MqttRoute } from './routing.js';
import { SessionStore, SIGNED_OUT, toSessionError } from './session-state.js';
import { SignIn } from './sign-in.js';
import { SiteSignIn, type SiteAccountSource } from './site-sign-in.js';
import { SignalingClient, type SignalingState } from './signaling.js';
import { onLanguageChange, texts } from './texts.js';
import { CallVerifier } from './verify/call-verifier.js';
import type { FileSaveOptions, InviteOptions, SessionApi, SessionError, SessionEventMap, SessionOptions, SessionState } from './types.js';

/** signOut() waits this long at most for the server's logout: a backend that does not answer must not hold it. */
const LOGOUT_WAIT_MS = 5_000;

/** What a Session is built on; the browser's own by default. */
export interface SessionEnvironment {
  clock?: Clock;
  devices?: Devices;
  createLink?: (options: CallLinkOptions) => CallLink;
  /** The device lists and `devicechange` (navigator.mediaDevices by default; none in node). */
  deviceSource?: DeviceSource | null;
  /** Where the device choice is remembered (localStorage by default). */
  deviceStorage?: ChoiceStorage | null;
  /** This browser's certificate and the people verified (IndexedDB where the browser has it). */
  verifier?: CallVerifier;
  /** Where conversations are kept across reloads, per user (IndexedDB where the browser has it; null: nowhere). */
  chatArchive?: ChatArchive | null;
}

/** The browser's device lists, when it has them. */
function browserDeviceSource(): DeviceSource | null {
  return typeof navigator !== 'undefined' && navigator.mediaDevices ? navigator.mediaDevices : null;
}

/** localStorage, unless the page forbids it (reading it then throws). */
function browserStorage(): ChoiceStorage | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null;
  }
}

// Typed addEventListener for Session's events, merged into the class below (the usual typed-EventTarget
// pattern: the class adds no members of these names, so the merge cannot hide an implementation).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Session {
  addEventListener<K extends keyof SessionEventMap>(
    type: K,
    listener: (event: SessionEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof SessionEventMap>(
    type: K,
    listener: (event: SessionEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Session extends EventTarget implements SessionApi {
  readonly options: Readonly<SessionOptions>;
  private readonly store: SessionStore;
  private readonly api: ApiClient;
  private readonly auth: SignIn;
  private readonly site: SiteSignIn;
  private readonly ice: IceConfigCache;
  private readonly presence: PresenceBook;
  private readonly rooms: RoomBook;
  private readonly invites: InviteBook;
  private readonly inviteLink: InviteLinkFlow;
  private readonly chats: ChatBook;
  private readonly files: FileTransfers;
  private readonly calls: Calls;
  private readonly group: GroupCalls;
  private readonly roomChat: RoomChatBook;
  private readonly callHistory: CallHistoryBook;
  /** Stops following the page's language (the call's status line is composed again in a new one). */
  private readonly stopRelabelling: () => void;
  private readonly deviceBook: DeviceBook;
  private readonly chatArchive: ChatArchive | null;
  /** The user whose kept conversations were read into the state: only theirs are written back. */
  private archivedUser: string | null = null;
  private archivedChats: SessionState['chats'] | null = null;
  private signaling: SignalingClient | null = null;
  private readonly subscribedBefore = new WeakSet<SignalingClient>();
  private disposed = false;
  private readonly onPageHide = () => this.leaveCallOnUnload();

  constructor(options: SessionOptions, environment: SessionEnvironment = {}) {
    super();
    this.options = Object.freeze({ ...options });
    const clock = environment.clock ?? systemClock;
    const store = (this.store = new SessionStore(this, { ...SIGNED_OUT, relayOnly: options.relayOnly ?? false, devices: NO_DEVICES }));
    const outbox = this.outbox();
    this.api = new ApiClient(options.server);
    this.auth = new SignIn(this.api, store, options.rememberSignIn ?? false, clock, {
      replace: () => this.stop('user'),
      start: (auth, epoch) => this.start(auth, epoch),
      renewed: (token) => this.signaling?.renewToken(token),
      expired: () => this.stop('expired'),
      refused: () => this.site.renew(),
    });
    this.site = new SiteSignIn(this.api, this.auth, clock, {
      needed: () => store.emit('site-token-needed', { reason: 'expired' }),
    });
    this.ice = new IceConfigCache(this.api, () => this.auth.token, clock);
    this.presence = new PresenceBook(store, outbox, clock, {
      peerHere: (userId, returned) => this.calls.peerHere(userId, returned),
      peerGone: (userId) => {
        this.calls.peerGone(userId);
        this.files.peerGone(userId);
      },
    });
    const token = () => this.auth.token;
    this.rooms = new RoomBook(this.api, store, this.presence, token, clock, {
      subscribe: (topics) => this.signaling?.setPresenceTopics(topics),
    });
    const inviteContext = { api: this.api, store, token, rooms: this.rooms };
    this.invites = new InviteBook(inviteContext);
    this.inviteLink = new InviteLinkFlow(inviteContext, {
      signIn: (auth) => this.auth.signInWith(auth),
      joined: (room) => this.joined(room),
    });
    this.chats = new ChatBook(store, outbox, this.presence, clock, this.messagesAway());
    this.callHistory = new CallHistoryBook(this.api, store, token, this.presence, () => clock.now());
    this.chatArchive =
      environment.chatArchive === undefined ? (typeof indexedDB === 'undefined' ? null : new IdbChatArchive()) : environment.chatArchive;
    this.addEventListener('change', () => this.archiveChats());
    this.files = new FileTransfers({
      store,
      outbox,
      clock,
      presence: this.presence,
      ice: this.ice,
      relayOnly: () => store.state.relayOnly,
    });
    const verifier =
      environment.verifier ?? (typeof RTCPeerConnection === 'undefined' ? CallVerifier.inMemory() : CallVerifier.forBrowser());
    this.calls = new Calls({
      store,
      outbox,
      clock,
      presence: this.presence,
      ice: this.ice,
      devices: environment.devices ?? browserDevices,
      createLink: environment.createLink ?? ((o) => new PeerLink(o)),
      // A 1:1 call replaced by a group call ends while the group call goes on: the status stays busy.
      phaseChanged: (phase) => (phase === 'ended' && this.group.call ? undefined : this.presence.followCall(phase)),
      deviceChoice: {
        chosenDevices: () => this.deviceBook.chosen,
        tracksChanged: () => this.deviceBook.watchCallTracks(),
      },
      verifier,
      options: {
        ringTimeoutMs: options.ringTimeoutMs,
        connectTimeoutMs: options.connectTimeoutMs,
        previewOnRing: options.previewOnRing,
        video: options.video ?? true,
      },
    });
    this.group = new GroupCalls({
      store,
      outbox,
      clock,
      api: this.api,
      token,
      presence: this.presence,
      ice: this.ice,
      certificate: () => verifier.certificate(),
      devices: environment.devices ?? browserDevices,
      createLink: environment.createLink ?? ((o) => new PeerLink(o)),
      deviceChoice: {
        chosenDevices: () => this.deviceBook.chosen,
        tracksChanged: () => this.deviceBook.watchCallTracks(),
      },
      inOneToOneCall: () => this.calls.call?.isLive ?? false,
      video: options.video ?? true,
      inCallChanged: (inCall) => this.presence.followCall(inCall ? 'connected' : 'ended'),
      ...(typeof AudioContext === 'undefined' ? {} : { meter: (track: MediaStreamTrack) => new MicLevel(track) }),
      oneToOnePeer: () => {
        const call = this.calls.call;
        return call?.machine.phase === 'connected' ? call.peer.id : null;
      },
      endOneToOne: () => {
        this.calls.hangup();
        this.calls.dismiss();
      },
    });
    this.roomChat = new RoomChatBook(store, outbox, this.presence, clock);
    this.deviceBook = new DeviceBook({
      store,
      source: environment.deviceSource === undefined ? browserDeviceSource() : environment.deviceSource,
      storage: environment.deviceStorage === undefined ? browserStorage() : environment.deviceStorage,
      storageKey: choiceStorageKey(options.server),
      speakerSupported: canChooseSpeaker(),
      hooks: {
        track: (kind) => {
          const call = this.group.call ?? this.calls.call;
          return call?.isLive ? (kind === 'camera' ? call.camera : call.mic) : null;
        },
        switchTrack: (kind) =>
          this.group.call ? this.group.media.switchDevice(this.group.call, kind) : this.calls.media.switchDevice(this.calls.call, kind),
        inCall: () => this.group.call !== null || (this.calls.call?.isLive ?? false),
        lostInCall: (message) => store.reportError({ code: 'media_missing', scope: 'media', message }),
      },
    });
    this.deviceBook.start();
    if (typeof window !== 'undefined') window.addEventListener('pagehide', this.onPageHide);
    this.stopRelabelling = onLanguageChange(() => this.calls.relabel());
  }

  get state(): SessionState {
    return this.store.state;
  }

  /** This tab's MQTT clientId (the `sid` of its messages); null when signed out. */
  get sid(): string | null {
    return this.signaling?.clientId ?? null;
  }

  /** Traffic figures of the current call's peer connection, null without one. */
  async getCallStats(): Promise<LinkStats | null> {
    return (await this.calls.call?.link?.stats()) ?? null;
  }

  /** Traffic figures of each link of the group call, by the other member's seat; empty without one. */
  async getGroupCallStats(): Promise<{ seat: number; user: string; stats: LinkStats }[]> {
    return (await this.group.call?.mesh.stats()) ?? [];
  }

  // ---------------------------------------------------------------- sign-in and status

  register(name: string, email: string, password: string): Promise<void> {
    return this.guard('auth', () => this.auth.register(name, email, password));
  }

  signIn(email: string, password: string): Promise<void> {
    return this.guard('auth', () => this.auth.signIn(email, password));
  }

  /**
   * Signs in with the embedding site's own account (PROTOCOL.md §1, "Site accounts"): `token` a
   * site JWT the page got, `url` the site's endpoint for one (fetched with the visitor's cookies).
   * A token of someone else switches user. The session is kept alive from the URL; with a token
   * only, a `site-token-needed` event asks the page for a new one when the backend ends it.
   */
  signInWithSite(source: SiteAccountSource): Promise<void> {
    return this.guard('auth', () => this.site.use(source));
  }

  async restore(): Promise<boolean> {
    // A site account signs in with the site's token only: the remembered one may be another visitor's.
    if (this.site.active) return false;
    let restored = false;
    await this.guard('auth', async () => void (restored = await this.auth.restore()));
    return restored;
  }

  async signOut(): Promise<void> {
    const token = this.auth.token;
    // Signing out of the widget ends a site sign-in too: it starts again only when the page says so.
    this.site.stop();
    if (!token && this.store.state.connection === 'signed-out') return;
    this.stop('user');
    // Then revoke the sign-in on the server (a copied token dies with it). Best effort: signed out here either way.
    if (token) await withTimeout(this.api.logout(token), LOGOUT_WAIT_MS).catch(() => undefined);
  }

  setStatus(status: PresenceStatus): void {
    this.presence.setStatus(status);
  }

  setRelayOnly(on: boolean): void {
    this.store.update({ relayOnly: on });
  }

  // ---------------------------------------------------------------- calls and media

  call(peerId: string, media: Partial<MediaKinds> = {}): Promise<void> {
    if (this.group.call) {
      this.store.reportError({ code: 'call_failed', scope: 'call', message: texts.ui.group.leaveGroupFirst });
      return Promise.resolve();
    }
    return this.guard('call', () => this.calls.place(peerId, media));
  }

  accept(): Promise<void> {
    return this.guard('call', () => this.calls.accept());
  }

  decline(): void {
    this.calls.decline();
  }

  cancel(): void {
    this.calls.cancel();
  }

  hangup(): void {
    this.calls.hangup();
  }

  dismissCall(): void {
    this.calls.dismiss();
  }

  // ---------------------------------------------------------------- group calls (PROTOCOL.md §6)

  joinGroupCall(roomId: string, media?: MediaKinds): Promise<void> {
    return this.guard('call', () => this.group.join(roomId, media));
  }

  leaveGroupCall(): Promise<void> {
    return this.guard('call', () => this.group.leave());
  }

  addToCall(userId: string): Promise<void> {
    // From a 1:1 call: it becomes a group call first (PROTOCOL.md §6).
    if (!this.group.call && this.calls.call?.isLive) return this.guard('call', () => this.group.convert(userId));
    return this.guard('call', () => this.group.ring(userId));
  }

  dismissGroupRing(): void {
    this.group.dismissRing();
  }

  sendRoomChat(roomId: string, text: string): Promise<void> {
    return this.guard('chat', () => this.roomChat.send(roomId, text));
  }

  markVerified(): Promise<void> {
    return this.guard('call', () => this.calls.markVerified());
  }

  // In a group call the controls act on it (every link of its mesh); else on the 1:1 call.

  setMicrophone(enabled: boolean): void {
    const group = this.group.call;
    if (group) return this.group.media.setMicrophone(group, enabled);
    // Out of any call it is the choice for the next one, of either kind.
    if (!this.calls.call?.isLive) this.group.media.setMicrophone(null, enabled);
    this.calls.media.setMicrophone(this.calls.call, enabled);
  }

  setCamera(enabled: boolean): Promise<void> {
    const group = this.group.call;
    if (group) return this.guard('media', () => this.group.setCamera(group, enabled));
    if (!this.calls.call?.isLive) void this.group.media.setCamera(null, enabled);
    return this.guard('media', () => this.calls.media.setCamera(this.calls.call, enabled));
  }

  startScreenShare(): Promise<void> {
    const group = this.group.call;
    if (group) return this.guard('media', () => this.group.media.startScreenShare(group));
    return this.guard('media', () => this.calls.media.startScreenShare(this.calls.call));
  }

  stopScreenShare(): Promise<void> {
    const group = this.group.call;
    if (group) return this.guard('media', () => this.group.media.stopScreenShare(group));
    return this.guard('media', () => this.calls.media.stopScreenShare(this.calls.call));
  }

  chooseDevice(kind: DeviceKind, deviceId: string | null): Promise<void> {
    return this.guard('media', async () => {
      const wellFormed = DEVICE_KINDS.includes(kind) && (deviceId === null || (typeof deviceId === 'string' && deviceId !== ''));
      if (!wellFormed || !(await this.deviceBook.offers(kind, deviceId))) {
        return this.store.reportError({ code: 'invalid_input', scope: 'media', message: texts.ui.devices.invalidChoice });
      }
      this.store.clearError('media');
      await this.deviceBook.choose(kind, deviceId);
    });
  }

  refreshDevices(): Promise<void> {
    return this.guard('media', () => this.deviceBook.refresh());
  }

  checkConnection(options: { timeoutMs?: number } = {}): Promise<ConnectionCheck> {
    return this.ice.forCall().then((ice) => checkConnection(ice, this.store.state.relayOnly, options));
  }

  // ---------------------------------------------------------------- chat

  sendChat(peerId: string, text: string): Promise<void> {
    return this.guard('chat', () => this.chats.send(peerId, text));
  }

  withdrawChat(peerId: string, id: string): Promise<void> {
    return this.guard('chat', () => this.chats.withdraw(peerId, id));
  }

  markRead(peerId: string): void {
    this.chats.markRead(peerId);
  }

  // ---------------------------------------------------------------- files (PROTOCOL.md §9)

  sendFiles(peerId: string, files: readonly File[]): Promise<void> {
    return this.guard('chat', () => this.files.send(peerId, files));
  }

  acceptFile(transferId: string, options?: FileSaveOptions): Promise<void> {
    return this.guard('chat', () => this.files.accept(transferId, options));
  }

  declineFile(transferId: string): void {
    this.files.decline(transferId);
  }

  cancelFile(transferId: string): void {
    this.files.cancel(transferId);
  }

  dismissFile(transferId: string): void {
    this.files.dismiss(transferId);
  }

  // ---------------------------------------------------------------- rooms and invites

  selectRoom(roomId: string): void {
    this.rooms.select(roomId);
  }

  createRoom(name: string): Promise<Invite | null> {
    return this.guarded('rooms', () => this.invites.createRoom(name));
  }

  createInvite(room: string | 'personal', options: InviteOptions = {}): Promise<Invite | null> {
    return this.guarded('rooms', () => this.invites.create(room, options));
  }

  async loadInvites(): Promise<void> {
    await this.guarded('rooms', () => this.invites.load());
  }

  async revokeInvite(code: string): Promise<void> {
    await this.guarded('rooms', () => this.invites.revoke(code));
  }

  openInvite(code: string): Promise<void> {
    return this.guard('invite', () => this.inviteLink.open(code));
  }

  joinAsGuest(name: string): Promise<void> {
    return this.guard('invite', () => this.inviteLink.joinAsGuest(name));
  }

  dismissInvite(): void {
    this.inviteLink.dismiss();
  }

  // ---------------------------------------------------------------- call history, do-not-disturb, invisible (PROTOCOL.md §7)

  loadCallHistory(): Promise<void> {
    return this.guard('history', () => this.callHistory.load());
  }

  loadMoreCalls(): Promise<void> {
    return this.guard('history', () => this.callHistory.loadMore());
  }

  deleteCall(id: string): Promise<void> {
    return this.guard('history', () => this.callHistory.remove(id));
  }

  markCallsSeen(): Promise<void> {
    return this.guard('history', () => this.callHistory.markSeen());
  }

  callBack(entry: CallHistoryEntry): Promise<void> {
    return this.call(entry.peer.id, entry.media);
  }

  setDoNotDisturb(choice: DndChoice): Promise<void> {
    return this.guard('history', () => this.callHistory.setDoNotDisturb(choice));
  }

  setInvisible(on: boolean): Promise<void> {
    return this.guard('history', () => this.callHistory.setPrivacy({ invisible: on }));
  }

  // ---------------------------------------------------------------- lifecycle

  dispose(): void {
    if (this.disposed) return;
    this.leaveCallOnUnload();
    this.disposed = true;
    this.stopRelabelling();
    this.auth.dispose();
    this.site.dispose();
    this.deviceBook.dispose();
    if (typeof window !== 'undefined') window.removeEventListener('pagehide', this.onPageHide);
    this.stop(null);
  }

  private async start(auth: AuthResponse, epoch: number): Promise<void> {
    const store = this.store;
    store.update({ user: auth.user, connection: 'connecting', status: 'available' });
    store.clearError('auth');
    store.emit('signed-in', { user: auth.user });
    void this.ice.load().catch(() => {});
    void this.restoreChats(auth.user.id);
    void this.rooms.load();
    void this.guard('invite', () => this.inviteLink.signedIn());
    void this.guard('history', () => this.callHistory.signedIn());
    const signaling = new SignalingClient({
      server: this.options.server,
      userId: auth.user.id,
      token: auth.token,
      handlers: {
        onState: (s) => this.onLinkState(signaling, s),
        onRoute: (r) => this.onRoute(signaling, r),
        onSubscribed: () => this.onSubscribed(signaling),
        onAuthRefused: () => this.auth.renewForBroker(),
        // A refused room call or chat topic says nothing the room's presence does not (an older backend has neither).
        // The notice topic (PROTOCOL.md §7) is no room's either.
        onPresenceRefused: (topic) => void (parseRoomCallFilter(topic) || parseNoticeTopic(topic) ? undefined : this.rooms.refused()),
      },
    });
    this.signaling = signaling;
    try {
      await signaling.start();
    } catch {
      // MQTT.js failed to load (offline bundle host): nothing can work.
      if (epoch === this.auth.epoch) {
        store.reportError({ code: 'server_unreachable', scope: 'connection', message: texts.errors.server_unreachable });
        store.update({ connection: 'reconnecting' });
      }
    }
  }

  /** Ends everything of this sign-in; `reason` null = dispose (no event, token kept). */
  private stop(reason: 'user' | 'expired' | null): void {
    // Signing out clears the conversations kept in this browser; an expiry or a closed page keeps them.
    const user = this.store.state.user;
    if (reason === 'user' && user) void this.chatArchive?.clear(user.id);
    this.archivedUser = null;
    // The seat is given up while the token still works.
    this.group.leaveOnUnload();
    this.auth.end(reason !== null);
    this.leaveCallOnUnload();
    this.calls.clear();
    this.group.clear();
    this.files.clear();
    // Detach first: close() reports 'closed', which must not look like an expiry.
    const signaling = this.signaling;
    this.signaling = null;
    signaling?.close();
    this.rooms.clear();
    this.presence.clear();
    this.callHistory.clear();
    this.ice.forget();
    const error: SessionError | null =
      reason === 'expired' ? { code: 'unauthorized', scope: 'auth', message: texts.errors.unauthorized } : null;
    this.store.reset(error);
    if (reason !== null) this.store.emit('signed-out', { reason });
    if (error) this.store.emit('error', error);
    if (reason === 'expired') this.site.ended();
  }

  /** Best effort on tab close or reload: tell the peer the call is over before the page goes. */
  private leaveCallOnUnload(): void {
    // Published synchronously, but only written on a later task, which an unloading page never runs.
    if (this.calls.leave()) this.signaling?.flush();
    // The group call's seat goes by a keepalive request, which outlives the page.
    this.group.leaveOnUnload();
  }

  private onLinkState(signaling: SignalingClient, state: SignalingState): void {
    if (signaling !== this.signaling) return;
    // Closed by the link itself: the broker refused our token and renewing it failed.
    if (state === 'closed') return this.stop('expired');
    this.store.update({ connection: state });
    this.group.connectionChanged(state === 'online');
    if (state === 'online') this.store.clearError('connection');
  }

  private onSubscribed(signaling: SignalingClient): void {
    if (signaling !== this.signaling) return;
    this.presence.republishStatus();
    this.calls.signalingBack();
    this.group.resubscribed();
    this.group.signalingBack();
    this.presence.resync();
    void this.chats.refreshWaiting().catch(() => undefined);
    // Rooms joined or lost while the link was down (a lost room also closes the link: PROTOCOL.md §4).
    // The first subscription needs no refetch: start() asked for the rooms already.
    if (this.subscribedBefore.has(signaling)) void this.rooms.load();
    this.subscribedBefore.add(signaling);
  }

  /** Joined `room` by a link: follow it, show it, and tell the page. */
  private async joined(room: Room): Promise<void> {
    await this.rooms.load(room.id);
    this.store.emit('room-joined', { room });
  }

  private onRoute(signaling: SignalingClient, route: MqttRoute): void {
    const me = this.store.state.user;
    if (signaling !== this.signaling || !me) return;
    if (route.kind === 'presence') return this.presence.onPresence(route.room, route.userId, route.presence);
    if (route.kind === 'room-call') return this.group.onRoomCall(route.roomId, route.call);
    if (route.kind === 'room-chat') return this.roomChat.receive(route.roomId, route.from, route.message);
    if (route.kind === 'notice') return this.callHistory.onNotice(route.notice);
    if (route.kind === 'group') return this.group.onMessage(route.from, route.message);
    if (route.kind === 'chat-delivered') return this.chats.delivered(route.from, route.ids);
    if (route.kind === 'file') return this.files.onMessage(route.from, route.message);
    const inGroupCall = this.group.call !== null;
    const decision = routeInbox(me.id, signaling.clientId, this.calls.routeContext(), route.from, route.message, inGroupCall);
    if (decision.action === 'ignore') return;
    if (decision.action === 'chat') this.chats.receive(decision.from, decision.message);
    else this.calls.onInbox(decision);
  }

  /** The conversations kept in this browser for `userId`, with what arrived meanwhile; kept from then on. */
  private async restoreChats(userId: string): Promise<void> {
    const archived = await this.chatArchive?.load(userId).catch(() => null);
    if (this.store.state.user?.id !== userId) return;
    if (archived) this.store.update({ chats: mergeChats(archived, this.store.state.chats) });
    this.archivedUser = userId;
    this.archiveChats();
  }

  /** Writes the conversations back whenever they changed (the archive folds quick changes into one write). */
  private archiveChats(): void {
    const { user, chats } = this.store.state;
    if (!this.chatArchive || !user || user.id !== this.archivedUser || chats === this.archivedChats) return;
    this.archivedChats = chats;
    this.chatArchive.save(user.id, boundArchive(chats));
  }

  /** The backend's keeping of messages while their recipient is away, with this sign-in's token. */
  private messagesAway(): MessagesAwayPort {
    const token = () => {
      const t = this.auth.token;
      if (!t) throw new ApiRequestError('unauthorized', texts.errors.unauthorized, 401);
      return t;
    };
    return {
      leave: async (request) => (await this.api.leaveMessage(token(), request)).message,
      waiting: async () => (await this.api.waitingMessages(token())).messages,
      withdraw: (id) => this.api.withdrawMessage(token(), id),
      acknowledge: (ids) => this.api.acknowledgeMessages(token(), ids),
    };
  }

  /** Signalling as the parts see it: the current link, or nothing while signed out. */
  private outbox(): Outbox {
    const link = () => this.signaling;
    return {
      get sid() {
        return link()?.clientId ?? '';
      },
      get online() {
        return link()?.isOnline ?? false;
      },
      send: (to, message, options) => link()?.publishInbox(to, message, options) ?? Promise.reject(new Error('signed out')),
      sendRoomChat: (roomId, message) => link()?.publishRoomChat(roomId, message) ?? Promise.reject(new Error('signed out')),
      publishStatus: (status) => link()?.publishStatus(status) ?? Promise.resolve(),
    };
  }

  /** Runs a visitor's action; anything it throws becomes an error of `scope` the visitor sees, never a rejection. */
  private async guard(scope: SessionError['scope'], action: () => Promise<void>): Promise<void> {
    await this.guarded(scope, action);
  }

  /** `guard` for an action with a result: the result, or null once the failure is shown (a success clears an earlier one). */
  private async guarded<T>(scope: SessionError['scope'], action: () => Promise<T>): Promise<T | null> {
    try {
      const result = await action();
      // The invites panel has no other success to clear its last failure (the other scopes' parts clear their own).
      if (scope === 'rooms') this.store.clearError(scope);
      return result;
    } catch (e) {
      this.store.reportError(toSessionError(e, scope));
      return null;
    }
  }
}
