/**
 * Fakes for node tests of the engine's parts: a manual clock, an outbox that records what was
 * sent, camera/microphone tracks, and a media link. Only what the parts call is faked; the
 * decisions under test are the real code.
 */
import type { Clock } from '../../../src/core/clock.js';
import type { CallLink, CallLinkOptions } from '../../../src/core/call/call.js';
import type { Devices } from '../../../src/core/call/call-media.js';
import { emptyLinkStats } from '../../../src/core/link-stats.js';
import type { LinkIdentity } from '../../../src/core/verify/link-identity.js';
import type { VerifyChannel } from '../../../src/core/verify/exchange.js';
import type { QualitySample } from '../../../src/core/link-quality.js';
import type { VideoLimit } from '../../../src/core/group/bandwidth.js';
import type { Outbox, SendOptions } from '../../../src/core/outbox.js';
import { SessionStore, SIGNED_OUT } from '../../../src/core/session-state.js';
import { NO_DEVICES } from '../../../src/core/devices.js';
import type { ChatMessage, GroupMessage, InboxMessage, PresenceStatus } from '../../../src/protocol/index.js';
import type { SessionEventMap, SessionState } from '../../../src/core/types.js';

/** Lets every pending promise reaction run (microtasks are drained before setImmediate). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A clock that moves only when told; timers fire in time order, each followed by a settle. */
export class FakeClock implements Clock {
  private t = 1_700_000_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** How many timers are armed. */
  get pending(): number {
    return this.timers.size;
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

export interface Sent {
  to: string;
  message: InboxMessage;
  options: SendOptions | undefined;
}

export class FakeOutbox implements Outbox {
  online = true;
  /** When set, send() rejects with it. */
  failWith: Error | null = null;
  /** When set, send() never settles (a broker that does not acknowledge). */
  hang = false;
  readonly sent: Sent[] = [];
  readonly statuses: PresenceStatus[] = [];
  onSend: ((sent: Sent) => void) | null = null;

  constructor(public sid = 'tab-1') {}

  /** Group call messages sent (kept apart, so `sent` stays the 1:1 call's). */
  readonly groupSent: { to: string; message: GroupMessage }[] = [];

  send(to: string, message: InboxMessage | GroupMessage, options?: SendOptions): Promise<void> {
    if (message.type.startsWith('group-')) {
      this.groupSent.push({ to, message: message as GroupMessage });
      if (this.hang) return new Promise(() => {});
      return this.failWith ? Promise.reject(this.failWith) : Promise.resolve();
    }
    const sent = { to, message: message as InboxMessage, options };
    this.sent.push(sent);
    this.onSend?.(sent);
    if (this.hang) return new Promise(() => {});
    return this.failWith ? Promise.reject(this.failWith) : Promise.resolve();
  }

  /** Room chat published: [roomId, message]. */
  readonly roomChats: { roomId: string; message: ChatMessage }[] = [];

  sendRoomChat(roomId: string, message: ChatMessage): Promise<void> {
    this.roomChats.push({ roomId, message });
    if (this.hang) return new Promise(() => {});
    return this.failWith ? Promise.reject(this.failWith) : Promise.resolve();
  }

  publishStatus(status: PresenceStatus): Promise<void> {
    this.statuses.push(status);
    return Promise.resolve();
  }

  /** The types of the messages sent, in order. */
  types(): string[] {
    return this.sent.map((s) => s.message.type);
  }
}

/** A state store on its own event target, with a log of the events it emitted. */
export function makeStore(patch: Partial<SessionState> = {}) {
  const target = new EventTarget();
  const store = new SessionStore(target, { ...SIGNED_OUT, relayOnly: false, devices: NO_DEVICES, ...patch });
  const events: { type: keyof SessionEventMap; detail: unknown }[] = [];
  for (const type of ['change', 'presence', 'chat', 'error', 'incoming-call', 'call-state'] as const) {
    target.addEventListener(type, (e) => events.push({ type, detail: (e as CustomEvent).detail }));
  }
  return { store, target, events };
}

export class FakeTrack {
  enabled = true;
  readyState: 'live' | 'ended' = 'live';
  private readonly listeners: (() => void)[] = [];
  constructor(readonly kind: 'audio' | 'video') {}
  stop(): void {
    this.readyState = 'ended';
  }
  addEventListener(_type: 'ended', fn: () => void): void {
    this.listeners.push(fn);
  }
  /** The browser's own "Stop sharing" button. */
  end(): void {
    this.stop();
    for (const fn of this.listeners) fn();
  }
}

export const asTrack = (t: FakeTrack | null) => t as unknown as MediaStreamTrack | null;

export class FakeDevices implements Devices {
  opened: FakeTrack[] = [];
  userMediaCalls = 0;
  /** What the next userMedia() gives: null = refused. */
  camera = true;
  microphone = true;
  screen = true;

  userMedia(kinds: { audio: boolean; video: boolean }) {
    this.userMediaCalls++;
    const audio = kinds.audio && this.microphone ? new FakeTrack('audio') : null;
    const video = kinds.video && this.camera ? new FakeTrack('video') : null;
    this.opened.push(...[audio, video].filter((t): t is FakeTrack => t !== null));
    const error =
      (kinds.video && !video) || (kinds.audio && !audio)
        ? { code: 'media_denied' as const, scope: 'media' as const, message: 'refused' }
        : null;
    return Promise.resolve({ audio: asTrack(audio), video: asTrack(video), error });
  }

  display() {
    const track = this.screen ? new FakeTrack('video') : null;
    if (track) this.opened.push(track);
    return Promise.resolve({
      track: asTrack(track),
      error: track ? null : { code: 'media_denied' as const, scope: 'media' as const, message: 'no' },
    });
  }

  preview(tracks: MediaStreamTrack[]): MediaStream {
    return { getTracks: () => tracks } as unknown as MediaStream;
  }

  /** Tracks still open (not stopped). */
  live(): FakeTrack[] {
    return this.opened.filter((t) => t.readyState === 'live');
  }
}

/**
 * One end of a verification channel (the link's data channel in a browser). Sends wait until the
 * test connects it to the other end; messages are delivered on a later task, as over a network,
 * and those that came before anyone listened wait for the listener.
 */
export class FakeChannel implements VerifyChannel {
  /** Every message sent, in order (what a man in the middle sees). */
  readonly sent: string[] = [];
  private other: FakeChannel | null = null;
  private handler: ((text: string) => void) | null = null;
  private readonly waiting: string[] = [];

  /** Connects two ends (the channel opened); queued sends go out. */
  static join(a: FakeChannel, b: FakeChannel): void {
    a.other = b;
    b.other = a;
    for (const end of [a, b]) for (const text of end.sent) end.deliver(text);
  }

  send(text: string): void {
    this.sent.push(text);
    if (this.other) this.deliver(text);
  }

  listen(handler: (text: string) => void): () => void {
    this.handler = handler;
    for (const text of this.waiting.splice(0)) handler(text);
    return () => (this.handler = null);
  }

  /** Delivers `text` to this end as if the other side had sent it. */
  receive(text: string): void {
    if (this.handler) this.handler(text);
    else this.waiting.push(text);
  }

  private deliver(text: string): void {
    const to = this.other!;
    setTimeout(() => to.receive(text), 0);
  }
}

/** A media link that records what the call asked of it; its conditions are raised by the test. */
export class FakeLink implements CallLink {
  connectionState: RTCPeerConnectionState = 'new';
  closed = false;
  /** How long ago the last packet came (what silenceMs() answers), or a function of the moment asked. */
  silence: number | null | (() => number | null) = null;
  restarts = 0;
  /** ICE restarts asked with `always` (the callee's side failed). */
  forcedRestarts = 0;
  /** Whether its DTLS transport failed (what dtlsFailed() answers). */
  dtlsBroken = false;
  relay: 'refused' | 'unreachable' | null = null;
  /** Both certificates, as identity() gives them (null: descriptions not set). */
  certificates: LinkIdentity | null = null;
  /** The verification exchange's path; the test joins it to the other side's (FakeChannel.join). */
  readonly verifyChannel = new FakeChannel();
  /** What qualitySample() answers (the test sets it). */
  sample: QualitySample | null = null;
  /** When set, setTrack() rejects (a replaceTrack the browser refused). */
  failSetTrack = false;
  readonly log: string[] = [];
  readonly tracks: Record<'audio' | 'video', MediaStreamTrack | null> = { audio: null, video: null };
  /** The other side's audio level as audioLevel() gives it (group calls' active speaker). */
  level: number | null = null;
  /** The video limit set last (group calls' bandwidth). */
  videoLimit: VideoLimit | null = null;

  constructor(
    readonly options: CallLinkOptions,
    readonly label = 'link',
  ) {}

  async createOffer() {
    this.log.push('createOffer');
    this.options.onDescription({ type: 'offer', sdp: 'offer-sdp' });
    this.options.onCandidate({ candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 });
  }
  async applyOffer(sdp: string) {
    this.log.push(`applyOffer ${sdp}`);
  }
  async prepareAnswer() {
    this.log.push('prepareAnswer');
  }
  async answer() {
    this.log.push('answer');
    this.options.onDescription({ type: 'answer', sdp: `answer-from-${this.label}` });
  }
  async handleOffer(sdp: string) {
    this.log.push(`handleOffer ${sdp}`);
  }
  async acceptAnswer(sdp: string) {
    this.log.push(`acceptAnswer ${sdp}`);
  }
  async addRemoteCandidate() {
    this.log.push('candidate');
  }
  async setTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null) {
    if (this.failSetTrack) throw new Error('replaceTrack refused');
    this.tracks[kind] = track;
  }
  async restartIceNow(always = false) {
    this.restarts++;
    if (always) this.forcedRestarts++;
  }
  dtlsFailed() {
    return this.dtlsBroken;
  }
  async setVideoLimit(limit: VideoLimit) {
    this.videoLimit = limit;
  }
  audioLevel() {
    return this.level;
  }
  async silenceMs() {
    return typeof this.silence === 'function' ? this.silence() : this.silence;
  }
  relayProblem() {
    return this.relay;
  }
  async stats() {
    return emptyLinkStats();
  }
  async identity() {
    return this.certificates;
  }
  async qualitySample() {
    return this.sample;
  }
  close() {
    this.closed = true;
  }
  /** The browser reports a condition of the link. */
  condition(c: Parameters<CallLinkOptions['onCondition']>[0]) {
    if (c === 'connected') this.connectionState = 'connected';
    if (c === 'interrupted') this.connectionState = 'disconnected';
    if (c === 'broken' || c === 'failed') this.connectionState = 'failed';
    if (c === 'broken') this.dtlsBroken = true;
    this.options.onCondition(c);
  }
}
