/**
 * `Session`: the call engine the elements (and host pages) drive. It ties the
 * HTTP client, the MQTT signalling link, one call state machine per call, the
 * RTCPeerConnection and media together, and publishes everything as one
 * immutable `SessionState` (a new object and a `change` event per change).
 */
import {
  isValidChatText,
  MAX_CHAT_TEXT_LENGTH,
  shownChatTime,
  type AuthResponse,
  type InboxMessage,
  type InviteMessage,
  type MediaKinds,
  type Presence,
  type PresenceStatus,
} from '../protocol/index.js';
import { ApiClient, ApiError } from './api-client.js';
import { AutoReplyBudget } from './auto-reply.js';
import { CallStateMachine, type CallSnapshot } from './call-state-machine.js';
import { randomId } from './ids.js';
import { acquireDisplayMedia, acquireUserMedia, stopStream } from './media.js';
import { PeerLink, type LinkCondition, type LinkStats } from './peer.js';
import { routeInbox, type CallRouteContext, type InboxRoute, type MqttRoute } from './routing.js';
import { SignalingClient, type SignalingState } from './signaling.js';
import { iceServersNeedRefresh, lostLinkStep, reconnectDelay, tokenRenewalDelayMs } from './timing.js';
import type {
  CallEndReason,
  CallView,
  ChatEntry,
  ConnectionState,
  MediaFlags,
  SessionApi,
  SessionError,
  SessionEventMap,
  SessionOptions,
  SessionState,
} from './types.js';

/**
 * How long a call peer's presence may vanish (a reconnect, a token swap) before a call not yet
 * connected ends as peer-left. A connected call follows its media link instead (see onPeerGone).
 */
const PEER_LEFT_GRACE_MS = 4_000;
/** After a re-subscription, retained presence is collected this long before it replaces the old list. */
const PRESENCE_RESYNC_MS = 1_500;
/**
 * A callee signed in on several tabs: how long after the first accept the caller holds an answer,
 * in case another tab accepted at the same instant (the smaller sid wins, and its accept may still be
 * on its way). With one tab the answer is applied at once.
 */
const ACCEPT_SETTLE_MS = 400;
/** A chat message not acknowledged by the broker within this is marked failed. */
const CHAT_ACK_TIMEOUT_MS = 10_000;
/** signOut() waits this long at most for the server's logout: a backend that does not answer must not hold it. */
const LOGOUT_WAIT_MS = 5_000;
/** Kept per conversation; older entries are dropped. */
const MAX_CHAT_ENTRIES = 500;

interface IceConfig {
  servers: RTCIceServer[];
  policy: 'all' | 'relay';
  fetchedAt: number;
  ttl: number;
}

/** Everything about the current call that is not in the state machine. */
interface CallContext {
  callId: string;
  direction: 'outgoing' | 'incoming';
  peer: { id: string; name: string };
  media: MediaKinds;
  machine: CallStateMachine;
  /** The peer's tab this call is bound to (caller's for incoming, accepting tab's for outgoing). */
  peerSid: string | null;
  ringingSids: Set<string>;
  refusingSids: Set<string>;
  /** Outgoing: the callee accepted, so the held offer and candidates may go. */
  released: boolean;
  /** Someone accepted (us for incoming, them for outgoing). */
  answered: boolean;
  /** Outgoing: an answer was applied, so the callee tab can no longer change. */
  answerApplied: boolean;
  /** Outgoing: when the first accept arrived (Date.now()). */
  acceptSeenAt: number;
  /** Outgoing, callee on several tabs: the answer held during ACCEPT_SETTLE_MS, and its timer. */
  heldAnswer: { sid: string; sdp: string } | null;
  answerTimer: ReturnType<typeof setTimeout> | null;
  link: PeerLink | null;
  linkReady: Promise<PeerLink | null>;
  /** Incoming with a ringing preview (`previewOnRing`): camera/mic acquisition started while ringing, awaited on accept. */
  mediaReady: Promise<void> | null;
  /** Serialises incoming call messages (offer before its candidates). */
  inbound: Promise<void>;
  micTrack: MediaStreamTrack | null;
  cameraTrack: MediaStreamTrack | null;
  screenTrack: MediaStreamTrack | null;
  local: MediaFlags;
  remote: MediaFlags;
  localView: MediaStream | null;
  remoteStream: MediaStream | null;
  recoveryTimer: ReturnType<typeof setTimeout> | null;
  /** The media link was lost and is being recovered; the call shows it. */
  interrupted: boolean;
  peerLeftTimer: ReturnType<typeof setTimeout> | null;
  cleaned: boolean;
}

type CallMessageBody = InboxMessage extends infer M ? (M extends { callId: string } ? Omit<M, 'callId' | 'sid'> : never) : never;

const SIGNED_OUT: Omit<SessionState, 'relayOnly'> = {
  connection: 'signed-out',
  user: null,
  status: 'available',
  peers: [],
  call: null,
  chats: {},
  unread: {},
  error: null,
};

const hasTurn = (servers: RTCIceServer[]) =>
  servers.some((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^turns?:/i.test(u)));

/** An incoming call from `peerId` that still rings here. */
const isRingingFrom = (ctx: CallContext, peerId: string) =>
  ctx.direction === 'incoming' && ctx.machine.phase === 'ringing' && ctx.peer.id === peerId;

const byName = (a: Presence, b: Presence) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

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
  private current: SessionState;
  private readonly api: ApiClient;
  private token: string | null = null;
  private signaling: SignalingClient | null = null;
  private renewTimer: ReturnType<typeof setTimeout> | null = null;
  /** Own status before a call made us busy, restored when it ends; null when not set by a call. */
  private statusBeforeCall: PresenceStatus | null = null;
  /** Retries restore() while the backend is unreachable at page load, with backoff. */
  private restoreTimer: ReturnType<typeof setTimeout> | null = null;
  private restoreAttempt = 0;
  private ice: IceConfig | null = null;
  private iceLoading: Promise<IceConfig> | null = null;
  private presence = new Map<string, Presence>();
  private resync: Map<string, Presence> | null = null;
  private resyncTimer: ReturnType<typeof setTimeout> | null = null;
  private ctx: CallContext | null = null;
  private micEnabled = true;
  private videoDefault: boolean;
  /** Bumped on sign-out so late answers of a previous sign-in are dropped. */
  private epoch = 0;
  private disposed = false;
  /** Replies others can trigger (busy) must never spend our whole publish budget. */
  private readonly autoReplies = new AutoReplyBudget();
  private readonly onPageHide = () => this.leaveCallOnUnload();

  constructor(options: SessionOptions) {
    super();
    this.options = Object.freeze({ ...options });
    this.api = new ApiClient(options.server);
    this.videoDefault = options.video ?? true;
    this.current = { ...SIGNED_OUT, relayOnly: options.relayOnly ?? false };
    if (typeof window !== 'undefined') window.addEventListener('pagehide', this.onPageHide);
  }

  get state(): SessionState {
    return this.current;
  }

  /** This tab's MQTT clientId (the `sid` of its messages); null when signed out. */
  get sid(): string | null {
    return this.signaling?.clientId ?? null;
  }

  /** Traffic figures of the current call's peer connection, null without one. */
  async getCallStats(): Promise<LinkStats | null> {
    return (await this.ctx?.link?.stats()) ?? null;
  }

  // ---------------------------------------------------------------- sign-in

  async register(name: string, email: string, password: string): Promise<void> {
    await this.authenticate(() => this.api.register(name, email, password));
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.authenticate(() => this.api.login(email, password));
  }

  async restore(): Promise<boolean> {
    if (this.restoreTimer) clearTimeout(this.restoreTimer);
    this.restoreTimer = null;
    if (this.token) return true; // already signed in
    const stored = this.readStoredToken();
    if (!stored || this.disposed) return false;
    const epoch = ++this.epoch;
    this.update({ connection: 'signing-in' });
    try {
      const auth = await this.api.renewToken(stored);
      if (epoch !== this.epoch) return false;
      this.restoreAttempt = 0;
      await this.start(auth, epoch);
      return true;
    } catch (e) {
      if (epoch !== this.epoch) return false;
      if (e instanceof ApiError && e.code === 'unauthorized') this.storeToken(null);
      this.update({ connection: 'signed-out' });
      // Backend down at page load: keep the remembered sign-in and try again, so it comes back without a reload.
      if (e instanceof ApiError && e.code === 'server_unreachable' && !this.disposed) {
        this.scheduleRestore();
      }
      if (!(e instanceof ApiError && e.code === 'unauthorized')) this.reportError(toSessionError(e, 'auth'));
      return false;
    }
  }

  private scheduleRestore(): void {
    this.restoreTimer = setTimeout(() => {
      this.restoreTimer = null;
      if (this.token || this.disposed) return;
      // A sign-in typed meanwhile is under way: let it finish rather than racing it.
      if (this.current.connection === 'signing-in') this.scheduleRestore();
      else void this.restore();
    }, reconnectDelay(this.restoreAttempt++));
  }

  async signOut(): Promise<void> {
    if (!this.token && this.current.connection === 'signed-out') return;
    const token = this.token;
    this.stop('user');
    // Then revoke the sign-in on the server (a copied token dies with it). Best effort: signed out here either way.
    if (token) await withTimeout(this.api.logout(token), LOGOUT_WAIT_MS).catch(() => undefined);
  }

  setStatus(status: PresenceStatus): void {
    // The visitor's own choice wins over the automatic busy of a call.
    this.statusBeforeCall = null;
    this.applyStatus(status);
  }

  private applyStatus(status: PresenceStatus): void {
    this.update({ status });
    this.signaling?.publishStatus(status).catch(() => {
      // Re-published after the next (re)connect anyway.
    });
  }

  setRelayOnly(on: boolean): void {
    this.update({ relayOnly: on });
  }

  // ---------------------------------------------------------------- calls

  async call(peerId: string, media: Partial<MediaKinds> = {}): Promise<void> {
    const signaling = this.signaling;
    const me = this.current.user;
    if (!signaling || !me || this.current.connection !== 'online') {
      return this.reportError({ code: 'call_failed', scope: 'call', message: 'You are offline; the call cannot be placed.' });
    }
    if (this.ctx && this.ctx.machine.isLive) {
      // Their call reached us just before our click (glare, one side already ringing): calling back is answering.
      if (isRingingFrom(this.ctx, peerId)) return this.accept();
      return this.reportError({ code: 'call_failed', scope: 'call', message: 'You are already in a call.' });
    }
    const peer = this.presence.get(peerId);
    if (!peer || peerId === me.id) {
      return this.reportError({ code: 'call_failed', scope: 'call', message: 'This person is not online.' });
    }
    const kinds: MediaKinds = { audio: media.audio ?? true, video: media.video ?? this.videoDefault };
    const ctx = this.newCall('outgoing', randomId(16), { id: peer.id, name: peer.name }, kinds, null);
    this.clearError('call');
    ctx.machine.send({ type: 'ring' });
    void this.sendCall(ctx, { type: 'invite', media: kinds });
    // Media and the offer are prepared while the callee's phone rings.
    const mediaDone = this.acquireMedia(ctx, kinds);
    ctx.linkReady = this.prepareLink(ctx, 'offerer');
    await Promise.all([mediaDone, ctx.linkReady]);
  }

  async accept(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx || ctx.direction !== 'incoming' || ctx.machine.phase !== 'ringing') return;
    ctx.machine.send({ type: 'accept' });
    ctx.answered = true;
    // Tell our other tabs first so they stop ringing, then the caller.
    void this.signaling
      ?.publishInbox(this.current.user!.id, { type: 'handled', callId: ctx.callId, sid: this.sid! }, { queue: true })
      .catch(() => {});
    const accepted = this.sendCall(ctx, { type: 'accept' });
    // The offer applied while ringing is answered now; after it in the inbound queue so it is never overtaken.
    this.inQueue(ctx, async () => (await ctx.linkReady)?.answer());
    // Devices open now (unless the ringing preview opened them): in parallel with the answer, ICE and DTLS.
    // The answer's transceivers send nothing yet; acquireMedia puts the tracks in with replaceTrack.
    await Promise.all([accepted, ctx.mediaReady ?? this.acquireMedia(ctx, this.answerMedia(ctx))]);
    if (ctx.machine.isLive) void this.sendMediaState(ctx);
  }

  decline(): void {
    const ctx = this.ctx;
    if (!ctx || ctx.direction !== 'incoming' || ctx.machine.phase !== 'ringing') return;
    void this.signaling
      ?.publishInbox(this.current.user!.id, { type: 'handled', callId: ctx.callId, sid: this.sid! }, { queue: true })
      .catch(() => {});
    void this.sendCall(ctx, { type: 'reject', reason: 'declined' });
    ctx.machine.send({ type: 'decline' });
  }

  cancel(): void {
    const ctx = this.ctx;
    if (!ctx || ctx.direction !== 'outgoing' || ctx.machine.phase !== 'ringing') return;
    void this.sendCall(ctx, { type: 'cancel' });
    ctx.machine.send({ type: 'cancel' });
  }

  /** Ends the call in any live phase: a ringing call is cancelled or declined. */
  hangup(): void {
    const ctx = this.ctx;
    if (!ctx || !ctx.machine.isLive) return;
    if (ctx.machine.phase === 'ringing') {
      if (ctx.direction === 'outgoing') this.cancel();
      else this.decline();
      return;
    }
    void this.sendCall(ctx, { type: 'hangup' });
    ctx.machine.send({ type: 'hangup' });
  }

  dismissCall(): void {
    if (!this.ctx || this.ctx.machine.isLive) return;
    this.ctx = null;
    this.update({ call: null });
  }

  setMicrophone(enabled: boolean): void {
    this.micEnabled = enabled;
    const ctx = this.ctx;
    if (!ctx?.machine.isLive) return;
    if (ctx.micTrack) ctx.micTrack.enabled = enabled;
    ctx.local = { ...ctx.local, audio: enabled && ctx.micTrack !== null };
    // A disabled track still sends silence packets: take it off the sender so muted means nothing is sent.
    void this.applyTracks(ctx);
    this.renderCall(ctx);
    void this.sendMediaState(ctx);
  }

  async setCamera(enabled: boolean): Promise<void> {
    const ctx = this.ctx;
    if (!ctx?.machine.isLive) {
      this.videoDefault = enabled;
      return;
    }
    if (enabled && !ctx.cameraTrack) {
      const result = await acquireUserMedia({ audio: false, video: true });
      const track = result.stream?.getVideoTracks()[0] ?? null;
      if (!track || !ctx.machine.isLive || this.ctx !== ctx) {
        stopStream(result.stream);
        if (result.error) this.reportError(result.error);
        return;
      }
      ctx.cameraTrack = track;
      this.clearError('media');
    } else if (!enabled && ctx.cameraTrack) {
      // Stopping (not just disabling) turns the camera light off.
      ctx.cameraTrack.stop();
      ctx.cameraTrack = null;
    }
    ctx.local = { ...ctx.local, video: ctx.cameraTrack !== null };
    await this.applyTracks(ctx);
    this.renderCall(ctx);
    void this.sendMediaState(ctx);
  }

  async startScreenShare(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx || (ctx.machine.phase !== 'connecting' && ctx.machine.phase !== 'connected')) {
      return this.reportError({ code: 'call_failed', scope: 'media', message: 'Screen sharing needs an active call.' });
    }
    if (ctx.screenTrack) return;
    const { track, error } = await acquireDisplayMedia();
    if (!track) {
      if (error) this.reportError(error);
      return;
    }
    if (this.ctx !== ctx || !ctx.machine.isLive) {
      track.stop();
      return;
    }
    ctx.screenTrack = track;
    // The browser's own "Stop sharing" button ends the track: put the camera back.
    track.addEventListener('ended', () => {
      if (ctx.screenTrack === track) void this.stopScreenShare();
    });
    ctx.local = { ...ctx.local, screen: true };
    this.clearError('media');
    await this.applyTracks(ctx);
    this.renderCall(ctx);
    void this.sendMediaState(ctx);
  }

  async stopScreenShare(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx?.screenTrack) return;
    const track = ctx.screenTrack;
    ctx.screenTrack = null;
    track.stop();
    ctx.local = { ...ctx.local, screen: false };
    if (!ctx.machine.isLive) return;
    await this.applyTracks(ctx);
    this.renderCall(ctx);
    void this.sendMediaState(ctx);
  }

  // ---------------------------------------------------------------- chat

  async sendChat(peerId: string, text: string): Promise<void> {
    const me = this.current.user;
    if (!me) return this.reportError({ code: 'chat_failed', scope: 'chat', message: 'Sign in to send messages.' });
    if (!isValidChatText(text)) {
      return this.reportError({
        code: 'invalid_input',
        scope: 'chat',
        message: `A message must have some text and at most ${MAX_CHAT_TEXT_LENGTH} characters.`,
      });
    }
    const entry: ChatEntry = { id: randomId(12), peerId, fromMe: true, text, ts: Date.now(), delivery: 'sending' };
    this.putChat(entry);
    this.emit('chat', { message: entry });
    const signaling = this.signaling;
    const peer = this.presence.get(peerId);
    let failure: string | null = null;
    if (!signaling?.isOnline) failure = 'You are offline; the message was not sent.';
    else if (!peer) failure = 'This person is offline; the message was not delivered.';
    else {
      try {
        await withTimeout(
          signaling.publishInbox(peerId, { type: 'chat', id: entry.id, text, ts: entry.ts }, { qos: 1 }),
          CHAT_ACK_TIMEOUT_MS,
        );
      } catch {
        failure = 'The message could not be sent.';
      }
    }
    this.setDelivery(peerId, entry.id, failure ? 'failed' : 'sent');
    if (failure) this.reportError({ code: 'chat_failed', scope: 'chat', message: failure });
    else this.clearError('chat');
  }

  markRead(peerId: string): void {
    if (!this.current.unread[peerId]) return;
    const unread = { ...this.current.unread };
    delete unread[peerId];
    this.update({ unread });
  }

  dispose(): void {
    if (this.disposed) return;
    this.leaveCallOnUnload();
    this.disposed = true;
    if (this.restoreTimer) clearTimeout(this.restoreTimer);
    if (typeof window !== 'undefined') window.removeEventListener('pagehide', this.onPageHide);
    this.teardown();
  }

  // ---------------------------------------------------------------- internals: sign-in and link

  private async authenticate(request: () => Promise<AuthResponse>): Promise<void> {
    if (this.disposed) return;
    if (this.token) this.stop('user');
    const epoch = ++this.epoch;
    this.update({ connection: 'signing-in', error: this.current.error?.scope === 'auth' ? null : this.current.error });
    let auth: AuthResponse;
    try {
      auth = await request();
    } catch (e) {
      if (epoch !== this.epoch) return;
      this.update({ connection: 'signed-out' });
      this.reportError(toSessionError(e, 'auth'));
      return;
    }
    if (epoch !== this.epoch) return;
    await this.start(auth, epoch);
  }

  private async start(auth: AuthResponse, epoch: number): Promise<void> {
    this.token = auth.token;
    this.storeToken(auth.token);
    this.update({ user: auth.user, connection: 'connecting', status: 'available' });
    this.clearError('auth');
    this.emit('signed-in', { user: auth.user });
    this.scheduleRenewal(auth.token);
    void this.loadIce().catch(() => {});
    const signaling = new SignalingClient({
      server: this.options.server,
      userId: auth.user.id,
      token: auth.token,
      handlers: {
        onState: (s) => this.onLinkState(signaling, s),
        onRoute: (r) => this.onRoute(signaling, r),
        onSubscribed: () => this.onSubscribed(signaling),
        onAuthRefused: () => this.renewForBroker(),
      },
    });
    this.signaling = signaling;
    try {
      await signaling.start();
    } catch {
      // MQTT.js failed to load (offline bundle host): nothing can work.
      if (epoch === this.epoch) {
        this.reportError({ code: 'server_unreachable', scope: 'connection', message: 'The call service cannot be reached.' });
        this.update({ connection: 'reconnecting' });
      }
    }
  }

  private onLinkState(signaling: SignalingClient, state: SignalingState): void {
    if (signaling !== this.signaling) return;
    if (state === 'closed') {
      // Closed by the link itself: the broker refused our token and renewing it failed.
      this.stop('expired');
      return;
    }
    const connection: ConnectionState = state;
    this.update({ connection });
    if (state === 'online') this.clearError('connection');
  }

  private onSubscribed(signaling: SignalingClient): void {
    if (signaling !== this.signaling) return;
    if (this.current.status !== 'available') signaling.publishStatus(this.current.status).catch(() => {});
    // Our signalling is back: an ICE restart offer sent into the dead connection is lost.
    if (this.ctx) this.restartLostLink(this.ctx);
    if (this.presence.size === 0) return;
    // Retained presence is replayed now; users who left while we were away get no delete,
    // so rebuild the list from the replay instead of keeping stale entries.
    this.resync = new Map();
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = null;
      const fresh = this.resync;
      this.resync = null;
      if (!fresh) return;
      const gone = [...this.presence.keys()].filter((id) => !fresh.has(id));
      this.presence = fresh;
      this.renderPeers();
      for (const id of gone) this.onPeerGone(id);
    }, PRESENCE_RESYNC_MS);
  }

  private scheduleRenewal(token: string): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    const delay = tokenRenewalDelayMs(token);
    if (delay === null) return;
    this.renewTimer = setTimeout(() => void this.renewNow(), delay);
  }

  private async renewNow(): Promise<void> {
    const token = this.token;
    if (!token) return;
    const epoch = this.epoch;
    try {
      const auth = await this.api.renewToken(token);
      if (epoch !== this.epoch) return;
      this.token = auth.token;
      this.storeToken(auth.token);
      this.signaling?.renewToken(auth.token);
      this.scheduleRenewal(auth.token);
    } catch (e) {
      if (epoch !== this.epoch) return;
      if (e instanceof ApiError && e.code === 'unauthorized') {
        this.stop('expired');
        return;
      }
      // Network trouble: try again soon; the current token is still valid for a while.
      this.renewTimer = setTimeout(() => void this.renewNow(), 30_000);
    }
  }

  /** The broker refused our token (expired while we were away): renew it, or sign out. */
  private async renewForBroker(): Promise<string | null> {
    const token = this.token;
    if (!token) return null;
    try {
      const auth = await this.api.renewToken(token);
      this.token = auth.token;
      this.storeToken(auth.token);
      this.scheduleRenewal(auth.token);
      return auth.token;
    } catch (e) {
      if (e instanceof ApiError && e.code === 'unauthorized') return null;
      throw e;
    }
  }

  private async loadIce(): Promise<IceConfig> {
    if (this.iceLoading) return this.iceLoading;
    const token = this.token;
    if (!token) throw new Error('signed out');
    this.iceLoading = (async () => {
      try {
        const r = await this.api.iceServers(token);
        this.ice = { servers: r.iceServers as RTCIceServer[], policy: r.iceTransportPolicy, fetchedAt: Date.now(), ttl: r.ttl };
        return this.ice;
      } finally {
        this.iceLoading = null;
      }
    })();
    return this.iceLoading;
  }

  /** ICE servers for a call: refreshed when close to expiry; without any, host candidates still work on a LAN. */
  private async iceForCall(): Promise<IceConfig> {
    if (this.ice && !iceServersNeedRefresh(this.ice.fetchedAt, this.ice.ttl, Date.now())) return this.ice;
    try {
      return await this.loadIce();
    } catch {
      return this.ice ?? { servers: [], policy: 'all', fetchedAt: 0, ttl: 0 };
    }
  }

  /** Ends everything of this sign-in; `reason` null = dispose (no event, token kept). */
  private stop(reason: 'user' | 'expired' | null): void {
    this.epoch++;
    const ctx = this.ctx;
    if (ctx?.machine.isLive) {
      this.leaveCallOnUnload();
    }
    if (ctx) {
      this.cleanupCall(ctx);
      ctx.machine.dispose();
    }
    this.ctx = null;
    // Detach first: close() reports 'closed', which must not look like an expiry.
    const signaling = this.signaling;
    this.signaling = null;
    signaling?.close();
    if (this.renewTimer) clearTimeout(this.renewTimer);
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.renewTimer = this.resyncTimer = null;
    this.resync = null;
    this.statusBeforeCall = null;
    this.presence.clear();
    this.ice = null;
    this.token = null;
    if (reason !== null) this.storeToken(null);
    const error: SessionError | null =
      reason === 'expired' ? { code: 'unauthorized', scope: 'auth', message: 'Your sign-in has expired. Please sign in again.' } : null;
    this.current = { ...SIGNED_OUT, relayOnly: this.current.relayOnly, error };
    this.emit('change', this.current);
    if (reason !== null) this.emit('signed-out', { reason });
    if (error) this.emit('error', error);
  }

  private teardown(): void {
    this.stop(null);
  }

  /** Best effort on tab close or reload: tell the peer the call is over before the page goes. */
  private leaveCallOnUnload(): void {
    const ctx = this.ctx;
    if (!ctx?.machine.isLive) return;
    if (ctx.machine.phase === 'ringing') {
      if (ctx.direction === 'outgoing') this.cancel();
      else this.decline();
    } else {
      this.hangup();
    }
    // Published synchronously above, but only written on a later task, which an unloading page never runs.
    this.signaling?.flush();
  }

  private storageKey(): string {
    return `rtc-call:token:${this.api.origin}`;
  }

  private readStoredToken(): string | null {
    if (!this.options.rememberSignIn) return null;
    try {
      return sessionStorage.getItem(this.storageKey());
    } catch {
      return null;
    }
  }

  private storeToken(token: string | null): void {
    if (!this.options.rememberSignIn) return;
    try {
      if (token) sessionStorage.setItem(this.storageKey(), token);
      else sessionStorage.removeItem(this.storageKey());
    } catch {
      // Storage disabled (privacy mode): stay signed in for this page only.
    }
  }

  // ---------------------------------------------------------------- internals: incoming messages

  private onRoute(signaling: SignalingClient, route: MqttRoute): void {
    if (signaling !== this.signaling || !this.current.user) return;
    if (route.kind === 'presence') return this.onPresence(route.userId, route.presence);
    const ctx = this.ctx;
    const callCtx: CallRouteContext | null = ctx
      ? { callId: ctx.callId, peerId: ctx.peer.id, direction: ctx.direction, phase: ctx.machine.phase, peerSid: ctx.peerSid }
      : null;
    const decision = routeInbox(this.current.user.id, signaling.clientId, callCtx, route.from, route.message);
    this.act(decision, signaling);
  }

  private act(decision: InboxRoute, signaling: SignalingClient): void {
    switch (decision.action) {
      case 'ignore':
        return;
      case 'chat': {
        const { message, from } = decision;
        const existing = this.current.chats[from]?.some((c) => c.id === message.id && !c.fromMe);
        if (existing) return;
        // The sender's ts is a claim: shown no later than its arrival, so it cannot pose as a future or absurd time.
        const ts = shownChatTime(message.ts, Date.now());
        const entry: ChatEntry = { id: message.id, peerId: from, fromMe: false, text: message.text, ts, delivery: 'sent' };
        this.putChat(entry, true);
        this.emit('chat', { message: entry });
        return;
      }
      case 'busy':
        if (!this.autoReplies.allow(decision.from)) return;
        void signaling
          .publishInbox(
            decision.from,
            { type: 'reject', callId: decision.message.callId, sid: signaling.clientId, reason: 'busy' },
            { queue: true },
          )
          .catch(() => {});
        return;
      case 'invite':
        this.ring(decision.from, decision.message);
        return;
      case 'glare-yield':
        this.yieldToTheirCall(decision.from, decision.message);
        return;
      case 'handled-elsewhere':
        this.ctx?.machine.send({ type: 'answered-elsewhere' });
        return;
      case 'call': {
        const ctx = this.ctx!;
        const message = decision.message;
        this.inQueue(ctx, () => this.onCallMessage(ctx, message));
        return;
      }
    }
  }

  private ring(from: string, invite: InviteMessage, takeMediaFrom?: CallContext): CallContext {
    const name = this.presence.get(from)?.name ?? 'Someone';
    const ctx = this.newCall('incoming', invite.callId, { id: from, name }, invite.media, invite.sid);
    ctx.remote = { audio: invite.media.audio, video: invite.media.video, screen: false };
    if (takeMediaFrom) this.moveMedia(takeMediaFrom, ctx);
    ctx.machine.send({ type: 'ring' });
    void this.sendCall(ctx, { type: 'ringing' });
    // The peer connection, the caller's offer and our answer get ready while it rings, so accepting only answers.
    ctx.linkReady = this.prepareLink(ctx, 'answerer');
    // No camera or microphone before the visitor accepts: anyone signed in can ring, and must not light a
    // stranger's camera or raise a permission prompt. A site may opt in to a preview in the ringing dialog.
    if (!takeMediaFrom && this.options.previewOnRing) ctx.mediaReady = this.acquireMedia(ctx, this.answerMedia(ctx));
    if (!takeMediaFrom) this.emit('incoming-call', { call: this.current.call! });
    return ctx;
  }

  /** Both called each other at once and their call id wins: drop ours, answer theirs at once. */
  private yieldToTheirCall(from: string, invite: InviteMessage): void {
    const ours = this.ctx!;
    void this.sendCall(ours, { type: 'cancel' });
    const theirs = this.ring(from, invite, ours);
    ours.machine.send({ type: 'cancel' });
    this.ctx = theirs;
    this.renderCall(theirs);
    void this.accept();
  }

  private async onCallMessage(ctx: CallContext, message: Extract<InboxRoute, { action: 'call' }>['message']): Promise<void> {
    if (!ctx.machine.isLive) return;
    switch (message.type) {
      case 'ringing':
        ctx.ringingSids.add(message.sid);
        return;
      case 'accept': {
        if (ctx.direction !== 'outgoing') return;
        if (ctx.peerSid !== null) {
          // Two callee tabs accepted at once: they agree the smaller sid wins (see routeInbox); follow
          // them while no answer is applied yet. The offer already went to the user's inbox, so both have it.
          if (message.sid < ctx.peerSid && !ctx.answerApplied && ctx.machine.phase === 'connecting') ctx.peerSid = message.sid;
          return;
        }
        if (!ctx.machine.send({ type: 'accept' })) return;
        ctx.peerSid = message.sid;
        ctx.acceptSeenAt = Date.now();
        ctx.released = ctx.answered = true;
        void this.sendMediaState(ctx);
        return;
      }
      case 'reject': {
        if (ctx.direction !== 'outgoing' || ctx.machine.phase !== 'ringing') return;
        if (message.reason === 'declined') {
          ctx.machine.send({ type: 'reject', reason: 'declined' });
          return;
        }
        // Busy or unavailable in one tab: another tab of the callee may still ring.
        ctx.ringingSids.delete(message.sid);
        ctx.refusingSids.add(message.sid);
        const tabs = this.presence.get(ctx.peer.id)?.sessions ?? 1;
        if (ctx.ringingSids.size === 0 && ctx.refusingSids.size >= tabs) ctx.machine.send({ type: 'reject', reason: message.reason });
        return;
      }
      case 'cancel':
        ctx.machine.send({ type: 'remote-cancel' });
        return;
      case 'hangup':
        ctx.machine.send({ type: 'remote-hangup' });
        return;
      case 'media-state':
        ctx.remote = { audio: message.audio, video: message.video, screen: message.screen };
        this.renderCall(ctx);
        return;
      case 'offer': {
        if (ctx.direction !== 'incoming') return;
        const link = await ctx.linkReady;
        // While ringing only prepare: nothing is sent before this tab accepts (another tab may take the call).
        if (ctx.machine.phase === 'ringing') {
          await link?.applyOffer(message.sdp);
          await link?.prepareAnswer();
        } else await link?.handleOffer(message.sdp);
        return;
      }
      case 'answer': {
        if (ctx.direction !== 'outgoing') return;
        const tabs = this.presence.get(ctx.peer.id)?.sessions ?? 1;
        const wait = ctx.answerApplied || tabs <= 1 ? 0 : ctx.acceptSeenAt + ACCEPT_SETTLE_MS - Date.now();
        if (wait <= 0) return this.applyAnswer(ctx, message.sdp);
        // Held, not awaited: the inbound queue must stay free for a winning tab's accept and answer.
        ctx.heldAnswer = { sid: message.sid, sdp: message.sdp };
        ctx.answerTimer ??= setTimeout(() => {
          ctx.answerTimer = null;
          const held = ctx.heldAnswer;
          ctx.heldAnswer = null;
          // Another tab's accept with a smaller sid came meanwhile: its own answer follows (or came).
          if (!held || held.sid !== ctx.peerSid || !ctx.machine.isLive) return;
          this.inQueue(ctx, () => this.applyAnswer(ctx, held.sdp));
        }, wait);
        return;
      }
      case 'candidate': {
        const link = await ctx.linkReady;
        await link?.addRemoteCandidate(message.candidate);
        return;
      }
    }
  }

  /**
   * Runs `step` after every call message already queued (an offer before its candidates, the answer
   * after the offer); a step that throws means the call cannot be set up.
   */
  private inQueue(ctx: CallContext, step: () => Promise<unknown>): void {
    ctx.inbound = ctx.inbound
      .then(async () => void (await step()))
      .catch(() => {
        ctx.machine.send({ type: 'fail', message: `The call with ${ctx.peer.name} failed (the connection could not be set up).` });
      });
  }

  private async applyAnswer(ctx: CallContext, sdp: string): Promise<void> {
    ctx.answerApplied = true;
    const link = await ctx.linkReady;
    await link?.acceptAnswer(sdp);
  }

  private onPresence(userId: string, presence: Presence | null): void {
    if (userId === this.current.user?.id) return;
    if (this.resync && presence) this.resync.set(userId, presence);
    if (presence) {
      const returned = !this.presence.has(userId);
      this.presence.set(userId, presence);
      const ctx = this.ctx;
      if (ctx?.peer.id === userId && ctx.peerLeftTimer) {
        clearTimeout(ctx.peerLeftTimer);
        ctx.peerLeftTimer = null;
      }
      // Their signalling is back: an ICE restart sent while it was down never reached them.
      if (returned && ctx?.peer.id === userId) this.restartLostLink(ctx);
    } else {
      this.resync?.delete(userId);
      if (!this.presence.delete(userId)) return;
      this.onPeerGone(userId);
    }
    this.renderPeers();
  }

  /**
   * Their presence vanished. Once media flows, presence proves nothing: a peer whose network
   * drops for a few seconds may lose its broker socket first and still come back to the call.
   * A connected call ends by the hangup a leaving tab sends, by the peer's DTLS close, or by the
   * media link staying lost (onLinkCondition); presence only ends calls that never connected.
   */
  private onPeerGone(userId: string): void {
    const ctx = this.ctx;
    if (!ctx || ctx.peer.id !== userId || !ctx.machine.isLive || ctx.peerLeftTimer || ctx.machine.phase === 'connected') return;
    ctx.peerLeftTimer = setTimeout(() => {
      ctx.peerLeftTimer = null;
      if (ctx.machine.phase === 'connected') return;
      // While our own link is down (a backend restart) presence says nothing about them: wait until we are back.
      if (this.current.connection !== 'online') this.onPeerGone(userId);
      else if (!this.presence.has(userId)) ctx.machine.send({ type: 'peer-left' });
    }, PEER_LEFT_GRACE_MS);
  }

  private renderPeers(): void {
    const peers = [...this.presence.values()].sort(byName);
    this.update({ peers });
    this.emit('presence', { peers });
  }

  // ---------------------------------------------------------------- internals: one call

  private newCall(
    direction: 'outgoing' | 'incoming',
    callId: string,
    peer: { id: string; name: string },
    media: MediaKinds,
    peerSid: string | null,
  ): CallContext {
    const previous = this.ctx;
    if (previous && !previous.machine.isLive) this.cleanupCall(previous);
    const ctx: CallContext = {
      callId,
      direction,
      peer,
      media,
      machine: null as unknown as CallStateMachine,
      peerSid,
      ringingSids: new Set(),
      refusingSids: new Set(),
      released: direction === 'incoming',
      answered: false,
      answerApplied: false,
      acceptSeenAt: 0,
      heldAnswer: null,
      answerTimer: null,
      link: null,
      linkReady: Promise.resolve(null),
      mediaReady: null,
      inbound: Promise.resolve(),
      micTrack: null,
      cameraTrack: null,
      screenTrack: null,
      local: { audio: false, video: false, screen: false },
      remote: { audio: media.audio, video: media.video, screen: false },
      localView: null,
      remoteStream: null,
      recoveryTimer: null,
      interrupted: false,
      peerLeftTimer: null,
      cleaned: false,
    };
    ctx.machine = new CallStateMachine({
      direction,
      peerName: peer.name,
      ringTimeoutMs: this.options.ringTimeoutMs,
      connectTimeoutMs: this.options.connectTimeoutMs,
      onChange: (snapshot) => this.onMachine(ctx, snapshot),
    });
    this.ctx = ctx;
    return ctx;
  }

  private onMachine(ctx: CallContext, snapshot: CallSnapshot): void {
    if (snapshot.phase === 'ended') this.onEnded(ctx, snapshot.endReason!);
    if (snapshot.phase === 'connected') this.clearError('call');
    this.followCallInStatus(snapshot.phase);
    this.renderCall(ctx);
  }

  /** Busy while a call is answered, so others see it before calling; the previous status comes back after. */
  private followCallInStatus(phase: CallSnapshot['phase']): void {
    if (phase === 'connecting' || phase === 'connected') {
      if (this.statusBeforeCall !== null || this.current.status === 'busy') return;
      const before = this.current.status;
      this.applyStatus('busy');
      this.statusBeforeCall = before;
    } else if (phase === 'ended' && this.statusBeforeCall !== null) {
      const before = this.statusBeforeCall;
      this.statusBeforeCall = null;
      this.applyStatus(before);
    }
  }

  private onEnded(ctx: CallContext, reason: CallEndReason): void {
    // Timeouts and failures are decided here alone: tell the other side so it does not wait.
    if (reason === 'missed' || reason === 'failed') {
      if (ctx.answered) void this.sendCall(ctx, { type: 'hangup' });
      else if (ctx.direction === 'outgoing') void this.sendCall(ctx, { type: 'cancel' });
      else if (reason === 'failed') void this.sendCall(ctx, { type: 'reject', reason: 'unavailable' });
    }
    this.cleanupCall(ctx);
    if (reason !== 'failed') return;
    // Relay-only without a relay candidate (refused at once, or still nothing at the connect timeout): the TURN server is why.
    const relay = ctx.link?.relayProblem() ?? null;
    if (relay) {
      this.ice = null; // stale credentials (secret rotated, clock skew): the next call fetches fresh ones
      this.reportError({
        code: 'turn_failed',
        scope: 'call',
        message:
          relay === 'refused'
            ? 'The relay server refused the connection, so the call could not connect.'
            : 'The relay server cannot be reached, so the call could not connect.',
      });
    } else {
      this.reportError({ code: 'call_failed', scope: 'call', message: ctx.machine.snapshot.message });
    }
  }

  private cleanupCall(ctx: CallContext): void {
    if (ctx.cleaned) return;
    ctx.cleaned = true;
    ctx.link?.close();
    void ctx.linkReady.then((link) => link?.close());
    for (const t of [ctx.micTrack, ctx.cameraTrack, ctx.screenTrack]) t?.stop();
    if (ctx.recoveryTimer) clearTimeout(ctx.recoveryTimer);
    if (ctx.peerLeftTimer) clearTimeout(ctx.peerLeftTimer);
    if (ctx.answerTimer) clearTimeout(ctx.answerTimer);
    ctx.recoveryTimer = ctx.peerLeftTimer = ctx.answerTimer = null;
  }

  /** Hands media already acquired for one call to the next (glare): no second prompt. */
  private moveMedia(from: CallContext, to: CallContext): void {
    to.micTrack = from.micTrack;
    to.cameraTrack = from.cameraTrack;
    to.local = { ...from.local, screen: false };
    from.micTrack = from.cameraTrack = null;
    to.localView = from.localView;
  }

  private async prepareLink(ctx: CallContext, role: 'offerer' | 'answerer'): Promise<PeerLink | null> {
    const ice = await this.iceForCall();
    if (!ctx.machine.isLive || ctx.cleaned) return null;
    const relayOnly = this.current.relayOnly || ice.policy === 'relay';
    if (relayOnly && !hasTurn(ice.servers)) {
      ctx.machine.send({ type: 'fail', message: 'The call needs a relay server (to hide IP addresses), and none is available.' });
      // After the generic call_failed the end reports: this is the error to show.
      this.reportError({
        code: 'turn_failed',
        scope: 'call',
        message: 'Hiding your IP address needs a relay server, and this service has none.',
      });
      return null;
    }
    const link = new PeerLink({
      role,
      iceServers: ice.servers,
      relayOnly,
      onDescription: (d) => void this.sendCall(ctx, d.type === 'offer' ? { type: 'offer', sdp: d.sdp } : { type: 'answer', sdp: d.sdp }),
      onCandidate: (candidate) => void this.sendCall(ctx, { type: 'candidate', candidate }),
      onRemoteStream: (stream) => {
        ctx.remoteStream = stream;
        this.renderCall(ctx);
      },
      onCondition: (c) => this.onLinkCondition(ctx, c, relayOnly),
    });
    ctx.link = link;
    await this.applyTracks(ctx);
    if (role === 'offerer') await link.createOffer();
    return link;
  }

  private onLinkCondition(ctx: CallContext, condition: LinkCondition, relayOnly: boolean): void {
    if (!ctx.machine.isLive) return;
    if (condition === 'connected') {
      if (ctx.recoveryTimer) clearTimeout(ctx.recoveryTimer);
      ctx.recoveryTimer = null;
      const wasInterrupted = ctx.interrupted;
      ctx.interrupted = false;
      if (!ctx.machine.send({ type: 'connected' }) && wasInterrupted) this.renderCall(ctx);
      return;
    }
    if (condition === 'closed') {
      ctx.machine.send({ type: 'remote-hangup' });
      return;
    }
    if (condition === 'relay-unavailable') {
      ctx.machine.send({
        type: 'fail',
        message: `Could not connect to ${ctx.peer.name}. The relay server ${ctx.link?.relayProblem() === 'refused' ? 'refused the connection' : 'cannot be reached'}.`,
      });
      return;
    }
    if (condition === 'failed') {
      ctx.machine.send({
        type: 'fail',
        message: `Could not connect to ${ctx.peer.name}. ${relayOnly ? 'The relay server did not work.' : 'A firewall may be blocking the call.'}`,
      });
      if (relayOnly) this.reportError({ code: 'turn_failed', scope: 'call', message: 'The relay server could not connect the call.' });
      return;
    }
    // Interrupted: ICE may resume on its own, or through the caller's ICE restart.
    if (ctx.recoveryTimer) return;
    void this.watchLostLink(ctx);
  }

  /** The caller of a connected call whose link is lost restarts ICE again (a no-op otherwise). */
  private restartLostLink(ctx: CallContext): void {
    if (ctx.machine.phase !== 'connected' || !ctx.link) return;
    ctx.link.restartIceNow().catch(() => {
      // A rollback refused mid-negotiation: the restart under way goes on, and the deadline still holds.
    });
  }

  /**
   * Follows a link the browser reports lost until it says 'connected' again, from the packets
   * themselves (lostLinkStep): the browser reports a loss only seconds after it (Chromium ~8 s), so
   * the call ends once no packet arrived for 13 s, and shows the interruption meanwhile. Packets
   * flowing again count as recovered even before the browser says so (Firefox may stay
   * 'disconnected' for many seconds after media is back).
   */
  private async watchLostLink(ctx: CallContext, due = false): Promise<void> {
    const silence = (await ctx.link?.silenceMs().catch(() => null)) ?? null;
    if (!ctx.machine.isLive || ctx.recoveryTimer || ctx.link?.pc.connectionState === 'connected') return;
    const step = lostLinkStep(silence, due);
    if (step.end) {
      ctx.machine.send({ type: 'fail', message: `The connection to ${ctx.peer.name} was lost.` });
      return;
    }
    if (ctx.interrupted !== step.interrupted) {
      ctx.interrupted = step.interrupted;
      this.renderCall(ctx);
    }
    ctx.recoveryTimer = setTimeout(() => {
      ctx.recoveryTimer = null;
      void this.watchLostLink(ctx, true);
    }, step.checkInMs);
  }

  /** What the callee sends: the microphone, and the camera when the call is a video call and video is on here. */
  private answerMedia(ctx: CallContext): MediaKinds {
    return { audio: true, video: ctx.media.video && this.videoDefault };
  }

  private async acquireMedia(ctx: CallContext, kinds: MediaKinds): Promise<void> {
    if (ctx.micTrack || ctx.cameraTrack) return; // handed over from a glared call
    const result = await acquireUserMedia(kinds);
    if (this.ctx !== ctx || !ctx.machine.isLive) {
      stopStream(result.stream);
      return;
    }
    ctx.micTrack = result.stream?.getAudioTracks()[0] ?? null;
    ctx.cameraTrack = result.stream?.getVideoTracks()[0] ?? null;
    if (ctx.micTrack) ctx.micTrack.enabled = this.micEnabled;
    ctx.local = { audio: ctx.micTrack !== null && this.micEnabled, video: ctx.cameraTrack !== null, screen: ctx.local.screen };
    if (result.error) this.reportError(result.error);
    else this.clearError('media');
    await this.applyTracks(ctx);
    this.renderCall(ctx);
    if (ctx.released && ctx.machine.phase !== 'ringing') void this.sendMediaState(ctx);
  }

  /** Puts the current tracks on the link and rebuilds the local preview stream. */
  private async applyTracks(ctx: CallContext): Promise<void> {
    const video = ctx.screenTrack ?? ctx.cameraTrack;
    const tracks = [ctx.micTrack, video].filter((t): t is MediaStreamTrack => t !== null);
    const previous = ctx.localView?.getTracks() ?? [];
    if (tracks.length !== previous.length || tracks.some((t, i) => t !== previous[i])) {
      ctx.localView = tracks.length ? new MediaStream(tracks) : null;
    }
    if (!ctx.link) return;
    await ctx.link.setTrack('audio', this.micEnabled ? ctx.micTrack : null);
    await ctx.link.setTrack('video', video);
  }

  private sendMediaState(ctx: CallContext): Promise<void> {
    return this.sendCall(ctx, { type: 'media-state', ...ctx.local });
  }

  /**
   * Sends a message of this call to the peer. The offer and candidates go at once (every ringing tab
   * prepares its answer); only media-state waits for the accept.
   */
  private sendCall(ctx: CallContext, body: CallMessageBody): Promise<void> {
    const message = { ...body, callId: ctx.callId, sid: this.sid ?? '' } as InboxMessage;
    // Before the accept nobody is listening for media-state; the accept sends the current one.
    if (body.type === 'media-state' && !ctx.released) return Promise.resolve();
    return this.publishCall(ctx, message);
  }

  private publishCall(ctx: CallContext, message: InboxMessage): Promise<void> {
    const signaling = this.signaling;
    if (!signaling) return Promise.resolve();
    return signaling.publishInbox(ctx.peer.id, message, { queue: true }).catch(() => {
      // Lost signalling shows up as a call that does not connect; the timeouts end it with a message.
    });
  }

  private renderCall(ctx: CallContext): void {
    if (this.ctx !== ctx) return;
    const s = ctx.machine.snapshot;
    const interrupted = ctx.interrupted && s.phase === 'connected';
    const call: CallView = {
      callId: ctx.callId,
      direction: ctx.direction,
      peer: { ...ctx.peer },
      phase: s.phase === 'idle' ? 'ringing' : s.phase,
      media: { ...ctx.media },
      local: { ...ctx.local },
      remote: { ...ctx.remote },
      localStream: ctx.localView,
      remoteStream: ctx.remoteStream,
      message: interrupted ? `Connection to ${ctx.peer.name} interrupted — reconnecting…` : s.message,
      startedAt: s.startedAt,
    };
    if (interrupted) call.interrupted = true;
    if (s.endReason) call.endReason = s.endReason;
    if (s.connectedAt !== undefined) call.connectedAt = s.connectedAt;
    if (s.endedAt !== undefined) call.endedAt = s.endedAt;
    this.update({ call });
    this.emit('call-state', { call });
  }

  // ---------------------------------------------------------------- internals: chat and state

  private putChat(entry: ChatEntry, unread = false): void {
    const list = [...(this.current.chats[entry.peerId] ?? []), entry].slice(-MAX_CHAT_ENTRIES);
    const patch: Partial<SessionState> = { chats: { ...this.current.chats, [entry.peerId]: list } };
    if (unread) patch.unread = { ...this.current.unread, [entry.peerId]: (this.current.unread[entry.peerId] ?? 0) + 1 };
    this.update(patch);
  }

  private setDelivery(peerId: string, id: string, delivery: ChatEntry['delivery']): void {
    const list = this.current.chats[peerId];
    if (!list) return;
    this.update({ chats: { ...this.current.chats, [peerId]: list.map((c) => (c.id === id && c.fromMe ? { ...c, delivery } : c)) } });
  }

  private reportError(error: SessionError): void {
    this.update({ error });
    this.emit('error', error);
  }

  private clearError(scope: SessionError['scope']): void {
    if (this.current.error?.scope === scope) this.update({ error: null });
  }

  private update(patch: Partial<SessionState>): void {
    this.current = { ...this.current, ...patch };
    this.emit('change', this.current);
  }

  private emit<K extends keyof SessionEventMap>(type: K, detail: SessionEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

function toSessionError(e: unknown, scope: SessionError['scope']): SessionError {
  if (e instanceof ApiError) return e.toSessionError(scope);
  return { code: 'internal', scope, message: 'Something went wrong. Please try again.' };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
