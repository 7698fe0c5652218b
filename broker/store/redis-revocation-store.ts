/**
 * The RevocationStore in Redis (REDIS_URL), shared by every backend node and
 * the admin CLI. Keys (after the connection's prefix):
 *
 * - `revoked-sessions`: sorted set, session id scored by `until`;
 * - `revoked-users`: hash, user id to its latest cutoff (`before`);
 * - `revoked-users-until`: sorted set, user id scored by `until`;
 * - `revocations-version`: a counter raised by every write.
 *
 * `current()` runs on every token check, so it costs one GET of the version
 * while nothing changed, and re-reads the records only after a write (from
 * any node). Each write is one Lua script, atomic in Redis: it keeps the
 * later of two cutoffs and prunes the records past their `until` (their
 * sessions are past SESSION_MAX_AGE anyway), like the JSON store.
 */
import type { RedisConnection } from './redis-connection.js';
import type { RevocationStore, Revocations, SessionRevocation, UserRevocation } from './revocation-store.js';

/** KEYS: sessions, users, usersUntil, version. ARGV: now, then the write's own arguments. */
const PRUNE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
for _, user in ipairs(gone) do redis.call('HDEL', KEYS[2], user) end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
`;

/** ARGV: now, sid, until. */
const REVOKE_SESSION = `${PRUNE}
if tonumber(ARGV[3]) > tonumber(ARGV[1]) then redis.call('ZADD', KEYS[1], 'NX', ARGV[3], ARGV[2]) end
return redis.call('INCR', KEYS[4])
`;

/** ARGV: now, userId, before, until. An earlier cutoff than the one kept changes nothing. */
const REVOKE_USER = `${PRUNE}
local kept = redis.call('HGET', KEYS[2], ARGV[2])
if (not kept or tonumber(kept) <= tonumber(ARGV[3])) and tonumber(ARGV[4]) > tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
end
return redis.call('INCR', KEYS[4])
`;

export function revocationKeys(connection: RedisConnection) {
  return {
    sessions: connection.key('revoked-sessions'),
    users: connection.key('revoked-users'),
    usersUntil: connection.key('revoked-users-until'),
    version: connection.key('revocations-version'),
  };
}

class RedisRevocationStore implements RevocationStore {
  readonly #connection: RedisConnection;
  readonly #keys: ReturnType<typeof revocationKeys>;
  readonly #now: () => number;
  #cached: { version: string | null; revocations: Revocations } | undefined;
  #writes = new Set<Promise<unknown>>();

  constructor(connection: RedisConnection, now: () => number) {
    this.#connection = connection;
    this.#keys = revocationKeys(connection);
    this.#now = now;
  }

  #script(lua: string, ...args: (string | number)[]): Promise<void> {
    const k = this.#keys;
    const write = this.#connection.client.eval(lua, 4, k.sessions, k.users, k.usersUntil, k.version, this.#now(), ...args);
    this.#writes.add(write);
    return write.then(
      () => void this.#writes.delete(write),
      (error: unknown) => {
        this.#writes.delete(write);
        throw error;
      },
    );
  }

  revokeSession({ sid, until }: SessionRevocation): Promise<void> {
    return this.#script(REVOKE_SESSION, sid, until);
  }

  revokeUserSessions({ userId, before, until }: UserRevocation): Promise<void> {
    return this.#script(REVOKE_USER, userId, before, until);
  }

  async current(): Promise<Revocations> {
    const client = this.#connection.client;
    const version = await client.get(this.#keys.version);
    if (this.#cached && this.#cached.version === version) return this.#cached.revocations;
    // One MULTI: the records and the version they belong to, read at one instant.
    const now = this.#now();
    const [[, sessions], [, users], [, live], [, readVersion]] = (await client
      .multi()
      .zrangebyscore(this.#keys.sessions, `(${now}`, '+inf')
      .hgetall(this.#keys.users)
      .zrangebyscore(this.#keys.usersUntil, `(${now}`, '+inf')
      .get(this.#keys.version)
      .exec())! as [unknown, unknown][] as [[null, string[]], [null, Record<string, string>], [null, string[]], [null, string | null]];
    const liveUsers = new Set(live);
    const usersBefore = new Map(
      Object.entries(users)
        .filter(([user]) => liveUsers.has(user))
        .map(([user, before]) => [user, Number(before)] as const),
    );
    const revocations: Revocations = { sessions: new Set(sessions), usersBefore };
    this.#cached = { version: readVersion, revocations };
    return revocations;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#writes]);
  }
}

/** The revocations on `connection`. */
export async function openRedisRevocationStore(connection: RedisConnection, now: () => number = Date.now): Promise<RevocationStore> {
  return new RedisRevocationStore(connection, now);
}
