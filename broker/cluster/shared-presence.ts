/**
 * The part of presence every node shares on Redis (REDIS_URL): a user's
 * session count (`user-sessions:<userId>`, kept by node-registry.ts), their
 * status (`presence-status:<userId>`), the topics where any node retains
 * their presence (`presence-topics:<userId>`), and the channel
 * `presence-changed` on which a node tells the others to republish a user
 * (`<userId> <nodeId>`: a node skips its own announcements, it published already).
 * The payloads themselves are retained in Aedes' persistence, in Redis too.
 */
import type { Redis } from 'ioredis';
import { PRESENCE_STATUSES, type PresenceStatus } from '../../src/protocol/index.js';
import type { PresenceShare } from '../mqtt/presence.js';

/** KEYS: user-sessions:<u>, presence-topics:<u>, presence-status:<u>. ARGV: channel, announcement. */
const VACATE = `
if redis.call('HLEN', KEYS[1]) > 0 then
  redis.call('PUBLISH', ARGV[1], ARGV[2])
  return {}
end
local topics = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2], KEYS[3])
return topics`;

export const PRESENCE_CHANNEL = 'presence-changed';

export class SharedPresence implements PresenceShare {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #nodeId: string;

  constructor(redis: Redis, prefix: string, nodeId: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#nodeId = nodeId;
  }

  /** The user an announcement on the channel names, or undefined when this node made it. */
  announced(message: string): string | undefined {
    const [userId, nodeId] = message.split(' ');
    return nodeId === this.#nodeId ? undefined : userId;
  }

  #key(name: string, userId: string): string {
    return `${this.#prefix}${name}:${userId}`;
  }

  get channel(): string {
    return this.#prefix + PRESENCE_CHANNEL;
  }

  async read(userId: string): Promise<{ sessions: number; status: PresenceStatus }> {
    const [sessions, status] = await Promise.all([
      this.#redis.hlen(this.#key('user-sessions', userId)),
      this.#redis.get(this.#key('presence-status', userId)),
    ]);
    return { sessions, status: PRESENCE_STATUSES.includes(status as PresenceStatus) ? (status as PresenceStatus) : 'available' };
  }

  async setStatus(userId: string, status: PresenceStatus): Promise<void> {
    await this.#redis.set(this.#key('presence-status', userId), status);
    await this.announce(userId);
  }

  async announce(userId: string): Promise<void> {
    await this.#redis.publish(this.channel, `${userId} ${this.#nodeId}`);
  }

  async retainedAt(userId: string, topics: readonly string[], left: readonly string[]): Promise<void> {
    const key = this.#key('presence-topics', userId);
    const pipeline = this.#redis.pipeline();
    if (topics.length > 0) pipeline.sadd(key, ...topics);
    if (left.length > 0) pipeline.srem(key, ...left);
    if (topics.length + left.length > 0) await pipeline.exec();
  }

  async vacate(userId: string): Promise<string[]> {
    const keys = ['user-sessions', 'presence-topics', 'presence-status'].map((name) => this.#key(name, userId));
    return (await this.#redis.eval(VACATE, keys.length, ...keys, this.channel, `${userId} ${this.#nodeId}`)) as string[];
  }
}
