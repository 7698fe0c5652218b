/**
 * RTCPeerConnection wiring for one call. Only the caller (offerer) makes
 * offers, including ICE restarts, so there is never an offer collision.
 *
 * The offerer adds one audio and one video transceiver up front, with or
 * without tracks: media acquisition never holds up signalling, a camera
 * arriving later is a `replaceTrack`, and screen sharing works even in an
 * audio-only call (no renegotiation ever).
 */
import type { IceCandidate } from '../protocol/index.js';
import { readLinkStats, type LinkStats } from './link-stats.js';
import { readLinkIdentity, type LinkIdentity } from './verify/link-identity.js';
import { openVerifyChannel } from './verify/channel.js';
import type { VerifyChannel } from './verify/exchange.js';
import { readQualitySample, type QualitySample } from './link-quality.js';
import type { VideoLimit } from './group/bandwidth.js';

export { readLinkStats, type LinkStats };

export type LinkCondition =
  /** Media flows (DTLS up). */
  | 'connected'
  /** Was connected, lost the path; an ICE restart is under way (offerer) or awaited (answerer). */
  | 'interrupted'
  /**
   * Was connected, and the other side closed its connection (its DTLS close
   * reached us): it hung up, or its tab closed or reloaded. Chromium and
   * Firefox both send it when a page goes; a lost network never does.
   */
  | 'closed'
  /** Never connected and ICE gave up. */
  | 'failed'
  /** Was connected, and its DTLS transport failed: no ICE restart revives it, a new connection is needed. */
  | 'broken'
  /** Relay only, and gathering ended without a relay candidate: the TURN server refused us or cannot be reached. */
  | 'relay-unavailable';

export interface PeerLinkOptions {
  role: 'offerer' | 'answerer';
  iceServers: RTCIceServer[];
  /** Relay only: gather and send TURN candidates only, so our address never reaches the peer. */
  relayOnly: boolean;
  onDescription(description: { type: 'offer' | 'answer'; sdp: string }): void;
  onCandidate(candidate: IceCandidate): void;
  /** A new MediaStream object each time a remote track arrives. */
  onRemoteStream(stream: MediaStream): void;
  onCondition(condition: LinkCondition): void;
  /** Waited for after `disconnected` before an ICE restart (it often recovers alone). */
  disconnectGraceMs?: number;
  /** This browser's kept DTLS certificate (verify/certificate.ts); absent: the browser makes one for this connection. */
  certificate?: RTCCertificate | undefined;
}

type Kind = 'audio' | 'video';

/**
 * Video goes out at half size until the link has been up this long. A browser starts a connection at
 * a low bandwidth estimate and drops the first frames of a 720p camera until it has adapted (about
 * 300-400 ms on the benchmark machine); half size is sent at once, so the other side sees us sooner.
 * After this the full size is allowed and the browser's own adaptation takes over.
 */
const FULL_RESOLUTION_AFTER_MS = 1_500;
const START_SCALE = 2;

/** Whether an ICE candidate line is a TURN relay candidate. */
export function isRelayCandidate(candidate: string): boolean {
  return /\styp relay(\s|$)/.test(candidate);
}

export class PeerLink {
  readonly pc: RTCPeerConnection;
  readonly role: 'offerer' | 'answerer';
  private readonly options: PeerLinkOptions;
  private remote = new MediaStream();
  private readonly local: Record<Kind, MediaStreamTrack | null> = { audio: null, video: null };
  private readonly transceivers: Record<Kind, RTCRtpTransceiver | null> = { audio: null, video: null };
  private pendingCandidates: RTCIceCandidateInit[] = [];
  /** Answerer: the answer to the applied offer, made while ringing and not yet applied or sent. */
  private preparedAnswer: RTCSessionDescriptionInit | null = null;
  private everConnected = false;
  /** Relay candidates gathered; relay-only mode cannot connect without one. */
  private relayCandidates = 0;
  /** `icecandidateerror` codes seen (401: TURN credentials refused, 701: server unreachable). */
  private readonly iceErrors = new Set<number>();
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private fullResolutionTimer: ReturnType<typeof setTimeout> | null = null;
  /** Group calls: the cap of the video sent (group/bandwidth.ts); null: the browser's own adaptation only. */
  private videoLimit: VideoLimit | null = null;
  /** The start's half size is over (FULL_RESOLUTION_AFTER_MS after connecting). */
  private fullSize = false;
  /** DTLS transports watched for the peer's close. */
  private readonly watched = new Set<RTCDtlsTransport>();
  private closed = false;
  /** Resolves on close(): operations pending on a closed RTCPeerConnection never settle, so every await races it. */
  private readonly closing: Promise<undefined>;
  private markClosed!: () => void;
  /** The verification exchange's path (verify/channel.ts), made with the connection so it is in the first offer. */
  readonly verifyChannel: VerifyChannel;

  constructor(options: PeerLinkOptions) {
    this.options = options;
    this.role = options.role;
    this.closing = new Promise<undefined>((resolve) => (this.markClosed = () => resolve(undefined)));
    this.pc = new RTCPeerConnection({
      iceServers: options.iceServers,
      iceTransportPolicy: options.relayOnly ? 'relay' : 'all',
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
      // Gather (and allocate on the TURN server) before there is a description to gather for: the
      // callee's connection is made when the call starts ringing, so its candidates are ready at the
      // accept. Nothing reaches the peer before our description does.
      iceCandidatePoolSize: 1,
      ...(options.certificate ? { certificates: [options.certificate] } : {}),
    });
    this.verifyChannel = openVerifyChannel(this.pc);
    this.pc.onicecandidate = (ev) => {
      const c = ev.candidate;
      if (!c || !c.candidate) return; // end of candidates: nothing to send in trickle ICE
      if (isRelayCandidate(c.candidate)) this.relayCandidates++;
      if (options.relayOnly && !isRelayCandidate(c.candidate)) return;
      const json = c.toJSON();
      options.onCandidate({
        candidate: json.candidate ?? c.candidate,
        sdpMid: json.sdpMid ?? null,
        sdpMLineIndex: json.sdpMLineIndex ?? null,
        usernameFragment: json.usernameFragment ?? null,
      });
    };
    this.pc.ontrack = (ev) => {
      if (this.remote.getTracks().includes(ev.track)) return;
      this.remote = new MediaStream([...this.remote.getTracks(), ev.track]);
      options.onRemoteStream(this.remote);
    };
    this.pc.onconnectionstatechange = () => this.onConnectionState();
    this.pc.onicecandidateerror = (ev) => {
      this.iceErrors.add((ev as RTCPeerConnectionIceErrorEvent).errorCode);
    };
    // Without a single candidate both browsers leave the connection 'new' forever: say so as soon as gathering ends.
    this.pc.onicegatheringstatechange = () => {
      if (this.closed || !options.relayOnly || this.everConnected) return;
      if (this.pc.iceGatheringState === 'complete' && this.relayCandidates === 0) options.onCondition('relay-unavailable');
    };
  }

  /**
   * Relay only and no relay candidate (yet): 'refused' when the TURN server
   * rejected our credentials, else 'unreachable'. Null when relay works or is not required.
   */
  relayProblem(): 'refused' | 'unreachable' | null {
    if (!this.options.relayOnly || this.relayCandidates > 0) return null;
    return this.iceErrors.has(401) || this.iceErrors.has(403) ? 'refused' : 'unreachable';
  }

  get connectionState(): RTCPeerConnectionState {
    return this.pc.connectionState;
  }

  get remoteStream(): MediaStream {
    return this.remote;
  }

  /** Offerer: transceivers with what we have, then the offer (sent through onDescription). */
  async createOffer(): Promise<void> {
    if (this.role !== 'offerer') throw new Error('only the caller makes offers');
    for (const kind of ['audio', 'video'] as const) {
      if (this.transceivers[kind]) continue;
      this.transceivers[kind] = this.pc.addTransceiver(this.local[kind] ?? kind, {
        direction: 'sendrecv',
        ...(kind === 'video' && !this.everConnected ? { sendEncodings: [{ scaleResolutionDownBy: START_SCALE }] } : {}),
      });
    }
    await this.makeOffer(false);
  }

  /** Offerer: applies the callee's answer. */
  async acceptAnswer(sdp: string): Promise<void> {
    if (this.closed || this.pc.signalingState !== 'have-local-offer') return;
    await this.guard(this.pc.setRemoteDescription({ type: 'answer', sdp }));
    await this.flushCandidates();
  }

  /** Answerer: applies an offer (the first one or an ICE restart) and answers it. */
  async handleOffer(sdp: string): Promise<void> {
    await this.applyOffer(sdp);
    await this.answer();
  }

  /** Answerer: applies an offer without answering yet (while ringing), so accepting only has to answer. */
  async applyOffer(sdp: string): Promise<void> {
    if (this.closed) return;
    if (this.role !== 'answerer') throw new Error('the caller does not take offers');
    await this.guard(this.pc.setRemoteDescription({ type: 'offer', sdp }));
    if (this.closed) return;
    for (const t of this.pc.getTransceivers()) {
      const kind = t.receiver.track.kind as Kind;
      if (this.transceivers[kind] || t.direction === 'stopped') continue;
      this.transceivers[kind] = t;
      t.direction = 'sendrecv';
      if (kind === 'video' && !this.everConnected) await this.scaleVideo(START_SCALE);
      if (this.local[kind]) await this.guard(t.sender.replaceTrack(this.local[kind]));
    }
    await this.flushCandidates();
  }

  /**
   * Answerer, while ringing: makes the answer to the applied offer now, so that accepting only has
   * to send and apply it. Making an answer starts nothing on the network (setting it would).
   */
  async prepareAnswer(): Promise<void> {
    if (this.closed || this.pc.signalingState !== 'have-remote-offer' || this.preparedAnswer) return;
    const answer = await this.guard(this.pc.createAnswer());
    if (answer && !this.closed && this.pc.signalingState === 'have-remote-offer') this.preparedAnswer = answer;
  }

  /**
   * Answerer: answers the applied offer; nothing to do when there is none (yet). The answer goes
   * out before it is applied here: the caller's half of the work then overlaps ours.
   */
  async answer(): Promise<void> {
    if (this.closed || this.pc.signalingState !== 'have-remote-offer') return;
    const answer = this.preparedAnswer ?? (await this.guard(this.pc.createAnswer()));
    this.preparedAnswer = null;
    if (!answer || this.closed || this.pc.signalingState !== 'have-remote-offer') return;
    this.options.onDescription({ type: 'answer', sdp: answer.sdp ?? '' });
    await this.guard(this.pc.setLocalDescription(answer));
    if (this.closed) return;
    await this.flushCandidates();
  }

  /** Adds a trickled candidate, holding it until the remote description is set. */
  async addRemoteCandidate(candidate: IceCandidate): Promise<void> {
    if (this.closed) return;
    const init: RTCIceCandidateInit = {
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid ?? null,
      sdpMLineIndex: candidate.sdpMLineIndex ?? null,
      usernameFragment: candidate.usernameFragment ?? null,
    };
    if (!this.pc.remoteDescription) {
      this.pendingCandidates.push(init);
      return;
    }
    await this.addCandidateSafely(init);
  }

  /** Sends `track` (or nothing) for `kind`; no renegotiation. */
  async setTrack(kind: Kind, track: MediaStreamTrack | null): Promise<void> {
    this.local[kind] = track;
    const t = this.transceivers[kind];
    if (t && !this.closed) await this.guard(t.sender.replaceTrack(track));
  }

  /**
   * Group calls: caps the video this link sends (bitrate, and size) from now on; applied at once
   * when the connection is negotiated, else when it is (Firefox refuses parameters before that).
   */
  async setVideoLimit(limit: VideoLimit): Promise<void> {
    this.videoLimit = { ...limit };
    await this.scaleVideo(this.fullSize ? 1 : START_SCALE);
  }

  /**
   * The other side's latest audio level (0..1) from the audio receiver's synchronization sources
   * (Chromium and Firefox both have them, without a getStats round trip); null when nothing came.
   * Chromium updates them only while the remote audio is played out (an unplayed stream keeps its
   * first level), which the call's tiles do: test/core/group-call.test.ts measured both.
   */
  audioLevel(): number | null {
    const receiver = this.transceivers.audio?.receiver;
    if (!receiver || this.closed || typeof receiver.getSynchronizationSources !== 'function') return null;
    const [source] = receiver.getSynchronizationSources();
    return typeof source?.audioLevel === 'number' ? source.audioLevel : null;
  }

  /**
   * Sends video at 1/`scale` of its size (or smaller, and within the bitrate, when a group call's
   * limit says so); a browser that refuses keeps what it had (only the start is slower).
   */
  private async scaleVideo(scale: number): Promise<void> {
    const sender = this.transceivers.video?.sender;
    if (!sender || this.closed) return;
    const limit = this.videoLimit;
    const wanted = Math.max(scale, limit?.scaleResolutionDownBy ?? 1);
    try {
      const params = sender.getParameters();
      const first = params.encodings?.[0];
      if (!first || (first.scaleResolutionDownBy === wanted && first.maxBitrate === limit?.maxBitrate)) return;
      first.scaleResolutionDownBy = wanted;
      if (limit) first.maxBitrate = limit.maxBitrate;
      await this.guard(sender.setParameters(params));
    } catch {
      // Not negotiated yet (Firefox before the answer) or not supported: nothing lost but the faster start.
    }
  }

  /** The track currently sent for `kind`. */
  sentTrack(kind: Kind): MediaStreamTrack | null {
    return this.transceivers[kind]?.sender.track ?? null;
  }

  async stats(): Promise<LinkStats> {
    return readLinkStats(this.pc);
  }

  /** Both certificates of the link, once both descriptions are set (what the verification code is made of). */
  async identity(): Promise<LinkIdentity | null> {
    if (this.closed) return null;
    return (await this.guard(readLinkIdentity(this.pc))) ?? null;
  }

  async qualitySample(): Promise<QualitySample | null> {
    if (this.closed) return null;
    const report = await this.guard(this.pc.getStats());
    return report ? readQualitySample(report.values() as Iterable<Record<string, unknown>>) : null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.markClosed();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.fullResolutionTimer) clearTimeout(this.fullResolutionTimer);
    this.watched.clear();
    this.pc.onicecandidate = this.pc.ontrack = this.pc.onconnectionstatechange = null;
    this.pc.onicecandidateerror = this.pc.onicegatheringstatechange = null;
    this.pc.close();
  }

  private async makeOffer(iceRestart: boolean): Promise<void> {
    const offer = await this.guard(this.pc.createOffer({ iceRestart }));
    if (!offer || this.closed) return;
    await this.guard(this.pc.setLocalDescription(offer));
    if (this.closed) return;
    this.options.onDescription({ type: 'offer', sdp: offer.sdp ?? '' });
  }

  /** `p`, or undefined as soon as the link is closed. */
  private guard<T>(p: Promise<T>): Promise<T | undefined> {
    return Promise.race([p, this.closing]);
  }

  private async flushCandidates(): Promise<void> {
    const pending = this.pendingCandidates.splice(0);
    for (const c of pending) await this.addCandidateSafely(c);
  }

  private async addCandidateSafely(init: RTCIceCandidateInit): Promise<void> {
    try {
      await this.guard(this.pc.addIceCandidate(init));
    } catch {
      // A candidate for a previous ICE generation or an m-line we rejected: harmless, ignore.
    }
  }

  private onConnectionState(): void {
    if (this.closed) return;
    const state = this.pc.connectionState;
    if (state === 'connected') {
      if (!this.everConnected && !this.fullResolutionTimer) {
        this.fullResolutionTimer = setTimeout(() => {
          this.fullSize = true;
          void this.scaleVideo(1);
        }, FULL_RESOLUTION_AFTER_MS);
      }
      this.everConnected = true;
      this.watchTransports();
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = null;
      this.options.onCondition('connected');
      return;
    }
    if (state !== 'disconnected' && state !== 'failed') return;
    if (!this.everConnected) {
      if (state === 'failed') this.options.onCondition('failed');
      return;
    }
    this.options.onCondition('interrupted');
    if (this.role !== 'offerer') return; // the caller restarts ICE; we answer its new offer
    if (state === 'failed') {
      this.restartIce();
    } else if (!this.restartTimer) {
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (this.pc.connectionState !== 'connected') this.restartIce();
      }, this.options.disconnectGraceMs ?? 2_000);
    }
  }

  /**
   * Caller, link lost: restarts ICE now, replacing a restart offer still unanswered. Called when
   * signalling is back (ours reconnected, or the peer's presence returned): what went out while it
   * was down, the offer or its answer, is lost. Should a late answer of the replaced offer still
   * be applied, ICE fails for it and 'failed' restarts again. `always`: even when our side looks
   * connected (the callee asked: its side failed).
   */
  async restartIceNow(always = false): Promise<void> {
    if (this.closed || this.role !== 'offerer' || !this.everConnected) return;
    if (!always && this.pc.connectionState === 'connected') return;
    if (this.pc.signalingState === 'have-local-offer') await this.guard(this.pc.setLocalDescription({ type: 'rollback' }));
    this.restartIce();
  }

  /**
   * Reports 'closed' when a transport in use gets the peer's DTLS close (we remove our handlers
   * before closing ours), and 'broken' when one fails.
   */
  private watchTransports(): void {
    for (const t of [...this.pc.getSenders(), ...this.pc.getReceivers()]) {
      const transport = t.transport;
      if (!transport || this.watched.has(transport)) continue;
      this.watched.add(transport);
      transport.addEventListener('statechange', () => {
        if (this.closed) return;
        if (transport.state === 'closed') this.options.onCondition('closed');
        if (transport.state === 'failed') this.options.onCondition('broken');
      });
    }
  }

  /**
   * How long ago the last packet arrived, from the statistics' own clock; null
   * when unknown. The browsers report a lost path only seconds after packets
   * stop (Chromium ~8 s, Firefox at once when a send fails), so deadlines are
   * measured from this rather than from the report.
   */
  async silenceMs(): Promise<number | null> {
    if (this.closed) return null;
    const report = await this.guard(this.pc.getStats());
    if (!report) return null;
    let silence: number | null = null;
    report.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp' && s.type !== 'candidate-pair') return;
      const last = Number(s.lastPacketReceivedTimestamp);
      const now = Number(s.timestamp);
      if (!(last > 0) || !(now > 0)) return;
      const ago = Math.max(0, now - last);
      if (silence === null || ago < silence) silence = ago;
    });
    return silence;
  }

  /**
   * Whether a DTLS transport of this connection failed: media stops for good on it, and no ICE
   * restart revives it (Firefox fails it when its sends fail during a network cut); only a new
   * connection helps (PROTOCOL.md §3, "A link that fails").
   */
  dtlsFailed(): boolean {
    if ([...this.watched].some((transport) => transport.state === 'failed')) return true;
    // The connection is failed when ICE or DTLS is: with ICE not failed, DTLS is.
    return this.pc.connectionState === 'failed' && this.pc.iceConnectionState !== 'failed';
  }

  private restartIce(): void {
    if (this.closed || this.pc.signalingState !== 'stable') return;
    void this.makeOffer(true).catch(() => this.options.onCondition('failed'));
  }
}
