/**
 * The backend's connections to Redis (REDIS_URL), through ioredis: the
 * client library mqemitter-redis uses, so the broker's message bus (#15) can
 * share it later. One connection answers ordinary commands; each store that
 * decides changes gets a connection of its own for them (WATCH belongs to a
 * connection: two stores watching keys on one connection would end each
 * other's watches); the room store's listener gets one for pub/sub.
 */
import { Redis } from 'ioredis';
import { StoreError } from './user-store.js';

/** How long start-up waits for Redis before it stops with an error. */
const CONNECT_TIMEOUT_MS = 5_000;

/** Every key and channel starts with this: several deployments (or tests) can share one Redis. */
export const DEFAULT_KEY_PREFIX = 'rtc-call:';

/** The URL as it may be printed: without its password. */
export function redactedRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

export class RedisConnection {
  readonly #url: string;
  readonly #extra: Redis[] = [];
  /** For ordinary commands (reads, MGET, PUBLISH). */
  readonly client: Redis;
  readonly prefix: string;

  private constructor(url: string, client: Redis, prefix: string) {
    this.#url = url;
    this.client = client;
    this.prefix = prefix;
  }

  /** Connects, or throws a `StoreError` naming the (redacted) URL when Redis cannot be reached in time. */
  static async open(url: string, options: { prefix?: string } = {}): Promise<RedisConnection> {
    const connection = new RedisConnection(url, RedisConnection.#client(url), options.prefix ?? DEFAULT_KEY_PREFIX);
    await connection.#ready(connection.client);
    return connection;
  }

  static #client(url: string): Redis {
    // lazyConnect: connect() reports the first failure instead of retrying forever in the background.
    return new Redis(url, { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 3 });
  }

  async #ready(client: Redis): Promise<void> {
    // Errors are reported through the commands that fail; without a listener ioredis prints each reconnect attempt.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      client.disconnect();
      throw new StoreError(`Redis at ${redactedRedisUrl(this.#url)} cannot be reached (${(error as Error).message}).`);
    }
  }

  /** A connection of its own (transactions, subscriptions), closed with this one. */
  async dedicated(): Promise<Redis> {
    const client = RedisConnection.#client(this.#url);
    this.#extra.push(client);
    await this.#ready(client);
    return client;
  }

  /** `prefix` + `name`. */
  key(name: string): string {
    return this.prefix + name;
  }

  async close(): Promise<void> {
    const all = [this.client, ...this.#extra.splice(0)];
    await Promise.all(all.map((c) => (c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c.disconnect())));
  }
}

/** A JSON record read from Redis, checked by `valid`; undefined when absent, `StoreError` when it is not a `what`. */
export function decodeRecord<T>(json: string | null, valid: (value: unknown) => value is T, what: string): T | undefined {
  if (json === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    value = undefined;
  }
  if (!valid(value)) throw new StoreError(`Redis holds a ${what} record that is not one: ${json.slice(0, 80)}`);
  return value;
}

/** Writes a store has begun, so that `close()` can wait for them (as the JSON stores' queues do). */
export class PendingWrites {
  readonly #pending = new Set<Promise<unknown>>();

  /** Runs `write` and remembers it until it settles. */
  track<T>(write: () => Promise<T>): Promise<T> {
    const running = write();
    this.#pending.add(running);
    const forget = () => void this.#pending.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** Resolves once every write begun so far has settled. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}
