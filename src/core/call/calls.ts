/**
 * The calls of this tab: placing, ringing, accepting, declining and ending them, the inbound
 * call messages, glare (both called each other: the smaller call id survives, see routing.ts),
 * and the end of a call. A collection because group calls will hold several links; today it
 * holds at most one live call.
 */
import type { InboxMessage, InviteMessage, MediaKinds } from '../../protocol/index.js';
import { AutoReplyBudget } from '../auto-reply.js';
import type { CallSnapshot } from '../call-state-machine.js';
import type { Clock } from '../clock.js';
import { randomId } from '../ids.js';
import type { IceConfigCache } from '../ice-config.js';
import type { Outbox } from '../outbox.js';
import type { PresenceView } from '../presence-book.js';
import type { CallRouteContext, InboxRoute } from '../routing.js';
import type { SessionStore } from '../session-state.js';
import { texts } from '../texts.js';
import type { CallEndReason } from '../types.js';
import { Call, type CallLink, type CallLinkOptions, type CallMessageBody } from './call.js';
import { CallMedia, type Devices, type MediaHooks } from './call-media.js';
import { openLink, replaceLink, takeNewLink, type LinkDeps } from './call-link.js';
import { onCallMessage, type CallMessageDeps } from './call-messages.js';
import { restartLostLink } from './link-recovery.js';
import { CallVerifier } from '../verify/call-verifier.js';
import { ExchangeFailed, exchangeNonces } from '../verify/exchange.js';
import { watchQuality } from './quality.js';

/**
 * How long a call peer's presence may vanish (a reconnect, a token swap) before a call not yet
 * connected ends as peer-left. A connected call follows its media link instead (see peerGone).
 */
export const PEER_LEFT_GRACE_MS = 4_000;

export interface CallsOptions {
  ringTimeoutMs?: number | undefined;
  connectTimeoutMs?: number | undefined;
  /** Open the devices while an incoming call rings, for a preview (off: nothing opens before the accept). */
  previewOnRing?: boolean | undefined;
  /** Video on in new calls. */
  video: boolean;
}

export interface CallsDeps {
  store: SessionStore;
  outbox: Outbox;
  clock: Clock;
  presence: PresenceView;
  ice: Pick<IceConfigCache, 'forCall' | 'forget'>;
  devices: Devices;
  createLink(options: CallLinkOptions): CallLink;
  /** The phase of the shown call changed (the own status follows it). */
  phaseChanged(phase: CallSnapshot['phase']): void;
  /** The camera and microphone chosen (devices.ts), and who watches the call's tracks. */
  deviceChoice?: Pick<MediaHooks, 'chosenDevices' | 'tracksChanged'>;
  options: CallsOptions;
  /** The certificate and the people verified; memory only when absent (node tests). */
  verifier?: CallVerifier;
}

export class Calls {
  private current: Call | null = null;
  readonly media: CallMedia;
  private readonly linkDeps: LinkDeps;
  private readonly messageDeps: CallMessageDeps;
  /** Replies others can trigger (busy) must never spend our whole publish budget. */
  private readonly autoReplies = new AutoReplyBudget();
  private readonly verifier: CallVerifier;

  constructor(private readonly deps: CallsDeps) {
    const { store } = deps;
    this.verifier = deps.verifier ?? CallVerifier.inMemory();
    this.media = new CallMedia(
      deps.devices,
      store,
      {
        isCurrent: (call) => this.current === call,
        render: (call) => this.render(call),
        sendMediaState: (call) => this.sendMediaState(call),
        ...deps.deviceChoice,
      },
      deps.options.video,
    );
    this.linkDeps = {
      iceForCall: () => deps.ice.forCall(),
      certificate: () => this.verifier.certificate(),
      relayOnly: () => store.state.relayOnly,
      createLink: (options) => deps.createLink(options),
      send: (call, body) => void this.send(call, body),
      applyTracks: (call) => this.media.applyTracks(call),
      render: (call) => this.render(call),
      reportError: (error) => store.reportError(error),
      replaceLink: (call) => replaceLink(call, this.linkDeps),
    };
    this.messageDeps = {
      tabsOf: (userId) => deps.presence.tabsOf(userId),
      render: (call) => this.render(call),
      sendMediaState: (call) => void this.sendMediaState(call),
      replaceLink: this.linkDeps.replaceLink,
      takeNewLink: (call, generation) => takeNewLink(call, generation, this.linkDeps),
    };
  }

  /** The call shown (live, or ended and not yet dismissed). */
  get call(): Call | null {
    return this.current;
  }

  /** What routing needs to know of the current call. */
  routeContext(): CallRouteContext | null {
    const c = this.current;
    return c ? { callId: c.callId, peerId: c.peer.id, direction: c.direction, phase: c.machine.phase, peerSid: c.peerSid } : null;
  }

  async place(peerId: string, media: Partial<MediaKinds>): Promise<void> {
    const { store, outbox, presence } = this.deps;
    const me = store.state.user;
    if (!me || !outbox.online || store.state.connection !== 'online') return this.refuse(texts.call.offline);
    const live = this.current?.isLive ? this.current : null;
    if (live) {
      // Their call reached us just before our click (glare, one side already ringing): calling back is answering.
      if (live.isRingingFrom(peerId)) return this.accept();
      return this.refuse(texts.call.alreadyInCall);
    }
    const peer = presence.get(peerId);
    if (!peer || peerId === me.id) return this.refuse(texts.call.notOnline);
    const kinds: MediaKinds = { audio: media.audio ?? true, video: media.video ?? this.media.videoDefault };
    const call = this.newCall('outgoing', randomId(16), { id: peer.id, name: peer.name }, kinds);
    store.clearError('call');
    call.machine.send({ type: 'ring' });
    void this.send(call, { type: 'invite', media: kinds });
    // Media and the offer are prepared while the callee's phone rings.
    const mediaDone = this.media.open(call, kinds);
    call.linkReady = openLink(call, 'offerer', this.linkDeps);
    await Promise.all([mediaDone, call.linkReady]);
  }

  async accept(): Promise<void> {
    const call = this.current;
    if (!call || call.direction !== 'incoming' || call.machine.phase !== 'ringing') return;
    call.machine.send({ type: 'accept' });
    call.answered = true;
    // Tell our other tabs first so they stop ringing, then the caller.
    this.tellOwnTabs(call);
    const accepted = this.send(call, { type: 'accept' });
    // The offer applied while ringing is answered now; after it in the inbound queue so it is never overtaken.
    call.inQueue(async () => (await call.linkReady)?.answer());
    // Devices open now (unless the ringing preview opened them): in parallel with the answer, ICE and DTLS.
    // The answer's transceivers send nothing yet; opening them puts the tracks in with replaceTrack.
    await Promise.all([accepted, call.mediaReady ?? this.media.open(call, this.media.kindsFor(call))]);
    if (call.isLive) void this.sendMediaState(call);
  }

  decline(): void {
    const call = this.current;
    if (!call || call.direction !== 'incoming' || call.machine.phase !== 'ringing') return;
    this.tellOwnTabs(call);
    void this.send(call, { type: 'reject', reason: 'declined' });
    call.machine.send({ type: 'decline' });
  }

  cancel(): void {
    const call = this.current;
    if (!call || call.direction !== 'outgoing' || call.machine.phase !== 'ringing') return;
    void this.send(call, { type: 'cancel' });
    call.machine.send({ type: 'cancel' });
  }

  /** Ends the call in any live phase: a ringing call is cancelled or declined. */
  hangup(): void {
    const call = this.current;
    if (!call?.isLive) return;
    if (call.machine.phase === 'ringing') return call.direction === 'outgoing' ? this.cancel() : this.decline();
    void this.send(call, { type: 'hangup' });
    call.machine.send({ type: 'hangup' });
  }

  /** Both people read the same code: the other person's certificate is remembered as verified. */
  async markVerified(): Promise<void> {
    const call = this.current;
    const me = this.deps.store.state.user?.id;
    if (!call?.verification || !me || call.machine.phase !== 'connected') return;
    const verified = await this.verifier.markVerified(me, call.peer.id, call.verification);
    if (this.current !== call || !call.isLive) return;
    call.verification = verified;
    this.render(call);
  }

  /** Clears an ended call from the view. */
  dismiss(): void {
    if (!this.current || this.current.isLive) return;
    this.current = null;
    this.deps.store.update({ call: null });
  }

  /** Ends every call at once and forgets them (signed out, disposed); no event for the ended calls. */
  clear(): void {
    const call = this.current;
    this.current = null;
    if (!call) return;
    call.dispose();
    call.machine.dispose();
  }

  /** An inbox message routing gave to the calls. */
  onInbox(decision: Exclude<InboxRoute, { action: 'ignore' | 'chat' }>): void {
    switch (decision.action) {
      case 'busy': {
        const { outbox } = this.deps;
        if (!this.autoReplies.allow(decision.from)) return;
        const reject: InboxMessage = { type: 'reject', callId: decision.message.callId, sid: outbox.sid, reason: 'busy' };
        void outbox.send(decision.from, reject, { queue: true }).catch(() => {});
        return;
      }
      case 'invite':
        this.ring(decision.from, decision.message);
        return;
      case 'glare-yield':
        this.yieldToTheirCall(decision.from, decision.message);
        return;
      case 'handled-elsewhere':
        this.current?.machine.send({ type: 'answered-elsewhere' });
        return;
      case 'call': {
        const call = this.current!;
        const message = decision.message;
        call.inQueue(() => onCallMessage(call, message, this.messageDeps));
        return;
      }
    }
  }

  /** Their presence arrived: a pending peer-left ends, and a returning peer gets our ICE restart again. */
  peerHere(userId: string, returned: boolean): void {
    const call = this.current;
    if (call?.peer.id !== userId) return;
    call.timers.clear('peer-left');
    // Their signalling is back: an ICE restart sent while it was down never reached them.
    if (returned) restartLostLink(call);
  }

  /**
   * Their presence vanished. Once media flows, presence proves nothing: a peer whose network
   * drops for a few seconds may lose its broker socket first and still come back to the call.
   * A connected call ends by the hangup a leaving tab sends, by the peer's DTLS close, or by the
   * media link staying lost (link-recovery.ts); presence only ends calls that never connected.
   */
  peerGone(userId: string): void {
    const call = this.current;
    if (!call || call.peer.id !== userId || !call.isLive || call.timers.has('peer-left') || call.machine.phase === 'connected') return;
    call.timers.set(
      'peer-left',
      () => {
        if (call.machine.phase === 'connected') return;
        // While our own link is down (a backend restart) presence says nothing about them: wait until we are back.
        if (this.deps.store.state.connection !== 'online') this.peerGone(userId);
        else if (!this.deps.presence.get(userId)) call.machine.send({ type: 'peer-left' });
      },
      PEER_LEFT_GRACE_MS,
    );
  }

  /** Our signalling is back: an ICE restart offer sent into the dead connection is lost, so send it again. */
  signalingBack(): void {
    if (this.current) restartLostLink(this.current);
  }

  /** The page is going: tell the peer the live call is over (the session flushes it out). */
  leave(): boolean {
    if (!this.current?.isLive) return false;
    this.hangup();
    return true;
  }

  private refuse(message: string): void {
    this.deps.store.reportError({ code: 'call_failed', scope: 'call', message });
  }

  private newCall(
    direction: 'outgoing' | 'incoming',
    callId: string,
    peer: { id: string; name: string },
    media: MediaKinds,
    callerSid?: string,
  ) {
    const previous = this.current;
    if (previous && !previous.isLive) previous.dispose();
    const { clock, options } = this.deps;
    const call = new Call({
      callId,
      direction,
      peer,
      media,
      ...(callerSid !== undefined ? { callerSid } : {}),
      clock,
      ringTimeoutMs: options.ringTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      onChange: (c, snapshot) => this.onMachine(c, snapshot),
    });
    this.current = call;
    return call;
  }

  private ring(from: string, invite: InviteMessage, handOverFrom?: Call): Call {
    const name = this.deps.presence.get(from)?.name ?? texts.call.someone;
    const call = this.newCall('incoming', invite.callId, { id: from, name }, invite.media, invite.sid);
    if (handOverFrom) this.media.handOver(handOverFrom, call);
    call.machine.send({ type: 'ring' });
    void this.send(call, { type: 'ringing' });
    // The peer connection, the caller's offer and our answer get ready while it rings, so accepting only answers.
    call.linkReady = openLink(call, 'answerer', this.linkDeps);
    // No camera or microphone before the visitor accepts: anyone signed in can ring, and must not light a
    // stranger's camera or raise a permission prompt. A site may opt in to a preview in the ringing dialog.
    if (!handOverFrom && this.deps.options.previewOnRing) call.mediaReady = this.media.open(call, this.media.kindsFor(call));
    if (!handOverFrom) this.deps.store.emit('incoming-call', { call: this.deps.store.state.call! });
    return call;
  }

  /** Glare, and their call id wins: drop ours, and answer theirs at once with the devices ours opened. */
  private yieldToTheirCall(from: string, invite: InviteMessage): void {
    const ours = this.current!;
    void this.send(ours, { type: 'cancel' });
    const theirs = this.ring(from, invite, ours);
    ours.machine.send({ type: 'cancel' });
    this.render(theirs);
    void this.accept();
  }

  private onMachine(call: Call, snapshot: CallSnapshot): void {
    if (snapshot.phase === 'ended') this.onEnded(call, snapshot.endReason!);
    if (snapshot.phase === 'connected') {
      this.deps.store.clearError('call');
      if (!call.verification) void this.readVerification(call);
      watchQuality(call, (c) => this.render(c));
    }
    this.deps.phaseChanged(snapshot.phase);
    this.render(call);
  }

  private onEnded(call: Call, reason: CallEndReason): void {
    // Timeouts and failures are decided here alone: tell the other side so it does not wait.
    if (reason === 'missed' || reason === 'failed') {
      if (call.answered) void this.send(call, { type: 'hangup' });
      else if (call.direction === 'outgoing') void this.send(call, { type: 'cancel' });
      else if (reason === 'failed') void this.send(call, { type: 'reject', reason: 'unavailable' });
    }
    call.dispose();
    if (reason !== 'failed') return;
    // Relay-only without a relay candidate (refused at once, or still nothing at the connect timeout): the TURN server is why.
    const relay = call.link?.relayProblem() ?? null;
    if (relay) {
      this.deps.ice.forget(); // stale credentials (secret rotated, clock skew): the next call fetches fresh ones
      const message = relay === 'refused' ? texts.call.relayRefused : texts.call.relayUnreachable;
      this.deps.store.reportError({ code: 'turn_failed', scope: 'call', message });
    } else {
      this.refuse(call.machine.snapshot.message);
    }
  }

  /**
   * Reads who is at the other end once the call connects: DTLS checked the certificate, so the
   * link's identity is final (an ICE restart keeps DTLS and its certificates).
   */
  private async readVerification(call: Call): Promise<void> {
    const me = this.deps.store.state.user?.id;
    const link = call.link;
    const identity = await link?.identity().catch(() => null);
    if (!link || !identity || !me || !call.isLive) return;
    const exchange = await exchangeNonces(link.verifyChannel, { clock: this.deps.clock }).catch((e: unknown) =>
      e instanceof ExchangeFailed ? e.problem : ('no-answer' as const),
    );
    if (!call.isLive || call.link !== link) return;
    const verification = await this.verifier.read(me, call.peer.id, identity, exchange).catch(() => null);
    if (!verification || !call.isLive || call.verification) return;
    call.verification = verification;
    this.render(call);
  }

  /** Our other tabs stop ringing: this tab answered or declined. */
  private tellOwnTabs(call: Call): void {
    const { store, outbox } = this.deps;
    const me = store.state.user!.id;
    void outbox.send(me, { type: 'handled', callId: call.callId, sid: outbox.sid }, { queue: true }).catch(() => {});
  }

  private sendMediaState(call: Call): Promise<void> {
    return this.send(call, { type: 'media-state', ...call.local });
  }

  /**
   * Sends a message of this call to the peer. The offer and candidates go at once (every ringing
   * tab prepares its answer); only media-state waits for the accept, which sends the current one.
   */
  private send(call: Call, body: CallMessageBody): Promise<void> {
    if (body.type === 'media-state' && !call.released) return Promise.resolve();
    const message = { ...body, callId: call.callId, sid: this.deps.outbox.sid } as InboxMessage;
    return this.deps.outbox.send(call.peer.id, message, { queue: true }).catch(() => {
      // Lost signalling shows up as a call that does not connect; the timeouts end it with a message.
    });
  }

  /** Shows the current call's status line again in the language loaded now. */
  relabel(): void {
    const call = this.current;
    if (!call) return;
    call.machine.relabel();
    this.render(call);
  }

  private render(call: Call): void {
    if (this.current !== call) return;
    const view = call.view();
    this.deps.store.update({ call: view });
    this.deps.store.emit('call-state', { call: view });
  }
}
