/**
 * What one backend node tells the others on Redis (REDIS_URL), for what each node keeps in its
 * own memory and must hear of when another node changed it: one pub/sub channel, `node-events`,
 * JSON messages with the sending node's id (a node ignores its own). Without Redis there is one
 * node and nothing to tell: `NO_NODE_EVENTS`.
 *
 * - `members-changed`: a user's rooms may have changed (a site token's rooms, a guest's end): each
 *   node re-checks that user's connections (Membership.changed);
 * - `guest-expected`: a guest was made that ends at `at`: each node's sweeper arms for it, so the
 *   guest ends on time even if the node that made it is gone;
 * - `privacy-changed`: a user's do-not-disturb/invisible changed: each node's broker applies it
 *   (the callee's settings are read on the caller's node when an invite passes).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PrivacySettings } from '../../src/protocol/index.js';
import type { RedisConnection } from './redis-connection.js';

export type NodeEvent =
  | { type: 'members-changed'; userId: string }
  | { type: 'guest-expected'; at: number }
  | { type: 'privacy-changed'; userId: string; privacy: PrivacySettings };

export interface NodeEvents {
  /** Tells the other nodes; resolves once Redis took it (never for this node's own listeners). */
  tell(event: NodeEvent): Promise<void>;
  /** `listener` hears what the other nodes tell. */
  on(listener: (event: NodeEvent) => void): void;
  close(): Promise<void>;
}

/** One node: nobody to tell. */
export const NO_NODE_EVENTS: NodeEvents = { tell: async () => undefined, on: () => undefined, close: async () => undefined };

const TYPES = new Set(['members-changed', 'guest-expected', 'privacy-changed']);

class RedisNodeEvents implements NodeEvents {
  readonly #node = randomBytes(9).toString('base64url');
  readonly #listeners = new Set<(event: NodeEvent) => void>();

  constructor(
    private readonly connection: RedisConnection,
    private readonly subscriber: Redis,
    private readonly channel: string,
  ) {
    subscriber.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      let parsed: { node?: unknown; event?: NodeEvent };
      try {
        parsed = JSON.parse(message) as typeof parsed;
      } catch {
        return;
      }
      if (parsed.node === this.#node || !parsed.event || !TYPES.has(parsed.event.type)) return;
      for (const listener of this.#listeners) listener(parsed.event);
    });
  }

  async tell(event: NodeEvent): Promise<void> {
    await this.connection.client.publish(this.channel, JSON.stringify({ node: this.#node, event }));
  }

  on(listener: (event: NodeEvent) => void): void {
    this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}

/** The node events on `connection` (a connection of their own for the subscription). */
export async function openRedisNodeEvents(connection: RedisConnection): Promise<NodeEvents> {
  const subscriber = await connection.dedicated();
  const channel = connection.key('node-events');
  await subscriber.subscribe(channel);
  return new RedisNodeEvents(connection, subscriber, channel);
}
