/**
 * The group call this tab is in (PROTOCOL.md §6): its room, its mesh of links, and its own media.
 * It is a `MediaCall`, so the 1:1 call's media part (call/call-media.ts) opens, mutes, switches
 * and shares on it unchanged; its `link` puts each track on every link of the mesh.
 *
 * A rejoin (this tab's network came back after its links were given up) keeps the call, its
 * tracks and its view, and starts a fresh mesh for the new seat.
 */
import { UNKNOWN_SEAT_WAIT_MS, type MediaKinds, type RoomCall } from '../../protocol/index.js';
import type { MediaCall } from '../call/call-media.js';
import type { MediaFlags, GroupCallView, GroupMemberView } from '../types.js';
import { GroupMesh, type MeshDeps } from './mesh.js';
import { NO_SPEAKER, nextSpeaker, type SpeakerState } from './speaker.js';

export class GroupCall implements MediaCall {
  readonly released = true;
  readonly machine = { phase: 'connected' as const };
  mic: MediaStreamTrack | null = null;
  camera: MediaStreamTrack | null = null;
  screen: MediaStreamTrack | null = null;
  local: MediaFlags = { audio: false, video: false, screen: false };
  localView: MediaStream | null = null;
  mesh: GroupMesh;
  /** The tracks on every link now. */
  private readonly sent: Record<'audio' | 'video', MediaStreamTrack | null> = { audio: null, video: null };
  /** The roster has shown this tab's seat: a later roster without it means the seat is gone. */
  seated = false;
  /** Rosters with this tab at a seat below this are from before a rejoin, and stale. */
  private minSeat = 1;
  /** When the backend gave the seat (clock time). */
  private joinedAt: number | null = null;
  /** The signalling link went down during the call: a lost seat or lost links mean a rejoin, not an end. */
  signalingLost = false;
  /** A rejoin is under way. */
  rejoining = false;
  /** The other person of the 1:1 call this group call takes over, until the group call links us. */
  replaces: string | null = null;
  private ended = false;
  private speakers: SpeakerState = NO_SPEAKER;
  readonly link = {
    setTrack: async (kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> => {
      this.sent[kind] = track;
      await this.mesh.setTrack(kind, track);
    },
  };

  constructor(
    readonly roomId: string,
    readonly media: MediaKinds,
    readonly me: { user: string; name: string },
    private readonly meshDeps: Omit<MeshDeps, 'tracks'>,
  ) {
    this.mesh = this.newMesh();
  }

  get isLive(): boolean {
    return !this.ended;
  }

  /** This tab's seat, once the roster shows it. */
  get seat(): number | null {
    return this.mesh.seat;
  }

  /**
   * A roster of the room's call. Before the seat shows, rosters without it are ignored (one
   * published before the join may arrive after the join's answer). Returns false when the seat
   * is gone (another tab took it, the room was lost, or the backend's lost-seat rule ended it).
   */
  roster(call: RoomCall | null, sid: string, now: number): boolean {
    const mine = call?.members.find((m) => m.sid === sid);
    if (mine && mine.seat < this.minSeat) return true;
    if (!this.seated && !mine) return true;
    // Just after a join, a roster without this user is one from before it: Aedes streams the retained
    // message of a new subscription after the SUBACK, so it can come after a live one (a rejoin at once).
    const justJoined = this.joinedAt !== null && now - this.joinedAt < UNKNOWN_SEAT_WAIT_MS;
    if (call && !mine && justJoined && !call.members.some((m) => m.user === this.me.user)) return true;
    this.mesh.update(call);
    if (this.mesh.seat === null) return false;
    this.seated = true;
    return true;
  }

  /** The join's own answer: the links start at once, without waiting for the topic. */
  joined(call: RoomCall, seat: number, now: number): void {
    this.minSeat = seat;
    this.joinedAt = now;
    if (this.mesh.seat === null) this.mesh.update(call);
  }

  /** Joining again for a new seat: the old links are closed; the tracks stay. */
  restart(): void {
    this.minSeat = (this.mesh.seat ?? this.minSeat - 1) + 1;
    this.mesh.close();
    this.mesh = this.newMesh();
    this.seated = false;
    this.signalingLost = false;
    this.rejoining = false;
    this.speakers = NO_SPEAKER;
  }

  /** Whether any link has been given up. */
  get anyLost(): boolean {
    return this.mesh.peers().some((p) => p.state === 'lost');
  }

  /** One sample of the audio levels (speaker.ts); true when the highlighted speaker changed. */
  sampleSpeaker(ownLevel: number | null): boolean {
    const levels = this.mesh.audioLevels();
    const seat = this.mesh.seat;
    if (seat !== null) levels.set(seat, this.local.audio ? ownLevel : 0);
    const before = this.speakers.speaker;
    this.speakers = nextSpeaker(this.speakers, levels);
    return this.speakers.speaker !== before;
  }

  /** Ends it here: links and tracks closed. The seat is given up over HTTP by the caller. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.mesh.close();
    for (const t of [this.mic, this.camera, this.screen]) t?.stop();
    this.mic = this.camera = this.screen = null;
  }

  view(startedAt: number): GroupCallView | null {
    const seat = this.mesh.seat;
    const callId = this.mesh.callId;
    if (seat === null || callId === null || this.ended) return null;
    const speaker = this.speakers.speaker;
    const mine: GroupMemberView = {
      seat,
      user: this.me.user,
      name: this.me.name,
      me: true,
      state: 'connected',
      media: { ...this.local },
      stream: this.localView,
      speaking: speaker === seat,
    };
    const others: GroupMemberView[] = this.mesh.peers().map((p) => ({
      seat: p.seat,
      user: p.user,
      name: p.name,
      me: false,
      state: p.state,
      media: { ...p.media },
      stream: p.stream,
      speaking: speaker === p.seat,
    }));
    const members = [mine, ...others].sort((a, b) => a.seat - b.seat);
    const sharing = members.find((m) => m.media.screen && m.state !== 'lost')?.seat ?? null;
    return { roomId: this.roomId, callId, members, sharing, startedAt };
  }

  private newMesh(): GroupMesh {
    const mesh = new GroupMesh({ ...this.meshDeps, tracks: () => ({ ...this.sent }) });
    void mesh.mediaChanged(this.local);
    return mesh;
  }
}
