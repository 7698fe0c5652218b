/**
 * The UserStore in Redis (REDIS_URL), shared by every backend node. Keys
 * (after the connection's prefix, `rtc-call:` by default):
 *
 * - `user:<id>`: the user as JSON (StoredUser, as in users.json);
 * - `user-email:<normalised email>`: the id of the password account with it;
 * - `users`: a set of every id, for `list` (the admin CLI);
 * - `users-with-privacy`: the ids whose do-not-disturb or invisible is on, for `withPrivacy`.
 *
 * Each change is an optimistic transaction (redis-transaction.ts) over the
 * keys it decides on: a registration WATCHes `user-email:<email>`, so of two
 * nodes registering one email at once exactly one writes it and the other,
 * deciding again, finds it taken. A change resolves once Redis acknowledged
 * it; how durable that is depends on the Redis server's own persistence
 * (appendonly), which the operator chooses.
 */
import type { ChainableCommander } from 'ioredis';
import { generateUserId, isStoredUser } from './json-user-store.js';
import { decodeRecord, type RedisConnection } from './redis-connection.js';
import { RedisTransactions, copyInChunks, type CopyCount } from './redis-transaction.js';
import type { PrivacySettings } from '../../src/protocol/history.js';
import {
  EmailTakenError,
  guestUser,
  hasPrivacyOn,
  mayHavePassword,
  passwordUser,
  siteUserFrom,
  type NewGuest,
  type NewUser,
  type SiteUser,
  type StoredUser,
  type UserStore,
} from './user-store.js';

/** MGET this many users per round trip in `list`. */
const LIST_CHUNK = 500;

/** The keys of one deployment's users. */
export function userKeys(connection: RedisConnection) {
  return {
    user: (id: string) => connection.key(`user:${id}`),
    email: (email: string) => connection.key(`user-email:${email}`),
    all: connection.key('users'),
    withPrivacy: connection.key('users-with-privacy'),
  };
}

type Keys = ReturnType<typeof userKeys>;

/** Writes `user` (new or changed) with its email index; `before` is what it replaces. */
function putUser(keys: Keys, user: StoredUser, before?: StoredUser) {
  return (multi: ChainableCommander) => {
    if (before && before.email !== '' && before.email !== user.email) multi.del(keys.email(before.email));
    multi.set(keys.user(user.id), JSON.stringify(user));
    if (user.email !== '') multi.set(keys.email(user.email), user.id);
    multi.sadd(keys.all, user.id);
    if (hasPrivacyOn(user)) multi.sadd(keys.withPrivacy, user.id);
    else multi.srem(keys.withPrivacy, user.id);
  };
}

class RedisUserStore implements UserStore {
  readonly #connection: RedisConnection;
  readonly #keys: Keys;
  readonly #tx: RedisTransactions;

  constructor(connection: RedisConnection, tx: RedisTransactions) {
    this.#connection = connection;
    this.#keys = userKeys(connection);
    this.#tx = tx;
  }

  #decode(json: string | null): StoredUser | undefined {
    return decodeRecord(json, isStoredUser, 'user');
  }

  async findById(id: string) {
    return this.#decode(await this.#connection.client.get(this.#keys.user(id)));
  }

  async findByEmail(email: string) {
    if (email === '') return undefined;
    const id = await this.#connection.client.get(this.#keys.email(email));
    return id === null ? undefined : this.findById(id);
  }

  list() {
    return this.#members(this.#keys.all);
  }

  withPrivacy() {
    return this.#members(this.#keys.withPrivacy);
  }

  /** The users whose ids the set `key` holds, oldest first. */
  async #members(key: string): Promise<StoredUser[]> {
    const ids = (await this.#connection.client.smembers(key)).sort();
    const users: StoredUser[] = [];
    for (let i = 0; i < ids.length; i += LIST_CHUNK) {
      const chunk = await this.#connection.client.mget(ids.slice(i, i + LIST_CHUNK).map(this.#keys.user));
      for (const json of chunk) {
        const user = this.#decode(json);
        if (user) users.push(user);
      }
    }
    return users.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The user as it is, read after WATCHing its key (so a change by anyone else makes the decision run again). */
  async #watched(watch: (...keys: string[]) => Promise<void>, id: string): Promise<StoredUser | undefined> {
    await watch(this.#keys.user(id));
    return this.#decode(await this.#tx.redis.get(this.#keys.user(id)));
  }

  /** An id no user has, watched: a user made with it meanwhile would make the decision run again. */
  async #freeId(watch: (...keys: string[]) => Promise<void>): Promise<string> {
    for (;;) {
      const id = generateUserId();
      if (!(await this.#watched(watch, id))) return id;
    }
  }

  create(input: NewUser) {
    return this.#tx.run(async (watch) => {
      await watch(this.#keys.email(input.email));
      if ((await this.#tx.redis.exists(this.#keys.email(input.email))) === 1) throw new EmailTakenError(input.email);
      const user = passwordUser(await this.#freeId(watch), input);
      return { value: user, write: putUser(this.#keys, user) };
    });
  }

  createGuest(guest: NewGuest) {
    return this.#tx.run(async (watch) => {
      const user = guestUser(await this.#freeId(watch), guest);
      return { value: user, write: putUser(this.#keys, user) };
    });
  }

  saveSiteUser(input: SiteUser) {
    return this.#tx.run(async (watch) => {
      const user = await this.#watched(watch, input.id);
      const saved = siteUserFrom(user, input);
      return saved === user ? { value: saved } : { value: saved, write: putUser(this.#keys, saved, user) };
    });
  }

  setPasswordHash(id: string, passwordHash: string) {
    return this.#tx.run(async (watch) => {
      const user = await this.#watched(watch, id);
      if (!mayHavePassword(user)) return { value: false };
      return { value: true, write: putUser(this.#keys, { ...user, passwordHash }, user) };
    });
  }

  setPrivacy(id: string, privacy: PrivacySettings) {
    return this.#tx.run(async (watch) => {
      const user = await this.#watched(watch, id);
      if (!user) return { value: undefined };
      const saved: StoredUser = { ...user, privacy: { ...privacy } };
      return { value: saved, write: putUser(this.#keys, saved, user) };
    });
  }

  delete(id: string) {
    return this.#tx.run(async (watch) => {
      const user = await this.#watched(watch, id);
      if (!user) return { value: false };
      return {
        value: true,
        write: (multi) => {
          multi.del(this.#keys.user(id));
          if (user.email !== '') multi.del(this.#keys.email(user.email));
          multi.srem(this.#keys.all, id);
          multi.srem(this.#keys.withPrivacy, id);
        },
      };
    });
  }

  close(): Promise<void> {
    return this.#tx.idle();
  }
}

/** The user store on `connection`; it gets a connection of its own for its changes. */
export async function openRedisUserStore(connection: RedisConnection): Promise<UserStore> {
  return new RedisUserStore(connection, new RedisTransactions(await connection.dedicated()));
}

/**
 * Copies `users` into Redis as they are (ids, hashes, dates): the admin
 * CLI's migrate-to-redis. A user already there unchanged is counted, not
 * written; one there with other data, or whose email another account has, is
 * a conflict. `dryRun`: only counts.
 */
export async function copyUsersToRedis(connection: RedisConnection, users: readonly StoredUser[], dryRun: boolean): Promise<CopyCount> {
  const keys = userKeys(connection);
  const tx = new RedisTransactions(await connection.dedicated());
  return copyInChunks(tx, users, dryRun, async (chunk, watch) => {
    const emails = chunk.map((u) => u.email).filter((email) => email !== '');
    await watch(...chunk.map((u) => keys.user(u.id)), ...emails.map(keys.email));
    const held = await tx.redis.mget(chunk.map((u) => keys.user(u.id)));
    const owners = new Map(emails.map((email, i) => [email, i]));
    const emailIds = emails.length > 0 ? await tx.redis.mget(emails.map(keys.email)) : [];
    const count: CopyCount = { copied: 0, alreadyThere: 0, conflicts: [] };
    const fresh: StoredUser[] = [];
    chunk.forEach((user, i) => {
      const emailId = user.email === '' ? null : emailIds[owners.get(user.email)!];
      if (held[i] === JSON.stringify(user) && (emailId ?? user.id) === user.id) count.alreadyThere += 1;
      else if (held[i] !== null) count.conflicts.push(`user ${user.id}: Redis holds it with other data`);
      else if (emailId !== null && emailId !== user.id)
        count.conflicts.push(`user ${user.id}: ${user.email} belongs to ${emailId} in Redis`);
      else fresh.push(user);
    });
    count.copied = fresh.length;
    return { value: count, write: (multi) => fresh.forEach((user) => putUser(keys, user)(multi)) };
  });
}
