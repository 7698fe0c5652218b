/**
 * The end of guests (PROTOCOL.md §4, "Guests"): at `guest.expiresAt` a
 * guest's sessions are revoked (the broker closes its connections), its
 * account is deleted, and the membership is told. One timer, armed for the
 * next guest's end (and re-armed when a guest with an earlier end is made),
 * plus a sweep at start-up for guests that ended while the backend was down.
 */
import type { Sessions } from '../sessions.js';
import { NO_NODE_EVENTS, type NodeEvents } from '../store/node-events.js';
import type { UserStore } from '../store/user-store.js';
import type { Membership } from './membership.js';

/** setTimeout's longest delay is 2^31-1 ms; a later end is reached by re-arming. */
const MAX_TIMER_MS = 60 * 60 * 1000;

export interface GuestSweeperDeps {
  store: UserStore;
  sessions: Sessions;
  membership: Membership;
  now?: () => number;
  /** The other backend nodes (REDIS_URL): each arms for every guest, so one ends on time even if its node is gone. */
  events?: NodeEvents;
}

export class GuestSweeper {
  readonly #deps: GuestSweeperDeps;
  readonly #now: () => number;
  readonly #events: NodeEvents;
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (Unix ms). */
  #armedFor = Infinity;
  #sweeping: Promise<void> | undefined;
  #stopped = false;

  constructor(deps: GuestSweeperDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#events = deps.events ?? NO_NODE_EVENTS;
    this.#events.on((event) => {
      if (event.type === 'guest-expected' && event.at < this.#armedFor) this.#arm(event.at);
    });
  }

  /** Sweeps once now (guests that ended while the backend was down), then keeps sweeping. */
  start(): Promise<void> {
    return this.sweep();
  }

  /** A guest was made that ends at `expiresAt`: sweep then at the latest. */
  expect(expiresAt: number): void {
    if (expiresAt < this.#armedFor) this.#arm(expiresAt);
    void this.#events.tell({ type: 'guest-expected', at: expiresAt }).catch(() => undefined);
  }

  /** Ends every guest past its end, then arms the timer for the next one. One sweep at a time. */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweepOnce().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async #sweepOnce(): Promise<void> {
    const { store, sessions, membership } = this.#deps;
    const now = this.#now();
    // Disarmed while listing: a guest made meanwhile arms the timer through `expect`, and stays armed below.
    clearTimeout(this.#timer);
    this.#armedFor = Infinity;
    let next = Infinity;
    for (const user of await store.list()) {
      if (!user.guest) continue;
      if (user.guest.expiresAt > now) {
        next = Math.min(next, user.guest.expiresAt);
        continue;
      }
      // Revoked first: its connections close even if the deletion fails and is retried next time.
      await sessions.revokeUser(user.id);
      await store.delete(user.id);
      await membership.changed(user.id);
    }
    if (next < this.#armedFor) this.#arm(next);
  }

  #arm(at: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#armedFor = at;
    const delay = Math.min(Math.max(0, at - this.#now()), MAX_TIMER_MS);
    // A few ms late, so the guest's last token (whole seconds, never past the end) has expired too.
    this.#timer = setTimeout(() => void this.sweep().catch(() => this.#arm(this.#now() + 1000)), delay + 5);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#sweeping?.catch(() => undefined);
  }
}
