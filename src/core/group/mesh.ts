/**
 * One tab's side of a room's group call (PROTOCOL.md §6): a link to every other seat, the
 * higher seat offering, links made and closed as the call's roster changes, per-pair messages
 * routed by seat, and each pair's lost-link rule on its own, so one person's network loss
 * touches only that person's links.
 *
 * The roster comes from the room's call topic; the seats from the backend. Messages for a seat
 * the roster does not show yet wait a little (UNKNOWN_SEAT_WAIT_MS): a newcomer's offer can
 * overtake the roster that announces them. A pair given up while both seats stay on the roster
 * (their signalling kept up, or came back within the backend's 15 s) is linked again: the
 * offerer makes a new connection, numbered by the messages' `link` so that the other side
 * replaces its old one (RELINK_DELAY_MS after the loss, again after each failure). A member
 * whose seat ended joins again instead (a new, higher seat), which makes fresh links to everyone.
 */
import {
  CALL_CONNECT_TIMEOUT_MS,
  UNKNOWN_SEAT_WAIT_MS,
  offersTo,
  type GroupPairMessage,
  type IceCandidate,
  type RoomCall,
  type Seat,
} from '../../protocol/index.js';
import { Timers, type Clock } from '../clock.js';
import type { LinkCondition, LinkStats } from '../peer.js';
import type { CallLink, CallLinkOptions } from '../call/call.js';
import { lostLinkStep } from '../timing.js';
import { groupVideoLimit } from './bandwidth.js';

/** After a pair's link is given up, the offerer waits this long before making a new one. */
export const RELINK_DELAY_MS = 2_000;

/** One other member as this tab sees them. */
export interface MeshPeer {
  seat: number;
  user: string;
  name: string;
  /** `connecting` until media flows; `interrupted` while their link is lost; `lost` once given up. */
  state: 'connecting' | 'connected' | 'interrupted' | 'lost';
  /** What they say they send (`group-media-state`). */
  media: { audio: boolean; video: boolean; screen: boolean };
  stream: MediaStream | null;
}

/** A per-pair message without what the mesh adds to every one (callId, sid, seat, to, link). */
export type PairBody =
  | { type: 'group-offer' | 'group-answer'; sdp: string }
  | { type: 'group-candidate'; candidate: IceCandidate }
  | { type: 'group-media-state'; audio: boolean; video: boolean; screen: boolean };

export interface MeshDeps {
  clock: Clock;
  /** This tab: the seat it holds is the roster's member with this sid. */
  me: { user: string; sid: string };
  createLink(options: CallLinkOptions): CallLink;
  /** ICE servers and relay-only for a new link. */
  linkOptions(): Pick<CallLinkOptions, 'iceServers' | 'relayOnly' | 'certificate'>;
  /** Sends a per-pair message to `user`'s inbox. */
  send(user: string, message: GroupPairMessage): void;
  /** Whether this tab's signalling is up: a tab cut off does not link again, it joins again once back. */
  online(): boolean;
  /** The tracks every link sends now. */
  tracks(): { audio: MediaStreamTrack | null; video: MediaStreamTrack | null };
  /** Something a view shows changed. */
  changed(): void;
}

interface Pair {
  peer: MeshPeer;
  link: CallLink;
  /** Which connection of the pair this is (`link` of its messages): 0, then one more for each new link after a loss. */
  generation: number;
  timers: Timers<'lost' | 'connect' | 'relink'>;
  /** The pair's link carried media at some point, this one or one it replaced (a pair that never connected says nothing of our own network). */
  everConnected: boolean;
}

interface Waiting {
  from: string;
  message: GroupPairMessage;
  until: number;
}

export class GroupMesh {
  private call: RoomCall | null = null;
  private mySeat: number | null = null;
  private readonly pairs = new Map<number, Pair>();
  private waiting: Waiting[] = [];
  private readonly timers: Timers<'waiting'>;
  private local = { audio: true, video: true, screen: false };

  constructor(private readonly deps: MeshDeps) {
    this.timers = new Timers(deps.clock);
  }

  /** The call and this tab's seat in it; null when this tab holds no seat. */
  get seat(): number | null {
    return this.mySeat;
  }

  get callId(): string | null {
    return this.call?.id ?? null;
  }

  /** The other members, in seat order. */
  peers(): MeshPeer[] {
    return [...this.pairs.values()].map((p) => p.peer).sort((a, b) => a.seat - b.seat);
  }

  /**
   * The room's call as its topic now says (null: no call). Links to new seats are made (offered
   * by the higher seat), links to seats gone are closed; a roster without this tab's seat (it
   * left, was replaced by another tab, or lost it) closes everything.
   */
  update(call: RoomCall | null): void {
    const mine = call?.members.find((m) => m.sid === this.deps.me.sid) ?? null;
    if (!call || !mine || (this.call && this.call.id !== call.id)) this.closeAll();
    if (!call || !mine) {
      this.call = null;
      this.mySeat = null;
      this.deps.changed();
      return;
    }
    this.call = call;
    this.mySeat = mine.seat;
    const others = call.members.filter((m) => m.seat !== mine.seat);
    const present = new Set(others.map((m) => m.seat));
    for (const [seat, pair] of this.pairs) if (!present.has(seat)) this.closePair(seat, pair);
    for (const member of others) if (!this.pairs.has(member.seat)) this.open(member);
    this.limitVideo();
    this.replayWaiting();
    this.deps.changed();
  }

  /** A per-pair message from `from`'s inbox (already validated). */
  receive(from: string, message: GroupPairMessage, until = this.deps.clock.now() + UNKNOWN_SEAT_WAIT_MS): void {
    if (this.call && message.callId !== this.call.id) return;
    const pair = this.pairs.get(message.seat);
    if (!this.call || message.to !== this.mySeat || !pair) {
      // Not on the roster yet (or the roster not here yet): kept until `until`, replayed on each update.
      if (until <= this.deps.clock.now()) return;
      this.waiting.push({ from, message, until });
      this.timers.set('waiting', () => this.dropStaleWaiting(), UNKNOWN_SEAT_WAIT_MS);
      return;
    }
    if (pair.peer.user !== from) return; // a seat is one user's; another user cannot speak for it
    const generation = message.link ?? 0;
    if (generation < pair.generation) return; // the pair's old connection, already replaced
    if (generation > pair.generation) {
      // The offerer gave the pair up and made a new connection: only its offer opens it.
      if (message.type !== 'group-offer') return;
      const member = this.call.members.find((m) => m.seat === message.seat)!;
      this.apply(this.replace(pair, member, generation), message);
      return;
    }
    this.apply(pair, message);
  }

  /**
   * Every link had carried media and has been given up (or is being made again after that, not
   * through yet): this tab's own network went, not the others' (their links to each other may be
   * fine). False without links.
   */
  get allLinksLost(): boolean {
    const pairs = [...this.pairs.values()];
    const down = (p: Pair) => p.peer.state === 'lost' || (p.peer.state === 'connecting' && p.generation > 0);
    return pairs.length > 0 && pairs.every((p) => p.everConnected && down(p));
  }

  /** Puts `track` (or nothing) on every link for `kind` (a device switched, the microphone muted). */
  async setTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    await Promise.all([...this.pairs.values()].map((pair) => pair.link.setTrack(kind, track).catch(() => {})));
  }

  /** This tab's signalling is back: ICE restarts sent while it was down never arrived, so the offerers send them again. */
  signalingBack(): void {
    for (const pair of this.pairs.values()) if (pair.peer.state === 'interrupted') void pair.link.restartIceNow().catch(() => {});
  }

  /** Traffic figures of every link, by the other member's seat (the benchmark's upload per person). */
  async stats(): Promise<{ seat: number; user: string; stats: LinkStats }[]> {
    const pairs = [...this.pairs.values()].filter((p) => p.peer.state !== 'lost');
    return Promise.all(pairs.map(async ({ peer, link }) => ({ seat: peer.seat, user: peer.user, stats: await link.stats() })));
  }

  /** The latest audio level of every other member (0 while they say their microphone is off); null where unknown. */
  audioLevels(): Map<number, number | null> {
    const levels = new Map<number, number | null>();
    for (const [seat, { peer, link }] of this.pairs) {
      if (peer.state === 'lost') continue;
      levels.set(seat, peer.media.audio ? (link.audioLevel?.() ?? null) : 0);
    }
    return levels;
  }

  /** What this tab sends changed: every link gets the tracks, every member hears of it. */
  async mediaChanged(flags: { audio: boolean; video: boolean; screen: boolean }): Promise<void> {
    const screenChanged = flags.screen !== this.local.screen;
    this.local = { ...flags };
    if (screenChanged) this.limitVideo();
    const tracks = this.deps.tracks();
    await Promise.all(
      [...this.pairs.values()].map(async (pair) => {
        await pair.link.setTrack('audio', tracks.audio).catch(() => {});
        await pair.link.setTrack('video', tracks.video).catch(() => {});
        this.sendTo(pair, { type: 'group-media-state', ...this.local });
      }),
    );
  }

  /** Leaves: every link closed, nothing kept. The seat itself is given up over HTTP by the caller. */
  close(): void {
    this.closeAll();
    this.call = null;
    this.mySeat = null;
    this.timers.clearAll();
  }

  private open(member: Seat, generation = 0, everConnected = false): Pair {
    const offerer = offersTo(this.mySeat!, member.seat);
    const peer: MeshPeer = {
      seat: member.seat,
      user: member.user,
      name: member.name,
      state: 'connecting',
      media: { audio: member.media.audio, video: member.media.video, screen: false },
      stream: null,
    };
    const pair: Pair = { peer, link: null as unknown as CallLink, generation, timers: new Timers(this.deps.clock), everConnected };
    pair.link = this.deps.createLink({
      ...this.deps.linkOptions(),
      role: offerer ? 'offerer' : 'answerer',
      onDescription: (d) =>
        this.sendTo(pair, d.type === 'offer' ? { type: 'group-offer', sdp: d.sdp } : { type: 'group-answer', sdp: d.sdp }),
      onCandidate: (candidate) => this.sendTo(pair, { type: 'group-candidate', candidate }),
      onRemoteStream: (stream) => {
        peer.stream = stream;
        this.deps.changed();
      },
      onCondition: (c) => this.onCondition(pair, c),
    });
    this.pairs.set(member.seat, pair);
    // A link that never gets media through is given up like a lost one and made again: the offerer's
    // to judge (the other side replaces its connection when the new offer comes).
    if (offerer) pair.timers.set('connect', () => this.lose(pair), CALL_CONNECT_TIMEOUT_MS);
    const tracks = this.deps.tracks();
    void (async () => {
      await pair.link.setTrack('audio', tracks.audio).catch(() => {});
      await pair.link.setTrack('video', tracks.video).catch(() => {});
      if (offerer && this.pairs.get(member.seat) === pair) await pair.link.createOffer();
    })();
    return pair;
  }

  /** Every sender adapts its video to the number of people (bandwidth.ts): the upload is multiplied by n−1. */
  private limitVideo(): void {
    const limit = groupVideoLimit(this.pairs.size + 1, this.local.screen);
    for (const pair of this.pairs.values()) void pair.link.setVideoLimit?.(limit).catch(() => {});
  }

  private apply(pair: Pair, message: GroupPairMessage): void {
    switch (message.type) {
      case 'group-offer':
        void pair.link.handleOffer(message.sdp);
        return;
      case 'group-answer':
        void pair.link.acceptAnswer(message.sdp);
        return;
      case 'group-candidate':
        void pair.link.addRemoteCandidate(message.candidate);
        return;
      case 'group-media-state':
        pair.peer.media = { audio: message.audio, video: message.video, screen: message.screen };
        this.deps.changed();
        return;
    }
  }

  /** A pair's link conditions: its own lost-link rule (interrupted, then lost at the limit), nobody else's. */
  private onCondition(pair: Pair, condition: LinkCondition): void {
    const { peer } = pair;
    if (peer.state === 'lost') return;
    switch (condition) {
      case 'connected':
        pair.timers.clear('lost');
        pair.timers.clear('connect');
        if (peer.state !== 'connected') this.sendTo(pair, { type: 'group-media-state', ...this.local });
        peer.state = 'connected';
        pair.everConnected = true;
        break;
      case 'interrupted':
        peer.state = 'interrupted';
        // The offerer restarts ICE; both give the pair up at the 1:1 call's limit.
        void pair.link.restartIceNow().catch(() => {});
        if (!pair.timers.has('lost')) void this.watchLost(pair);
        break;
      case 'closed':
      case 'failed':
      case 'relay-unavailable':
        this.lose(pair);
        return;
    }
    this.deps.changed();
  }

  /**
   * Follows an interrupted pair by its packets, as a 1:1 call does (lostLinkStep): the browser
   * reports a loss only seconds after the last packet (Chromium ~8 s), so the pair is given up
   * once none arrived for the limit, not the limit after the browser said so. Measured with a
   * cut network (test/resilience/group-call-cut.test.ts): from the report, the tile said
   * "lost" ~21 s after the cut, past the 15 s of the lost-link rules.
   */
  private async watchLost(pair: Pair, due = false): Promise<void> {
    const silence = await pair.link.silenceMs().catch(() => null);
    if (pair.peer.state !== 'interrupted' || pair.timers.has('lost') || this.pairs.get(pair.peer.seat) !== pair) return;
    const step = lostLinkStep(silence, due);
    if (step.end) return this.lose(pair);
    pair.timers.set('lost', () => void this.watchLost(pair, true), step.checkInMs);
  }

  /**
   * Gives a pair's link up; the seat stays on the roster until the backend ends it (its own 15 s
   * rule). While it stays, the offerer makes a new link after RELINK_DELAY_MS.
   */
  private lose(pair: Pair): void {
    pair.timers.clearAll();
    pair.link.close();
    pair.peer.state = 'lost';
    pair.peer.stream = null;
    if (this.mySeat !== null && offersTo(this.mySeat, pair.peer.seat)) {
      pair.timers.set('relink', () => this.relink(pair), RELINK_DELAY_MS);
    }
    this.deps.changed();
  }

  /** A new connection for a pair given up, if its seat is still on the roster and the pair not replaced meanwhile. */
  private relink(pair: Pair): void {
    const seat = pair.peer.seat;
    const member = this.call?.members.find((m) => m.seat === seat);
    if (!member || this.pairs.get(seat) !== pair || !this.deps.online()) return;
    this.replace(pair, member, pair.generation + 1);
  }

  /** Connection `generation` of a pair in place of `old`: made by the offerer (relink) or for its new offer. */
  private replace(old: Pair, member: Seat, generation: number): Pair {
    this.closePair(member.seat, old);
    const pair = this.open(member, generation, old.everConnected);
    this.limitVideo();
    this.deps.changed();
    return pair;
  }

  private sendTo(pair: Pair, body: PairBody): void {
    if (!this.call || this.mySeat === null) return;
    const message = {
      ...body,
      callId: this.call.id,
      sid: this.deps.me.sid,
      seat: this.mySeat,
      to: pair.peer.seat,
      ...(pair.generation > 0 && { link: pair.generation }),
    } as GroupPairMessage;
    this.deps.send(pair.peer.user, message);
  }

  private replayWaiting(): void {
    const now = this.deps.clock.now();
    const waiting = this.waiting.filter((w) => w.until > now);
    this.waiting = [];
    for (const w of waiting) this.receive(w.from, w.message, w.until);
  }

  private dropStaleWaiting(): void {
    const now = this.deps.clock.now();
    this.waiting = this.waiting.filter((w) => w.until > now);
    if (this.waiting.length > 0) this.timers.set('waiting', () => this.dropStaleWaiting(), this.waiting[0]!.until - now);
  }

  private closePair(seat: number, pair: Pair): void {
    pair.timers.clearAll();
    pair.link.close();
    this.pairs.delete(seat);
  }

  private closeAll(): void {
    for (const [seat, pair] of [...this.pairs]) this.closePair(seat, pair);
    this.waiting = [];
  }
}
