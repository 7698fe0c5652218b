/**
 * Who is online, per room (retained presence of each followed room, rebuilt after a
 * re-subscription) and in all (the union: the names of calls and chats), and the own status
 * with its automatic busy: busy while a call is answered, the previous status back when it ends.
 */
import type { Presence, PresenceStatus } from '../protocol/index.js';
import { Timers, type Clock } from './clock.js';
import type { MachinePhase } from './call-state-machine.js';
import type { Outbox } from './outbox.js';
import type { SessionStore } from './session-state.js';

/** After a re-subscription, retained presence is collected this long before it replaces the old list. */
export const PRESENCE_RESYNC_MS = 1_500;

export interface PresenceHooks {
  /** A user's presence arrived; `returned`: they were not online before. */
  peerHere(userId: string, returned: boolean): void;
  /** A user's presence vanished (deleted, or missing from a resync). */
  peerGone(userId: string): void;
}

const byName = (a: Presence, b: Presence) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/** What the other parts read of presence. */
export interface PresenceView {
  get(userId: string): Presence | undefined;
  /** How many tabs of `userId` are signed in (1 when unknown). */
  tabsOf(userId: string): number;
}

export class PresenceBook implements PresenceView {
  /** Who is online in each followed room (`LEGACY_ROOM` for an older backend's one list). */
  private rooms = new Map<string, Map<string, Presence>>();
  /** Everyone online in any room, with their latest presence: the names of calls and chats. */
  private people = new Map<string, Presence>();
  /** During a resync: the retained presence replayed so far, per room being rebuilt. */
  private replay: Map<string, Map<string, Presence>> | null = null;
  /** Invisible people who called or wrote to the visitor (PROTOCOL.md §7): here for the conversation, in no room. */
  private contacts = new Map<string, Presence>();
  /** Own status before a call made us busy, restored when it ends; null when not set by a call. */
  private statusBeforeCall: PresenceStatus | null = null;
  private readonly timers: Timers<'resync'>;

  constructor(
    private readonly store: SessionStore,
    private readonly outbox: Outbox,
    clock: Clock,
    private readonly hooks: PresenceHooks,
  ) {
    this.timers = new Timers(clock);
  }

  get(userId: string): Presence | undefined {
    return this.people.get(userId);
  }

  tabsOf(userId: string): number {
    return this.people.get(userId)?.sessions ?? 1;
  }

  /**
   * The rooms whose presence counts from now on (their subscriptions are made or kept): a room
   * no longer listed is forgotten, and whoever was only there is gone.
   */
  follow(roomIds: readonly string[]): void {
    const keep = new Set(roomIds);
    const added = [...keep].filter((id) => !this.rooms.has(id));
    const dropped = [...this.rooms.keys()].filter((id) => !keep.has(id));
    for (const id of added) this.rooms.set(id, new Map());
    for (const id of dropped) {
      this.rooms.delete(id);
      this.replay?.delete(id);
    }
    if (added.length > 0 || dropped.length > 0) this.settle();
  }

  /** A retained presence message of `room` (null: deleted, the user went offline or left the room). */
  onPresence(room: string, userId: string, presence: Presence | null): void {
    const people = this.rooms.get(room);
    if (!people || userId === this.store.state.user?.id) return;
    if (presence) {
      this.replay?.get(room)?.set(userId, presence);
      const returned = !this.people.has(userId);
      people.set(userId, presence);
      this.people.set(userId, presence);
      this.hooks.peerHere(userId, returned);
      this.render();
    } else {
      this.replay?.get(room)?.delete(userId);
      if (people.delete(userId)) this.settle();
    }
  }
  /** An invisible person's card (PROTOCOL.md §7): they can be answered, and their name shown, though in no list. */
  contact(presence: Presence): void {
    if (presence.id === this.store.state.user?.id) return;
    this.contacts.set(presence.id, presence);
    const inRoom = [...this.rooms.values()].some((people) => people.has(presence.id));
    if (inRoom) return;
    const returned = !this.people.has(presence.id);
    this.people.set(presence.id, presence);
    this.hooks.peerHere(presence.id, returned);
    this.render();
  }

  /** Their card no longer holds (offline, or visible again: their presence is in the rooms). */
  contactGone(userId: string): void {
    if (this.contacts.delete(userId)) this.settle();
  }

  /** Subscribed (again): a status other than the default goes out again. */
  republishStatus(): void {
    if (this.store.state.status !== 'available') this.publish(this.store.state.status);
  }

  /**
   * Subscribed again after a reconnect: the retained presence replayed now rebuilds each room's
   * list (users who left meanwhile get no delete, so nothing stale stays).
   */
  resync(): void {
    const rebuilt = [...this.rooms].filter(([, people]) => people.size > 0);
    if (rebuilt.length === 0) return;
    this.replay = new Map(rebuilt.map(([id]) => [id, new Map()]));
    this.timers.set(
      'resync',
      () => {
        const fresh = this.replay;
        this.replay = null;
        if (!fresh) return;
        for (const [id, people] of fresh) if (this.rooms.has(id)) this.rooms.set(id, people);
        this.settle();
      },
      PRESENCE_RESYNC_MS,
    );
  }

  /** The visitor's own choice, which wins over the automatic busy of a call. */
  setStatus(status: PresenceStatus): void {
    this.statusBeforeCall = null;
    this.apply(status);
  }

  /** Busy while a call is answered, so others see it before calling; the previous status comes back after. */
  followCall(phase: MachinePhase): void {
    if (phase === 'connecting' || phase === 'connected') {
      if (this.statusBeforeCall !== null || this.store.state.status === 'busy') return;
      const before = this.store.state.status;
      this.apply('busy');
      this.statusBeforeCall = before;
    } else if (phase === 'ended' && this.statusBeforeCall !== null) {
      const before = this.statusBeforeCall;
      this.statusBeforeCall = null;
      this.apply(before);
    }
  }

  /** Signed out: forget everyone and every room. */
  clear(): void {
    this.timers.clearAll();
    this.replay = null;
    this.statusBeforeCall = null;
    this.people.clear();
    this.rooms.clear();
    this.contacts.clear();
  }

  private apply(status: PresenceStatus): void {
    this.store.update({ status });
    this.publish(status);
  }

  private publish(status: PresenceStatus): void {
    this.outbox.publishStatus(status).catch(() => {
      // Re-published after the next (re)connect anyway.
    });
  }

  /** After people left rooms: whoever is in no room any more is gone (a departure), the others stay. */
  private settle(): void {
    const gone = [...this.people.keys()].filter(
      (id) => !this.contacts.has(id) && ![...this.rooms.values()].some((people) => people.has(id)),
    );
    for (const id of gone) this.people.delete(id);
    this.render();
    for (const id of gone) this.hooks.peerGone(id);
  }

  private render(): void {
    const peers = [...this.people.values()].sort(byName);
    const roomPeers: Record<string, string[]> = {};
    for (const [id, people] of this.rooms) roomPeers[id] = peers.filter((p) => people.has(p.id)).map((p) => p.id);
    this.store.update({ peers, roomPeers });
    this.store.emit('presence', { peers });
  }
}
