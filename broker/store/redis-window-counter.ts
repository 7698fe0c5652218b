/**
 * Fixed-window counts in Redis, shared by every backend node: the failed-login throttle and the
 * guests made per address (broker/http/login-throttle.ts has the in-memory version). One key per
 * counted thing, `<name>:<key>`, counted with INCR and ending with its window (PEXPIRE set by the
 * first count), so Redis forgets it by itself.
 */
import type { RedisConnection } from './redis-connection.js';

/** KEYS: the count. ARGV: window ms. The first count of a window starts its expiry. */
const ADD = `
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
`;

/** KEYS: the count. ARGV: window ms, limit. {1, ttl} when counted (under the limit), {0, ttl} otherwise. */
const TAKE = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[2]) then return {0, redis.call('PTTL', KEYS[1])} end
count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {1, redis.call('PTTL', KEYS[1])}
`;

/** KEYS: the count. Uncounts one, if any is counted. */
const GIVE_BACK = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
`;

export class RedisWindowCounter {
  constructor(
    private readonly connection: RedisConnection,
    private readonly name: string,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  #key(key: string): string {
    return this.connection.key(`${this.name}:${key}`);
  }

  /** Counts in the current window, and when it ends. */
  async get(key: string): Promise<{ count: number; resetAt: number }> {
    const [[, count], [, ttl]] = (await this.connection.client.multi().get(this.#key(key)).pttl(this.#key(key)).exec()) as [
      [null, string | null],
      [null, number],
    ];
    const now = this.now();
    if (count === null || ttl < 0) return { count: 0, resetAt: now };
    return { count: Number(count), resetAt: now + ttl };
  }

  async add(key: string): Promise<void> {
    await this.connection.client.eval(ADD, 1, this.#key(key), this.windowMs);
  }

  /** Counts one if fewer than `limit` are counted, atomically across nodes. */
  async take(key: string, limit: number): Promise<{ taken: boolean; resetAt: number }> {
    const [taken, ttl] = (await this.connection.client.eval(TAKE, 1, this.#key(key), this.windowMs, limit)) as [number, number];
    return { taken: taken === 1, resetAt: this.now() + Math.max(0, ttl) };
  }

  async giveBack(key: string): Promise<void> {
    await this.connection.client.eval(GIVE_BACK, 1, this.#key(key));
  }
}
