/**
 * The node events (./node-events.ts) on Redis (REDIS_URL): one pub/sub channel, `node-events`,
 * JSON messages with the sending node's id (a node ignores its own). Loaded only with a Redis URL.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { fromOtherNode, nodeMessage, type NodeEvent, type NodeEvents } from './node-events.js';
import type { RedisConnection } from './redis-connection.js';

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
      const event = fromOtherNode<NodeEvent>(message, this.#node, TYPES);
      if (event) for (const listener of this.#listeners) listener(event);
    });
  }

  async tell(event: NodeEvent): Promise<void> {
    await this.connection.client.publish(this.channel, nodeMessage(this.#node, event));
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
