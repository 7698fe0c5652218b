/**
 * One call: who, which media, its state machine, its link and tracks, and every timer it holds.
 * `dispose()` releases all of them at once (link, tracks, timers).
 */
import type { InboxMessage, IceCandidate, MediaKinds } from '../../protocol/index.js';
import { CallStateMachine, type CallSnapshot } from '../call-state-machine.js';
import { Timers, type Clock } from '../clock.js';
import type { QualitySample } from '../link-quality.js';
import type { LinkStats, PeerLinkOptions } from '../peer.js';
import { texts } from '../texts.js';
import type { LinkIdentity } from '../verify/link-identity.js';
import type { VerifyChannel } from '../verify/exchange.js';
import type { CallQuality, CallVerification, CallView, MediaFlags } from '../types.js';
import { CalleeTabs } from './callee-tabs.js';
import type { VideoLimit } from '../group/bandwidth.js';

/** What a call needs of its media link (PeerLink in the browser, a fake in node tests). */
export interface CallLink {
  readonly connectionState: RTCPeerConnectionState;
  createOffer(): Promise<void>;
  applyOffer(sdp: string): Promise<void>;
  prepareAnswer(): Promise<void>;
  answer(): Promise<void>;
  handleOffer(sdp: string): Promise<void>;
  acceptAnswer(sdp: string): Promise<void>;
  addRemoteCandidate(candidate: IceCandidate): Promise<void>;
  setTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void>;
  /** Caller: restarts ICE unless connected; `always`: even then (the callee's side failed). */
  restartIceNow(always?: boolean): Promise<void>;
  /** Its DTLS transport failed: only a new link helps (PROTOCOL.md §3, "A link that fails"). */
  dtlsFailed(): boolean;
  /** How long ago the last packet arrived (null: the statistics do not say). */
  silenceMs(): Promise<number | null>;
  relayProblem(): 'refused' | 'unreachable' | null;
  stats(): Promise<LinkStats>;
  /** Both certificates, once both descriptions are set (verification). */
  identity(): Promise<LinkIdentity | null>;
  /** The end-to-end path of the verification exchange (verify/exchange.ts). */
  readonly verifyChannel: VerifyChannel;
  /** The figures connection quality is judged on (link-quality.ts); null once closed. */
  qualitySample(): Promise<QualitySample | null>;
  /** Group calls: caps the video sent on this link (group/bandwidth.ts). */
  setVideoLimit?(limit: VideoLimit): Promise<void>;
  /** Group calls: the other side's latest audio level, 0..1 (group/speaker.ts); null when unknown. */
  audioLevel?(): number | null;
  close(): void;
}

/** What a call gives its link: PeerLink's options without the test-only ones. */
export type CallLinkOptions = Omit<PeerLinkOptions, 'disconnectGraceMs'>;

/** A call message without the parts every call message has (callId, sid). */
export type CallMessageBody = InboxMessage extends infer M ? (M extends { callId: string } ? Omit<M, 'callId' | 'sid'> : never) : never;

export type CallTimer = 'peer-left' | 'recovery' | 'restart' | 'answer' | 'quality';

export interface CallInit {
  callId: string;
  direction: 'outgoing' | 'incoming';
  peer: { id: string; name: string };
  media: MediaKinds;
  /** Incoming: the caller's tab. */
  callerSid?: string;
  clock: Clock;
  ringTimeoutMs?: number | undefined;
  connectTimeoutMs?: number | undefined;
  onChange(call: Call, snapshot: CallSnapshot): void;
}

export class Call {
  readonly callId: string;
  readonly direction: 'outgoing' | 'incoming';
  readonly peer: { readonly id: string; readonly name: string };
  readonly media: MediaKinds;
  readonly machine: CallStateMachine;
  readonly timers: Timers<CallTimer>;
  /** Outgoing: the callee's tabs and which one took the call. */
  readonly calleeTabs: CalleeTabs | null;
  private readonly callerSid: string | null;
  /** Someone accepted (we for incoming, they for outgoing): media-state may go, and an early end says hangup. */
  answered = false;
  link: CallLink | null = null;
  linkReady: Promise<CallLink | null> = Promise.resolve(null);
  /** Which link of the call `link` is: 0 for the first, then one more for each made in place of a failed one. */
  linkGeneration = 0;
  /** Caller: the failed link a new one replaces, closed once the new one connects (closing it first would end the callee's call). */
  replacedLink: CallLink | null = null;
  /** The current link has been connected (a new link in place of a failed one starts out not). */
  linkUp = false;
  /** When a packet last arrived on the call's links, as the lost-link watch saw it (the clock's time). */
  lastPacketAt: number | null = null;
  readonly clock: Clock;
  /** Incoming with a ringing preview: the devices opening while it rings, awaited on accept. */
  mediaReady: Promise<void> | null = null;
  mic: MediaStreamTrack | null = null;
  camera: MediaStreamTrack | null = null;
  screen: MediaStreamTrack | null = null;
  /** What we send, as shown and told to the peer. */
  local: MediaFlags = { audio: false, video: false, screen: false };
  remote: MediaFlags;
  localView: MediaStream | null = null;
  remoteStream: MediaStream | null = null;
  /** The media link was lost and is being recovered; the call shows it. */
  interrupted = false;
  /** Read once connected (verify/call-verifier.ts). */
  verification: CallVerification | null = null;
  /** The latest connection quality (quality.ts); null until measured. */
  quality: CallQuality | null = null;
  private inbound: Promise<void> = Promise.resolve();
  private disposedFlag = false;

  constructor(init: CallInit) {
    this.callId = init.callId;
    this.direction = init.direction;
    this.peer = { ...init.peer };
    this.media = { ...init.media };
    this.remote = { audio: init.media.audio, video: init.media.video, screen: false };
    this.callerSid = init.callerSid ?? null;
    this.calleeTabs = init.direction === 'outgoing' ? new CalleeTabs(init.clock) : null;
    this.clock = init.clock;
    this.timers = new Timers(init.clock);
    this.machine = new CallStateMachine({
      direction: init.direction,
      peerName: init.peer.name,
      ringTimeoutMs: init.ringTimeoutMs,
      connectTimeoutMs: init.connectTimeoutMs,
      timers: init.clock,
      now: () => init.clock.now(),
      onChange: (snapshot) => init.onChange(this, snapshot),
    });
  }

  get isLive(): boolean {
    return this.machine.isLive;
  }

  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** The peer's tab this call is bound to: the caller's for incoming, the accepting tab's for outgoing. */
  get peerSid(): string | null {
    return this.calleeTabs ? this.calleeTabs.peerSid : this.callerSid;
  }

  /** Whether the peer may hear about media yet: incoming always, outgoing once the callee accepted. */
  get released(): boolean {
    return this.direction === 'incoming' || this.answered;
  }

  isRingingFrom(peerId: string): boolean {
    return this.direction === 'incoming' && this.machine.phase === 'ringing' && this.peer.id === peerId;
  }

  /**
   * Runs `step` after every call message already queued (an offer before its candidates, the
   * answer after the offer); a step that throws means the call cannot be set up.
   */
  inQueue(step: () => Promise<unknown>): void {
    this.inbound = this.inbound
      .then(async () => void (await step()))
      .catch(() => {
        this.machine.send({ type: 'fail', message: texts.call.setupFailed(this.peer.name) });
      });
  }

  /** Releases the link, the tracks and every timer; idempotent. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.link?.close();
    this.replacedLink?.close();
    void this.linkReady.then((link) => link?.close());
    for (const t of [this.mic, this.camera, this.screen]) t?.stop();
    this.timers.clearAll();
  }

  /** The call as the elements see it. */
  view(): CallView {
    const s = this.machine.snapshot;
    const interrupted = this.interrupted && s.phase === 'connected';
    const call: CallView = {
      callId: this.callId,
      direction: this.direction,
      peer: { ...this.peer },
      phase: s.phase === 'idle' ? 'ringing' : s.phase,
      media: { ...this.media },
      local: { ...this.local },
      remote: { ...this.remote },
      localStream: this.localView,
      remoteStream: this.remoteStream,
      message: interrupted ? texts.call.interrupted(this.peer.name) : s.message,
      startedAt: s.startedAt,
    };
    if (interrupted) call.interrupted = true;
    if (this.verification) call.verification = { ...this.verification };
    // While the link is lost the last figures are stale: the interruption message says more.
    if (this.quality && s.phase === 'connected' && !interrupted) call.quality = this.quality;
    if (s.endReason) call.endReason = s.endReason;
    if (s.connectedAt !== undefined) call.connectedAt = s.connectedAt;
    if (s.endedAt !== undefined) call.endedAt = s.endedAt;
    return call;
  }
}
