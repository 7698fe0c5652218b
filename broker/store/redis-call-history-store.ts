/**
 * The CallHistoryStore in Redis (REDIS_URL), shared by every backend node. Keys (after the
 * connection's prefix):
 *
 * - `history:<owner>`: sorted set of the owner's entries, all scored 0 so that Redis orders them
 *   by member, `<startedAt, 16 digits>.<id>`: that is newest-first order read backwards
 *   (`ZREVRANGEBYLEX`), and a page cursor is a member;
 * - `history-missed:<owner>`: the same members, for the owner's missed incoming calls only (the
 *   badge is one `ZLEXCOUNT`);
 * - `history-entries:<owner>`: hash, entry id to the entry as JSON;
 * - `history-seen`: hash, owner to the time they last saw their history;
 * - `history-owners`: set of owners with entries, for `prune`.
 *
 * Entries never change once written, so a write needs no transaction: each is one MULTI or one
 * Lua script. Each owner's entries past the retention are removed when an entry is added for
 * them (as the JSON store prunes on each write) and by `prune`; reads leave them out either way.
 */
import { validateCallEntry, type CallHistoryEntry } from '../../src/protocol/index.js';
import { cursorFilter, type CallHistoryStore, type StoredCallsPage } from './call-history-store.js';
import { decodeRecord, PendingWrites, type RedisConnection } from './redis-connection.js';
import { copyInChunks, RedisTransactions, type CopyCount } from './redis-transaction.js';

/** Digits of a start time in a member: Unix ms fit in 16 until the year 316,000. */
const TIME_DIGITS = 16;

/** The sorted-set member of an entry (or of a cursor): ordered as the entries are. */
const memberOf = (startedAt: number, id: string) => `${String(startedAt).padStart(TIME_DIGITS, '0')}.${id}`;

/** The smallest member of an entry that started at `at` or later. */
const fromTime = (at: number) => `[${String(Math.max(0, at)).padStart(TIME_DIGITS, '0')}`;

export function historyKeys(connection: RedisConnection) {
  return {
    calls: (owner: string) => connection.key(`history:${owner}`),
    missed: (owner: string) => connection.key(`history-missed:${owner}`),
    entries: (owner: string) => connection.key(`history-entries:${owner}`),
    seen: connection.key('history-seen'),
    owners: connection.key('history-owners'),
  };
}

type Keys = ReturnType<typeof historyKeys>;

/**
 * KEYS: calls, missed, entries, owners. ARGV: the first member kept (exclusive bound), owner.
 * Removes the owner's entries before it; resolves with how many went.
 */
const PRUNE_OWNER = `
local gone = redis.call('ZRANGEBYLEX', KEYS[1], '-', ARGV[1])
for _, member in ipairs(gone) do redis.call('HDEL', KEYS[3], string.sub(member, ${TIME_DIGITS + 2})) end
redis.call('ZREMRANGEBYLEX', KEYS[1], '-', ARGV[1])
redis.call('ZREMRANGEBYLEX', KEYS[2], '-', ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[4], ARGV[2]) end
return #gone
`;

/** KEYS: calls, missed, entries. ARGV: id, member. 1 when the owner had that entry. */
const DELETE_ENTRY = `
if redis.call('HDEL', KEYS[3], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
`;

/** KEYS: seen. ARGV: owner, at. The later time wins. */
const MARK_SEEN = `
local kept = redis.call('HGET', KEYS[1], ARGV[1])
if not kept or tonumber(kept) < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
`;

const isMissedIncoming = (entry: CallHistoryEntry) => entry.direction === 'incoming' && entry.outcome === 'missed';
const isEntry = (value: unknown): value is CallHistoryEntry => validateCallEntry(value) !== null;

class RedisCallHistoryStore implements CallHistoryStore {
  readonly #connection: RedisConnection;
  readonly #keys: Keys;
  readonly #writes = new PendingWrites();

  constructor(
    connection: RedisConnection,
    private readonly retentionMs: number,
    private readonly now: () => number,
  ) {
    this.#connection = connection;
    this.#keys = historyKeys(connection);
  }

  get #redis() {
    return this.#connection.client;
  }

  #cutoff(): number {
    return this.now() - this.retentionMs;
  }

  #prune(owner: string): Promise<number> {
    const k = this.#keys;
    const below = `(${String(Math.max(0, this.#cutoff())).padStart(TIME_DIGITS, '0')}`;
    return this.#redis.eval(PRUNE_OWNER, 4, k.calls(owner), k.missed(owner), k.entries(owner), k.owners, below, owner) as Promise<number>;
  }

  add(entries: readonly { owner: string; entry: CallHistoryEntry }[]): Promise<void> {
    return this.#writes.track(async () => {
      const multi = this.#redis.multi();
      addEntries(this.#keys, entries)(multi);
      await multi.exec();
      for (const owner of new Set(entries.map((e) => e.owner))) await this.#prune(owner);
    });
  }

  async page(owner: string, limit: number, cursor?: string): Promise<StoredCallsPage> {
    let from = '+';
    if (cursor !== undefined) {
      cursorFilter(cursor); // BadCursorError for one this service never gave out
      const [startedAt, id] = cursor.split('.') as [string, string];
      from = `(${memberOf(Number(startedAt), id)}`;
    }
    const members = await this.#redis.zrevrangebylex(this.#keys.calls(owner), from, fromTime(this.#cutoff()), 'LIMIT', 0, limit + 1);
    const shown = members.slice(0, limit);
    const json = shown.length > 0 ? await this.#redis.hmget(this.#keys.entries(owner), ...shown.map(idOf)) : [];
    // An entry deleted between the two reads is simply not shown.
    const calls = json.flatMap((j) => (j === null ? [] : [decodeRecord(j, isEntry, 'call history')!]));
    const next = members.length > limit ? cursorOfMember(shown.at(-1)!) : null;
    return { calls, next };
  }

  async delete(owner: string, id: string): Promise<boolean> {
    const k = this.#keys;
    const json = await this.#redis.hget(k.entries(owner), id);
    const entry = decodeRecord(json, isEntry, 'call history');
    if (!entry) return false;
    const done = this.#writes.track(
      () =>
        this.#redis.eval(
          DELETE_ENTRY,
          3,
          k.calls(owner),
          k.missed(owner),
          k.entries(owner),
          id,
          memberOf(entry.startedAt, id),
        ) as Promise<number>,
    );
    return (await done) === 1;
  }

  async unseenMissed(owner: string): Promise<number> {
    const seenAt = Number((await this.#redis.hget(this.#keys.seen, owner)) ?? 0);
    return this.#redis.zlexcount(this.#keys.missed(owner), fromTime(Math.max(seenAt + 1, this.#cutoff())), '+');
  }

  markSeen(owner: string, at: number): Promise<void> {
    return this.#writes.track(async () => {
      await this.#redis.eval(MARK_SEEN, 1, this.#keys.seen, owner, at);
    });
  }

  prune(): Promise<number> {
    return this.#writes.track(async () => {
      let gone = 0;
      let cursor = '0';
      do {
        const [next, owners] = await this.#redis.sscan(this.#keys.owners, cursor, 'COUNT', 500);
        for (const owner of owners) gone += await this.#prune(owner);
        cursor = next;
      } while (cursor !== '0');
      return gone;
    });
  }

  deleteOwner(owner: string): Promise<void> {
    const k = this.#keys;
    return this.#writes.track(async () => {
      await this.#redis.multi().del(k.calls(owner), k.missed(owner), k.entries(owner)).hdel(k.seen, owner).srem(k.owners, owner).exec();
    });
  }

  close(): Promise<void> {
    return this.#writes.idle();
  }
}

/** The entry id at the end of a member. */
const idOf = (member: string) => member.slice(TIME_DIGITS + 1);

/** The cursor after the entry of `member` (call-history-store.ts's `cursorOf`, without the entry). */
const cursorOfMember = (member: string) => `${Number(member.slice(0, TIME_DIGITS))}.${idOf(member)}`;

/** Writes `entries` (each to its owner's history): the same entry twice is one entry. */
function addEntries(keys: Keys, entries: readonly { owner: string; entry: CallHistoryEntry }[]) {
  return (multi: ReturnType<RedisConnection['client']['multi']>) => {
    for (const { owner, entry } of entries) {
      const member = memberOf(entry.startedAt, entry.id);
      multi.hset(keys.entries(owner), entry.id, JSON.stringify(entry));
      multi.zadd(keys.calls(owner), 0, member);
      if (isMissedIncoming(entry)) multi.zadd(keys.missed(owner), 0, member);
      multi.sadd(keys.owners, owner);
    }
  };
}

export interface RedisCallHistoryOptions {
  /** How long entries are kept (HISTORY_DAYS), in ms. */
  retentionMs: number;
  now?: () => number;
}

/** The call history on `connection`. */
export async function openRedisCallHistoryStore(connection: RedisConnection, options: RedisCallHistoryOptions): Promise<CallHistoryStore> {
  return new RedisCallHistoryStore(connection, options.retentionMs, options.now ?? Date.now);
}

/** One owner's history as the JSON file holds it, for the migration. */
export interface OwnerHistoryCopy {
  owner: string;
  seenAt: number;
  calls: readonly CallHistoryEntry[];
}

/**
 * Copies histories into Redis (migrate-to-redis), counted per entry: an entry Redis holds as it
 * is copied is already there, one it holds otherwise a conflict. Seen times merge (the later wins).
 */
export async function copyHistoryToRedis(
  connection: RedisConnection,
  histories: readonly OwnerHistoryCopy[],
  dryRun: boolean,
): Promise<CopyCount> {
  const keys = historyKeys(connection);
  const tx = new RedisTransactions(await connection.dedicated());
  const records = histories.flatMap((h) => h.calls.map((entry) => ({ owner: h.owner, entry })));
  const count = await copyInChunks(tx, records, dryRun, async (chunk, watch) => {
    await watch(...new Set(chunk.map((r) => keys.entries(r.owner))));
    const held = await Promise.all(chunk.map((r) => tx.redis.hget(keys.entries(r.owner), r.entry.id)));
    const result: CopyCount = { copied: 0, alreadyThere: 0, conflicts: [] };
    const fresh = chunk.filter((r, i) => {
      if (held[i] === null) return true;
      if (held[i] === JSON.stringify(r.entry)) result.alreadyThere += 1;
      else result.conflicts.push(`call ${r.entry.id} of ${r.owner}: Redis holds it with other data`);
      return false;
    });
    result.copied = fresh.length;
    return { value: result, write: addEntries(keys, fresh) };
  });
  if (!dryRun && count.conflicts.length === 0)
    for (const h of histories) if (h.seenAt > 0) await connection.client.eval(MARK_SEEN, 1, keys.seen, h.owner, h.seenAt);
  return count;
}
