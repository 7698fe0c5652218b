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
 *
 * With several nodes (REDIS_URL) a user's tabs may be on different nodes: the
 * session count and the status are then every node's (`PresenceShare`), each
 * node that holds one of the user's sessions republishes when any node
 * announces a change, and the node that ends the user's last session (or
 * sweeps a dead node's) clears the retained presence wherever any node put it.
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

/** What every node shares about a user's presence (cluster/shared-presence.ts). */
export interface PresenceShare {
  /** The user's sessions on every node and their status. */
  read(userId: string): Promise<{ sessions: number; status: PresenceStatus }>;
  /** Stores the status for every node and announces the change. */
  setStatus(userId: string, status: PresenceStatus): Promise<void>;
  /** Tells every other node holding one of the user's sessions to republish it. */
  announce(userId: string): Promise<void>;
  /** Records where this node retains the user's presence now (and no longer), so any node can clear it. */
  retainedAt(userId: string, topics: readonly string[], left: readonly string[]): Promise<void>;
  /**
   * The user's sessions here ended: when they have none left anywhere, resolves with every topic
   * that holds their presence (forgotten, and their status reset), else announces and resolves with none.
   */
  vacate(userId: string): Promise<string[]>;
}

export class PresenceTracker {
  readonly #users = new Map<string, UserPresence>();
  /** Users whose retained presence must be republished. */
  readonly #dirty = new Set<string>();
  /** The topics that hold each user's retained presence now, to delete those they leave. */
  readonly #published = new Map<string, ReadonlySet<string>>();
  #flushing: Promise<void> | undefined;
  /** Several nodes: the last counts read from the share, for the synchronous `card`. */
  readonly #shared = new Map<string, { sessions: number; status: PresenceStatus }>();
  /** Several nodes: vacating users in flight, so `settled` waits for their clearing too. */
  readonly #vacating = new Set<Promise<void>>();

  /**
   * `publish` is the broker's own (Aedes#publish): it bypasses the client ACL.
   * `topicsOf(userId)`: where an online user's presence belongs now (their rooms).
   */
  constructor(
    private readonly publish: Publish,
    private readonly topicsOf: (userId: string) => readonly string[],
    /** Do-not-disturb and invisible (PROTOCOL.md §7): an invisible user's presence is never published. */
    private readonly privacy?: { dnd(userId: string): boolean; invisible(userId: string): boolean },
    /** Several nodes on Redis: counts and status across nodes. */
    private readonly share?: PresenceShare,
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
    this.#announce(userId);
  }

  sessionEnded(userId: string): void {
    const user = this.#users.get(userId);
    if (!user) return;
    user.sessions -= 1;
    // Status is per online spell: a user coming back starts as available.
    if (user.sessions <= 0) this.#users.delete(userId);
    if (this.share && user.sessions <= 0) return this.#vacate(userId);
    this.#markDirty(userId);
    this.#announce(userId);
  }

  setStatus(userId: string, status: PresenceStatus): void {
    const user = this.#users.get(userId);
    if (!user || user.status === status) return;
    user.status = status;
    if (!this.share) return this.#markDirty(userId);
    // Published once every node can read it; the share announces it to the others.
    const publish = () => this.#markDirty(userId);
    void this.share.setStatus(userId, status).then(publish, publish);
  }

  /**
   * Several nodes: another node announced a change of the user (or a sweep ended sessions of theirs);
   * republished if they have a session here.
   */
  refresh(userId: string): void {
    if (this.#users.has(userId)) this.#markDirty(userId);
  }

  /**
   * Several nodes: sessions of the user ended elsewhere (a dead node's, swept here); their presence is
   * cleared when they have none left anywhere, else the nodes that hold one republish it.
   */
  sessionsGone(userId: string): void {
    if (this.#users.has(userId)) {
      this.#markDirty(userId);
      this.#announce(userId);
    } else this.#vacate(userId);
  }

  #announce(userId: string): void {
    void this.share?.announce(userId).catch(() => undefined);
  }

  /** No session of the user here: what this node published goes, and the share says whether it is their last anywhere. */
  #vacate(userId: string): void {
    this.#published.delete(userId);
    this.#shared.delete(userId);
    const vacating = this.share!.vacate(userId)
      .then((topics) => Promise.all(topics.map((topic) => this.#retain(topic, Buffer.alloc(0)))))
      .then(
        () => undefined,
        // Redis away: the next heartbeat's resync reports this user again.
        () => undefined,
      )
      .finally(() => this.#vacating.delete(vacating));
    this.#vacating.add(vacating);
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
    const { sessions, status } = this.#shared.get(userId) ?? user;
    const presence: Presence = { id: userId, name: user.name, status: dnd ? 'busy' : status, sessions: Math.max(sessions, user.sessions) };
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
    while (this.#flushing || this.#vacating.size > 0) await Promise.all([this.#flushing, ...this.#vacating]);
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
    // Several nodes: a user without a session here is published by the nodes that hold one.
    if (this.share && !(await this.#readShare(userId))) return;
    const presence = this.get(userId);
    const topics = new Set(presence ? this.topicsOf(userId) : []);
    const left = [...(this.#published.get(userId) ?? [])].filter((topic) => !topics.has(topic));
    if (topics.size > 0) this.#published.set(userId, topics);
    else this.#published.delete(userId);
    const payload = presence ? Buffer.from(JSON.stringify(presence)) : Buffer.alloc(0);
    await this.share?.retainedAt(userId, [...topics], left).catch(() => undefined);
    await Promise.all([
      ...[...topics].map((topic) => this.#retain(topic, payload)),
      // An empty retained payload deletes the retained message: offline, or out of that room.
      ...left.map((topic) => this.#retain(topic, Buffer.alloc(0))),
    ]);
  }

  /** Several nodes: reads the user's counts across nodes; false when they have no session here (any more). */
  async #readShare(userId: string): Promise<boolean> {
    try {
      const shared = await this.share!.read(userId);
      if (!this.#users.has(userId)) return false;
      this.#shared.set(userId, shared);
    } catch {
      // Redis away: published with what this node knows; the next heartbeat's resync announces the user again.
    }
    return this.#users.has(userId);
  }

  #retain(topic: string, payload: Buffer): Promise<void> {
    return new Promise((resolve) => {
      this.publish({ cmd: 'publish', topic, payload, qos: 0, retain: true, dup: false }, () => resolve());
    });
  }
}
