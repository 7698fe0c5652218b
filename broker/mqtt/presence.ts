/**
 * Presence kept by the backend (PROTOCOL.md §3): retained
 * `rtc/v1/presence/<id>` = `{ id, name, status, sessions }`, counted from
 * connect/disconnect across a user's tabs, status folded in from
 * `rtc/v1/status/<id>`, and a retained delete when the last session goes.
 *
 * Changes are coalesced per user and published one at a time: a storm of N
 * connects costs N retained publishes (fewer when a user changes twice before
 * the flush), never a fan-out per client.
 */
import type { PublishPacket } from 'aedes';
import { presenceTopic, type Presence, type PresenceStatus } from '../../src/protocol/index.js';

interface UserPresence {
  name: string;
  status: PresenceStatus;
  sessions: number;
}

export class PresenceTracker {
  readonly #users = new Map<string, UserPresence>();
  /** Users whose retained presence must be republished. */
  readonly #dirty = new Set<string>();
  #flushing: Promise<void> | undefined;

  /** `publish` is the broker's own (Aedes#publish): it bypasses the client ACL. */
  constructor(private readonly publish: (packet: PublishPacket, callback: (error?: Error) => void) => void) {}

  sessionStarted(userId: string, name: string): void {
    const user = this.#users.get(userId);
    if (user) {
      user.sessions += 1;
      user.name = name;
    } else {
      this.#users.set(userId, { name, status: 'available', sessions: 1 });
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

  get(userId: string): Presence | undefined {
    const user = this.#users.get(userId);
    return user && { id: userId, name: user.name, status: user.status, sessions: user.sessions };
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

  #publish(userId: string): Promise<void> {
    const presence = this.get(userId);
    // An empty retained payload deletes the retained message: the user is offline.
    const payload = presence ? Buffer.from(JSON.stringify(presence)) : Buffer.alloc(0);
    return new Promise((resolve) => {
      this.publish({ cmd: 'publish', topic: presenceTopic(userId), payload, qos: 0, retain: true, dup: false }, () => resolve());
    });
  }
}
