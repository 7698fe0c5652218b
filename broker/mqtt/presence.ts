/**
 * Presence kept by the backend (PROTOCOL.md §3, §4): a user's retained
 * `{ id, name, status, sessions, guest? }` on
 * `rtc/v1/rooms/<roomId>/presence/<id>` for each of their rooms, and on the
 * legacy `rtc/v1/presence/<id>` while they are in the lobby; counted from
 * connect/disconnect across a user's tabs, status folded in from
 * `rtc/v1/status/<id>`, and retained deletes where it no longer belongs
 * (offline, or out of a room).
 *
 * Changes are coalesced per user and published one user at a time: a storm
 * of N connects costs N users' publishes (one per room they are in; fewer
 * when a user changes twice before the flush), never a fan-out per client.
 */
import type { PublishPacket } from 'aedes';
import type { Presence, PresenceStatus } from '../../src/protocol/index.js';

interface UserPresence {
  name: string;
  status: PresenceStatus;
  sessions: number;
  guest: boolean;
}

type Publish = (packet: PublishPacket, callback: (error?: Error) => void) => void;

export class PresenceTracker {
  readonly #users = new Map<string, UserPresence>();
  /** Users whose retained presence must be republished. */
  readonly #dirty = new Set<string>();
  /** The topics that hold each user's retained presence now, to delete those they leave. */
  readonly #published = new Map<string, ReadonlySet<string>>();
  #flushing: Promise<void> | undefined;

  /**
   * `publish` is the broker's own (Aedes#publish): it bypasses the client ACL.
   * `topicsOf(userId)`: where an online user's presence belongs now (their rooms).
   */
  constructor(
    private readonly publish: Publish,
    private readonly topicsOf: (userId: string) => readonly string[],
    /** Do-not-disturb and invisible (PROTOCOL.md §7): an invisible user's presence is never published. */
    private readonly privacy?: { dnd(userId: string): boolean; invisible(userId: string): boolean },
  ) {}

  sessionStarted(userId: string, name: string, guest = false): void {
    const user = this.#users.get(userId);
    if (user) {
      user.sessions += 1;
      user.name = name;
      user.guest = guest;
    } else {
      this.#users.set(userId, { name, status: 'available', sessions: 1, guest });
    }
    this.#markDirty(userId);
  }

  sessionEnded(userId: string): void {
    const user = this.#users.get(userId);
    if (!user) return;
    user.sessions -= 1;
    // Status is per online spell: a user coming back starts as available.
    if (user.sessions <= 0) this.#users.delete(userId);
    this.#markDirty(userId);
  }

  setStatus(userId: string, status: PresenceStatus): void {
    const user = this.#users.get(userId);
    if (!user || user.status === status) return;
    user.status = status;
    this.#markDirty(userId);
  }

  /** The user's rooms changed: their presence moves to the topics of the rooms they are in now. */
  moved(userId: string): void {
    if (this.#users.has(userId) || this.#published.has(userId)) this.#markDirty(userId);
  }

  /** The presence published for the user: undefined when offline or invisible. */
  get(userId: string): Presence | undefined {
    return this.privacy?.invisible(userId) ? undefined : this.card(userId);
  }

  /**
   * The user's presence whether or not they are invisible: what an invisible user's contacts are
   * shown (PROTOCOL.md §7). With do-not-disturb on the status is `busy` (older widgets show that).
   */
  card(userId: string): Presence | undefined {
    const user = this.#users.get(userId);
    if (!user) return undefined;
    const dnd = this.privacy?.dnd(userId) ?? false;
    const presence: Presence = { id: userId, name: user.name, status: dnd ? 'busy' : user.status, sessions: user.sessions };
    if (user.guest) presence.guest = true;
    if (dnd) presence.dnd = true;
    return presence;
  }

  /** The name the user is online under; undefined when offline. */
  nameOf(userId: string): string | undefined {
    return this.#users.get(userId)?.name;
  }

  /** Resolves when every change so far is published. */
  async settled(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  #markDirty(userId: string): void {
    this.#dirty.add(userId);
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = undefined;
    });
  }

  async #flush(): Promise<void> {
    // Let the current burst of events land first, so it coalesces.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#dirty.size > 0) {
      const userId = this.#dirty.values().next().value as string;
      this.#dirty.delete(userId);
      await this.#publish(userId);
    }
  }

  /** Publishes the user's presence where it belongs and an empty retained payload where it no longer does. */
  async #publish(userId: string): Promise<void> {
    const presence = this.get(userId);
    const topics = new Set(presence ? this.topicsOf(userId) : []);
    const left = [...(this.#published.get(userId) ?? [])].filter((topic) => !topics.has(topic));
    if (topics.size > 0) this.#published.set(userId, topics);
    else this.#published.delete(userId);
    const payload = presence ? Buffer.from(JSON.stringify(presence)) : Buffer.alloc(0);
    await Promise.all([
      ...[...topics].map((topic) => this.#retain(topic, payload)),
      // An empty retained payload deletes the retained message: offline, or out of that room.
      ...left.map((topic) => this.#retain(topic, Buffer.alloc(0))),
    ]);
  }

  #retain(topic: string, payload: Buffer): Promise<void> {
    return new Promise((resolve) => {
      this.publish({ cmd: 'publish', topic, payload, qos: 0, retain: true, dup: false }, () => resolve());
    });
  }
}
