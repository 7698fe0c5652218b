/**
 * Group calls in the visitor's rooms (PROTOCOL.md §6), this tab's side: the calls on in each
 * room (`state.roomCalls`, from the rooms' retained call topics), joining one (devices, a seat
 * over HTTP, the mesh of links), leaving it (also on `pagehide`, with a keepalive request),
 * rejoining after this tab's network came back, the per-pair messages, the active speaker, and
 * ringing someone of the room to join (`group-ring`).
 *
 * Rules kept here: one call at a time, never together with a 1:1 call (each side refuses the
 * other, and a 1:1 invite gets `busy` while in a group call); a roster without this tab's seat
 * ends the call here, unless this tab's signalling was lost meanwhile: then it joins again.
 */
import { allowsGroupCalls, type GroupMessage, type GroupRingMessage, type MediaKinds, type RoomCall } from '../../protocol/index.js';
import { ApiRequestError, type ApiClient } from '../api-client.js';
import { CallMedia, type Devices, type MediaHooks } from '../call/call-media.js';
import type { CallLink, CallLinkOptions } from '../call/call.js';
import { Timers, type Clock } from '../clock.js';
import { hasTurn, type IceConfigCache } from '../ice-config.js';
import type { Outbox } from '../outbox.js';
import type { PresenceView } from '../presence-book.js';
import type { SessionStore } from '../session-state.js';
import { texts } from '../texts.js';
import type { GroupRing, RoomCallSummary, SessionError, SessionState } from '../types.js';
import { GroupCall } from './group-call.js';
import { SPEAKER_SAMPLE_MS } from './speaker.js';

/** An invitation to join (`group-ring`) goes by itself after this. */
export const GROUP_RING_MS = 30_000;

export interface GroupCallsDeps {
  store: SessionStore;
  outbox: Outbox;
  clock: Clock;
  api: Pick<ApiClient, 'joinRoomCall' | 'leaveRoomCall'>;
  token(): string | null;
  presence: PresenceView;
  ice: Pick<IceConfigCache, 'forCall'>;
  /** This browser's kept DTLS certificate; null lets the browser make one. */
  certificate(): Promise<RTCCertificate | null>;
  devices: Devices;
  createLink(options: CallLinkOptions): CallLink;
  /** The camera and microphone chosen (devices.ts), and who watches the call's tracks. */
  deviceChoice?: Pick<MediaHooks<GroupCall>, 'chosenDevices' | 'tracksChanged'>;
  /** Whether a 1:1 call is on in this tab (ringing included). */
  inOneToOneCall(): boolean;
  /** The other person of this tab's connected 1:1 call, or null: the call a group call may replace. */
  oneToOnePeer?(): string | null;
  /** The group call now links the 1:1 call's two people: the 1:1 call ends, quietly (make before break). */
  endOneToOne?(): void;
  /** Video on by default. */
  video: boolean;
  /**
   * A level meter of this tab's microphone (precall/mic-level.ts: 0..1 over −60..0 dBFS), so the
   * own tile is highlighted too; none in node.
   */
  meter?(track: MediaStreamTrack): { level(): number; close(): void };
  /** This tab went into a group call or out of it (the own status follows, as in a 1:1 call). */
  inCallChanged?(inCall: boolean): void;
}

/** What the room list shows of a room's call. */
export function summarizeRoomCall(call: RoomCall): RoomCallSummary {
  const withVideo = call.members.filter((m) => m.media.video).length;
  const total = Math.max(0, call.limits.total - call.members.length);
  return {
    roomId: call.room,
    callId: call.id,
    members: call.members.map((m) => ({ user: m.user, name: m.name, seat: m.seat, video: m.media.video })),
    free: { video: Math.min(total, Math.max(0, call.limits.video - withVideo)), total },
  };
}

/**
 * The room for turning a 1:1 call into a group call (PROTOCOL.md §6): one with group calls where
 * the visitor sees every one of `people` online, the room shown when it is one; null when none is.
 */
export function sharedCallRoom(state: Pick<SessionState, 'rooms' | 'roomPeers' | 'room'>, people: readonly string[]): string | null {
  const fits = (roomId: string | null): roomId is string => {
    const room = state.rooms.find((r) => r.id === roomId);
    return !!room && allowsGroupCalls(room) && people.every((p) => (state.roomPeers[room.id] ?? []).includes(p));
  };
  if (fits(state.room)) return state.room;
  return state.rooms.find((r) => fits(r.id))?.id ?? null;
}

class Refusal extends Error {
  constructor(readonly error: SessionError) {
    super(error.message);
  }
}

export class GroupCalls {
  private current: GroupCall | null = null;
  /** The latest roster of each room's call (what `roomCalls` summarizes). */
  private readonly rosters = new Map<string, RoomCall>();
  readonly media: CallMedia<GroupCall>;
  private readonly timers: Timers<'ring' | 'speaker'>;
  private meter: { track: MediaStreamTrack; meter: { level(): number; close(): void } } | null = null;

  constructor(private readonly deps: GroupCallsDeps) {
    this.timers = new Timers(deps.clock);
    this.media = new CallMedia<GroupCall>(
      deps.devices,
      deps.store,
      {
        isCurrent: (call) => this.current === call,
        render: (call) => this.render(call),
        sendMediaState: (call) => void call.mesh.mediaChanged(call.local),
        ...deps.deviceChoice,
      },
      deps.video,
    );
  }

  /** The group call this tab is in (joining included), or null. */
  get call(): GroupCall | null {
    return this.current;
  }

  // ------------------------------------------------------------------ what signalling brings

  /** A room's call topic: the summary, and the roster for the mesh when this tab is in that call. */
  onRoomCall(roomId: string, roster: RoomCall | null): void {
    if (roster) this.rosters.set(roomId, roster);
    else this.rosters.delete(roomId);
    const roomCalls = { ...this.deps.store.state.roomCalls };
    if (roster) roomCalls[roomId] = summarizeRoomCall(roster);
    else delete roomCalls[roomId];
    this.deps.store.update({ roomCalls });
    const ring = this.deps.store.state.groupRing;
    if (ring?.roomId === roomId && roster?.id !== ring.callId) this.dismissRing();
    const call = this.current;
    if (call?.roomId === roomId) this.followRoster(call, roster);
  }

  /** A group message from `from`'s inbox. */
  onMessage(from: string, message: GroupMessage): void {
    const me = this.deps.store.state.user?.id;
    if (!me || message.sid === this.deps.outbox.sid) return;
    if (message.type === 'group-ring') return this.ringFrom(from, message);
    if (from === me) return; // our other tabs are never our peers
    this.current?.mesh.receive(from, message);
  }

  /** The signalling link's state: going down during a call makes a lost seat a reason to rejoin. */
  connectionChanged(online: boolean): void {
    if (!online && this.current) this.current.signalingLost = true;
  }

  /**
   * A connection (re)subscribed: the retained calls follow the SUBACK (Aedes writes it first), and
   * a call that ended meanwhile has none, so what was known before is forgotten. The call this tab
   * is in keeps its mesh until its roster says otherwise.
   */
  resubscribed(): void {
    this.rosters.clear();
    if (Object.keys(this.deps.store.state.roomCalls).length > 0) this.deps.store.update({ roomCalls: {} });
  }

  /** Our signalling is back: restarts sent into the dead link go again; links given up meanwhile mean a rejoin. */
  signalingBack(): void {
    const call = this.current;
    if (!call?.seated) return;
    call.mesh.signalingBack();
    if (call.signalingLost && call.anyLost) void this.rejoin(call);
  }

  // ------------------------------------------------------------------ the visitor's actions

  join(roomId: string, media?: MediaKinds): Promise<void> {
    return this.reporting(() => this.tryJoin(roomId, media ?? { audio: true, video: this.media.videoDefault }));
  }

  /**
   * The camera in the group call. A member who joined with audio only holds no video seat: while
   * the video seats are taken, the camera is refused (PROTOCOL.md §6 "Limits").
   */
  setCamera(call: GroupCall, enabled: boolean): Promise<void> {
    return this.reporting(async () => {
      const roster = this.rosters.get(call.roomId);
      if (enabled && !call.media.video && roster) {
        const withVideo = roster.members.filter((m) => m.media.video && m.sid !== this.deps.outbox.sid).length;
        if (withVideo >= roster.limits.video) {
          return this.deps.store.reportError({ code: 'call_full_video', scope: 'media', message: texts.ui.group.noVideoSeat });
        }
      }
      await this.media.setCamera(call, enabled);
    });
  }

  /** Leaves the call: the seat is given up, the links and devices closed. */
  async leave(): Promise<void> {
    const call = this.current;
    if (!call) return;
    this.close(call);
    const token = this.deps.token();
    if (token) await this.deps.api.leaveRoomCall(token, call.roomId, this.deps.outbox.sid).catch(() => undefined);
  }

  /** The page is going (or the visitor signs out): the seat is given up by a request that outlives the page. */
  leaveOnUnload(): boolean {
    const call = this.current;
    if (!call) return false;
    this.close(call);
    const token = this.deps.token();
    if (token) void this.deps.api.leaveRoomCall(token, call.roomId, this.deps.outbox.sid, { keepalive: true }).catch(() => undefined);
    return true;
  }

  /** Rings `userId`, someone online in the room, to join this call. */
  ring(userId: string): Promise<void> {
    return this.reporting(() => this.tryRing(userId));
  }

  /**
   * Turns this tab's connected 1:1 call into a group call with `added` (PROTOCOL.md §6): joins the
   * call of a room all three share, rings the other person of the 1:1 call (whose widget joins at
   * once) and `added`; the 1:1 call ends once the group call links the two.
   */
  convert(added: string): Promise<void> {
    return this.reporting(async () => {
      const peer = this.deps.oneToOnePeer?.() ?? null;
      if (!peer) return this.refuse('call_failed', texts.ui.group.notInCall);
      const roomId = sharedCallRoom(this.deps.store.state, [peer, added]);
      if (!roomId) return this.refuse('call_failed', texts.ui.group.noSharedRoom);
      await this.tryJoin(roomId, { audio: true, video: this.media.videoDefault }, peer);
      if (!this.current?.mesh.callId) return;
      await this.tryRing(peer);
      if (added !== peer) await this.tryRing(added);
    });
  }

  private async tryRing(userId: string): Promise<void> {
    const { store, outbox } = this.deps;
    const call = this.current;
    const callId = call?.mesh.callId;
    if (!call || !callId) return this.refuse('call_failed', texts.ui.group.notInCall);
    if (call.mesh.peers().some((p) => p.user === userId)) return this.refuse('call_failed', texts.ui.group.alreadyInCall);
    if (!(store.state.roomPeers[call.roomId] ?? []).includes(userId)) return this.refuse('call_failed', texts.ui.group.notInRoom);
    const message: GroupRingMessage = { type: 'group-ring', callId, sid: outbox.sid, room: call.roomId };
    await outbox.send(userId, message, { queue: true });
    store.clearError('call');
  }

  dismissRing(): void {
    this.timers.clear('ring');
    if (this.deps.store.state.groupRing) this.deps.store.update({ groupRing: null });
  }

  /** Signed out: everything forgotten (the seat was given up by leaveOnUnload). */
  clear(): void {
    if (this.current) this.close(this.current);
    this.rosters.clear();
    this.timers.clearAll();
  }

  // ------------------------------------------------------------------ inside

  /** `replaces`: the other person of the 1:1 call this group call takes over (it may be on meanwhile). */
  private async tryJoin(roomId: string, media: MediaKinds, replaces: string | null = null): Promise<void> {
    const { store, outbox } = this.deps;
    const user = store.state.user;
    const token = this.deps.token();
    if (!user || !token || !outbox.online || store.state.connection !== 'online') return this.refuse('call_failed', texts.ui.group.offline);
    const room = store.state.rooms.find((r) => r.id === roomId);
    if (!room) return this.refuse('room_not_found', texts.errors.room_not_found);
    if (!allowsGroupCalls(room)) return this.refuse('group_calls_not_allowed', texts.ui.group.noGroupCalls);
    if (!replaces && this.deps.inOneToOneCall()) return this.refuse('call_failed', texts.ui.group.inOneToOne);
    if (this.current) {
      if (this.current.roomId === roomId) return;
      return this.refuse('call_failed', texts.ui.group.inAnotherRoom);
    }
    const [ice, certificate] = await Promise.all([this.deps.ice.forCall(), this.deps.certificate()]);
    const relayOnly = store.state.relayOnly || ice.policy === 'relay';
    if (relayOnly && !hasTurn(ice.servers)) return this.refuse('turn_failed', texts.call.relayMissing);
    if (this.current) return; // a second click while the first was getting ready
    if (this.deps.token() !== token || store.state.user?.id !== user.id) return; // signed out meanwhile
    const call = new GroupCall(
      roomId,
      media,
      { user: user.id, name: user.name },
      {
        clock: this.deps.clock,
        me: { user: user.id, sid: outbox.sid },
        createLink: (o) => this.deps.createLink(o),
        linkOptions: () => ({ iceServers: ice.servers, relayOnly, certificate: certificate ?? undefined }),
        send: (to, message) => void outbox.send(to, message, { queue: true }).catch(() => {}),
        online: () => outbox.online,
        changed: () => this.meshChanged(call),
      },
    );
    call.replaces = replaces;
    this.current = call;
    this.deps.inCallChanged?.(true);
    if (store.state.groupRing?.roomId === roomId) this.dismissRing();
    store.clearError('call');
    // Devices open while the seat is taken: the links carry the tracks as soon as they are there.
    const opening = this.media.open(call, media);
    const known = this.rosters.get(roomId);
    if (known) call.roster(known, outbox.sid, this.deps.clock.now());
    await this.takeSeat(call, token);
    await opening;
  }

  /** POSTs the seat (again, for a rejoin); a refusal ends the call here and says why. */
  private async takeSeat(call: GroupCall, token: string): Promise<void> {
    try {
      const joined = await this.deps.api.joinRoomCall(token, call.roomId, { sid: this.deps.outbox.sid, media: call.media });
      if (this.current !== call) {
        // Left while the seat was on its way: give it up again.
        await this.deps.api.leaveRoomCall(token, call.roomId, this.deps.outbox.sid).catch(() => undefined);
        return;
      }
      call.joined(joined.call, joined.seat, this.deps.clock.now());
      this.render(call);
      this.watchSpeaker(call);
    } catch (e) {
      if (this.current === call) this.close(call);
      if (e instanceof ApiRequestError && (e.code === 'call_full' || e.code === 'call_full_video')) {
        const message = e.code === 'call_full' ? texts.ui.group.full : texts.ui.group.fullVideo;
        return this.refuse(e.code, message);
      }
      throw e;
    }
  }

  /** A new roster for the call this tab is in. */
  private followRoster(call: GroupCall, roster: RoomCall | null): void {
    const sid = this.deps.outbox.sid;
    const wasCutOff = call.signalingLost || call.rejoining;
    if (call.roster(roster, sid, this.deps.clock.now())) return this.render(call);
    // Our seat is gone.
    const me = this.deps.store.state.user?.id;
    if (roster?.members.some((m) => m.user === me)) return this.endWith(call, texts.ui.group.joinedElsewhere);
    // Lost by the backend's lost-seat rule while we were cut off, and the others carry on: back in.
    if (wasCutOff && roster !== null) return void this.rejoin(call);
    this.endWith(call, texts.ui.group.removed);
  }

  /** This tab's network came back after its seat or its links were lost: a new seat, fresh links to everyone. */
  private async rejoin(call: GroupCall): Promise<void> {
    if (call.rejoining) return;
    call.rejoining = true;
    // Never inside the mesh's own update: the restart closes that mesh.
    await Promise.resolve();
    const token = this.deps.token();
    if (this.current !== call || !token) return;
    call.restart();
    this.render(call);
    try {
      await this.takeSeat(call, token);
    } catch {
      if (this.current === call) this.endWith(call, texts.ui.group.rejoinFailed);
      else this.deps.store.reportError({ code: 'call_failed', scope: 'call', message: texts.ui.group.rejoinFailed });
    }
  }

  private meshChanged(call: GroupCall): void {
    if (this.current !== call) return;
    if (call.signalingLost && this.deps.outbox.online) {
      // Links given up after our own signalling came back: we were the one cut off.
      if (call.anyLost) return void this.rejoin(call);
      const peers = call.mesh.peers();
      if (call.seat !== null && peers.length > 0 && peers.every((p) => p.state === 'connected')) call.signalingLost = false;
    }
    // Every link lost while our signalling never noticed (its loss is handled above): a cut shorter
    // than the broker's keep-alive leaves its socket up (measured: test/resilience/group-call-cut.test.ts).
    // We were the one cut off: the seat is taken again (the request waits for the network), else
    // the links would stay lost for good, the others' links to us too.
    if (!call.signalingLost && this.deps.outbox.online && call.mesh.allLinksLost) return void this.rejoin(call);
    if (call.replaces && call.mesh.peers().some((p) => p.user === call.replaces && p.state === 'connected')) {
      call.replaces = null;
      this.deps.endOneToOne?.();
    }
    this.render(call);
  }

  private ringFrom(from: string, message: GroupRingMessage): void {
    const { store, clock, presence } = this.deps;
    const me = store.state.user?.id;
    const room = store.state.rooms.find((r) => r.id === message.room);
    if (!me || from === me || !room || !allowsGroupCalls(room)) return;
    if (this.current?.roomId === message.room) return;
    // The other person of our 1:1 call turns it into a group call: we accepted a call with them already.
    if (!this.current && from === this.deps.oneToOnePeer?.()) {
      void this.reporting(() => this.tryJoin(message.room, { audio: true, video: this.media.videoDefault }, from));
      return;
    }
    const roster = this.rosters.get(message.room);
    if (roster && roster.id !== message.callId) return; // a call already over
    const name = presence.get(from)?.name ?? roster?.members.find((m) => m.user === from)?.name ?? texts.call.someone;
    const ring: GroupRing = { roomId: message.room, callId: message.callId, from: { id: from, name }, at: clock.now() };
    store.update({ groupRing: ring });
    store.emit('group-ring', { ring });
    this.timers.set('ring', () => this.dismissRing(), GROUP_RING_MS);
  }

  /** Samples the audio levels while the call is on: `speaking` follows the loudest voice. */
  private watchSpeaker(call: GroupCall): void {
    if (this.timers.has('speaker')) return;
    const sample = () => {
      if (this.current !== call) return;
      if (call.sampleSpeaker(this.ownLevel(call))) this.render(call);
      this.timers.set('speaker', sample, SPEAKER_SAMPLE_MS);
    };
    this.timers.set('speaker', sample, SPEAKER_SAMPLE_MS);
  }

  /** The own microphone's level, on the scale of the others' (a linear amplitude, as RTP's audio level). */
  private ownLevel(call: GroupCall): number | null {
    const track = call.mic;
    if (this.meter?.track !== track) {
      this.meter?.meter.close();
      this.meter = track && this.deps.meter ? { track, meter: this.deps.meter(track) } : null;
    }
    if (!this.meter) return null;
    const level = this.meter.meter.level();
    return level <= 0 ? 0 : 10 ** (3 * (level - 1));
  }

  private endWith(call: GroupCall, message: string): void {
    this.close(call);
    this.deps.store.reportError({ code: 'call_failed', scope: 'call', message });
  }

  private close(call: GroupCall): void {
    call.end();
    if (this.current !== call) return;
    this.current = null;
    this.timers.clear('speaker');
    this.meter?.meter.close();
    this.meter = null;
    this.deps.store.update({ groupCall: null });
    this.deps.inCallChanged?.(false);
  }

  private render(call: GroupCall): void {
    if (this.current !== call) return;
    const view = call.view(this.rosters.get(call.roomId)?.startedAt ?? this.deps.clock.now());
    // Rejoining, the new seat is not there yet: the call stays shown as it was (ending clears it in close()).
    if (!view && this.deps.store.state.groupCall?.roomId === call.roomId) return;
    this.deps.store.update({ groupCall: view });
  }

  /** Runs an action whose refusals (`refuse`) are shown as errors; anything else is the session's to show. */
  private async reporting(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (e) {
      if (e instanceof Refusal) return this.deps.store.reportError(e.error);
      throw e;
    }
  }

  private refuse(code: SessionError['code'], message: string): never {
    throw new Refusal({ code, scope: 'call', message });
  }
}
