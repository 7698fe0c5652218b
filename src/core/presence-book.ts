/**
 * Who is online (retained presence, rebuilt after a re-subscription), and the own status with
 * its automatic busy: busy while a call is answered, the previous status back when it ends.
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
  private people = new Map<string, Presence>();
  private replay: Map<string, Presence> | null = null;
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

  /** A retained presence message (null: deleted, the user went offline). */
  onPresence(userId: string, presence: Presence | null): void {
    if (userId === this.store.state.user?.id) return;
    if (this.replay && presence) this.replay.set(userId, presence);
    if (presence) {
      const returned = !this.people.has(userId);
      this.people.set(userId, presence);
      this.hooks.peerHere(userId, returned);
    } else {
      this.replay?.delete(userId);
      if (!this.people.delete(userId)) return;
      this.hooks.peerGone(userId);
    }
    this.render();
  }

  /** Subscribed (again): a status other than the default goes out again. */
  republishStatus(): void {
    if (this.store.state.status !== 'available') this.publish(this.store.state.status);
  }

  /**
   * Subscribed again after a reconnect: the retained presence replayed now rebuilds the list
   * (users who left meanwhile get no delete, so nothing stale stays).
   */
  resync(): void {
    if (this.people.size === 0) return;
    this.replay = new Map();
    this.timers.set(
      'resync',
      () => {
        const fresh = this.replay;
        this.replay = null;
        if (!fresh) return;
        const gone = [...this.people.keys()].filter((id) => !fresh.has(id));
        this.people = fresh;
        this.render();
        for (const id of gone) this.hooks.peerGone(id);
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

  /** Signed out: forget everyone. */
  clear(): void {
    this.timers.clearAll();
    this.replay = null;
    this.statusBeforeCall = null;
    this.people.clear();
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

  private render(): void {
    const peers = [...this.people.values()].sort(byName);
    this.store.update({ peers });
    this.store.emit('presence', { peers });
  }
}
