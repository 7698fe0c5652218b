/**
 * The MessageStore in Redis (REDIS_URL), shared by every backend node. Keys (after the
 * connection's prefix):
 *
 * - `message:<id>`: the kept message as JSON, with `seq` (its place in the order messages were
 *   kept); it expires in Redis a day after the message does, as a backstop: the store's own
 *   clock decides what is live;
 * - `messages-to:<to>`, `messages-from:<from>`, `messages-pair:<from>:<to>`: sorted sets of ids
 *   scored by `expiresAt`, trimmed of expired ids before each use;
 * - `messages-seq`: the counter behind `seq`.
 *
 * `add`, `withdraw` and `delivered` are each one Lua script: the bounds are checked and the
 * message kept (or removed) in one atomic step, so two nodes cannot both pass a bound nor both
 * remove one message.
 */
import { decodeRecord, PendingWrites, type RedisConnection } from './redis-connection.js';
import { copyInChunks, RedisTransactions, type CopyCount } from './redis-transaction.js';
import {
  MessageIdTakenError,
  PendingLimitError,
  sameMessage,
  textBytes,
  type MessageStore,
  type PendingLimits,
  type PendingMessage,
} from './message-store.js';

/** How long Redis keeps a message's record past its end, in case no read trims it. */
const BACKSTOP_MS = 24 * 3600 * 1000;

export function messageKeys(connection: RedisConnection) {
  return {
    message: (id: string) => connection.key(`message:${id}`),
    to: (to: string) => connection.key(`messages-to:${to}`),
    from: (from: string) => connection.key(`messages-from:${from}`),
    pair: (from: string, to: string) => connection.key(`messages-pair:${from}:${to}`),
    seq: connection.key('messages-seq'),
    prefix: connection.prefix,
  };
}

type Keys = ReturnType<typeof messageKeys>;

/**
 * Shared by the scripts: `live(rec)` whether a record is still kept at `now`; `unkeep(prefix,
 * msg)` removes a decoded message from every key.
 */
const LUA_HELPERS = `
local function unkeep(prefix, msg)
  redis.call('DEL', prefix .. 'message:' .. msg.id)
  redis.call('ZREM', prefix .. 'messages-to:' .. msg.to, msg.id)
  redis.call('ZREM', prefix .. 'messages-from:' .. msg.from, msg.id)
  redis.call('ZREM', prefix .. 'messages-pair:' .. msg.from .. ':' .. msg.to, msg.id)
end
`;

/**
 * KEYS: message, to, pair, from, seq. ARGV: prefix, now, json (without seq), expiresAt,
 * perRecipient, perPair, bytesPerPair, bytes, backstop ms.
 * Returns {'kept', json} (kept now), {'held', json} (that id is kept already) or {limit}.
 */
const ADD = `${LUA_HELPERS}
local now = tonumber(ARGV[2])
local held = redis.call('GET', KEYS[1])
if held then
  local msg = cjson.decode(held)
  if msg.expiresAt > now then return {'held', held} end
  unkeep(ARGV[1], msg)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return {'recipient'} end
local pair = redis.call('ZRANGE', KEYS[3], 0, -1)
if #pair >= tonumber(ARGV[6]) then return {'count'} end
local bytes = tonumber(ARGV[8])
for _, id in ipairs(pair) do
  local rec = redis.call('GET', ARGV[1] .. 'message:' .. id)
  if rec then bytes = bytes + string.len(cjson.decode(rec).text) end
end
if bytes > tonumber(ARGV[7]) then return {'bytes'} end
local msg = cjson.decode(ARGV[3])
msg.seq = redis.call('INCR', KEYS[5])
local json = cjson.encode(msg)
local expiresAt = tonumber(ARGV[4])
redis.call('SET', KEYS[1], json, 'PX', math.max(1, expiresAt - now) + tonumber(ARGV[9]))
redis.call('ZADD', KEYS[2], expiresAt, msg.id)
redis.call('ZADD', KEYS[3], expiresAt, msg.id)
redis.call('ZADD', KEYS[4], expiresAt, msg.id)
return {'kept', json}
`;

/** KEYS: none. ARGV: prefix, now, owner field ('from' or 'to'), owner, ids… Removes and returns the live ones of `owner`. */
const TAKE = `${LUA_HELPERS}
local now = tonumber(ARGV[2])
local taken = {}
for i = 5, #ARGV do
  local rec = redis.call('GET', ARGV[1] .. 'message:' .. ARGV[i])
  if rec then
    local msg = cjson.decode(rec)
    if msg[ARGV[3]] == ARGV[4] and msg.expiresAt > now then
      unkeep(ARGV[1], msg)
      taken[#taken + 1] = rec
    end
  end
end
return taken
`;

interface KeptRecord extends PendingMessage {
  seq: number;
}

const isRecord = (value: unknown): value is KeptRecord => {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    ['id', 'from', 'to', 'text'].every((f) => typeof v[f] === 'string') &&
    ['sentAt', 'expiresAt', 'seq'].every((f) => typeof v[f] === 'number')
  );
};

/** The message of a record, without the store's `seq`. */
function decodeMessage(json: string): KeptRecord {
  return decodeRecord(json, isRecord, 'kept message')!;
}

const withoutSeq = ({ seq: _seq, ...message }: KeptRecord): PendingMessage => message;

/** The message as the script gets it: the fields of PendingMessage only, in a fixed order. */
const encodeMessage = (m: PendingMessage) =>
  JSON.stringify({ id: m.id, from: m.from, to: m.to, text: m.text, sentAt: m.sentAt, expiresAt: m.expiresAt });

class RedisMessageStore implements MessageStore {
  readonly #connection: RedisConnection;
  readonly #keys: Keys;
  readonly #writes = new PendingWrites();

  constructor(
    connection: RedisConnection,
    private readonly now: () => number,
  ) {
    this.#connection = connection;
    this.#keys = messageKeys(connection);
  }

  get #redis() {
    return this.#connection.client;
  }

  async add(message: PendingMessage, limits: PendingLimits): Promise<{ message: PendingMessage; added: boolean }> {
    const k = this.#keys;
    const [outcome, json] = (await this.#writes.track(
      () =>
        this.#redis.eval(
          ADD,
          5,
          k.message(message.id),
          k.to(message.to),
          k.pair(message.from, message.to),
          k.from(message.from),
          k.seq,
          k.prefix,
          this.now(),
          encodeMessage(message),
          message.expiresAt,
          limits.perRecipient,
          limits.perPair,
          limits.bytesPerPair,
          textBytes(message.text),
          BACKSTOP_MS,
        ) as Promise<[string, string?]>,
    )) as [string, string | undefined];
    if (outcome === 'kept') return { message: withoutSeq(decodeMessage(json!)), added: true };
    if (outcome === 'held') {
      const kept = withoutSeq(decodeMessage(json!));
      if (sameMessage(kept, message)) return { message: kept, added: false };
      throw new MessageIdTakenError();
    }
    const limit = outcome as PendingLimitError['limit'];
    throw new PendingLimitError(
      limit,
      limit === 'recipient' ? limits.perRecipient : limit === 'count' ? limits.perPair : limits.bytesPerPair,
    );
  }

  /** The live messages of one of the sets, oldest first. */
  async #listed(key: string): Promise<PendingMessage[]> {
    const now = this.now();
    const ids = await this.#redis.zrangebyscore(key, `(${now}`, '+inf');
    if (ids.length === 0) return [];
    const records = await this.#redis.mget(ids.map((id) => this.#keys.message(id)));
    return records
      .flatMap((json) => (json === null ? [] : [decodeMessage(json)]))
      .filter((m) => m.expiresAt > now)
      .sort((a, b) => a.seq - b.seq)
      .map(withoutSeq);
  }

  pendingFor(to: string): Promise<PendingMessage[]> {
    return this.#listed(this.#keys.to(to));
  }

  sentBy(from: string): Promise<PendingMessage[]> {
    return this.#listed(this.#keys.from(from));
  }

  #take(field: 'from' | 'to', owner: string, ids: readonly string[]): Promise<PendingMessage[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.#writes.track(async () => {
      const taken = (await this.#redis.eval(TAKE, 0, this.#keys.prefix, this.now(), field, owner, ...ids)) as string[];
      return taken
        .map(decodeMessage)
        .sort((a, b) => a.seq - b.seq)
        .map(withoutSeq);
    });
  }

  async withdraw(from: string, id: string): Promise<boolean> {
    return (await this.#take('from', from, [id])).length === 1;
  }

  delivered(to: string, ids: readonly string[]): Promise<PendingMessage[]> {
    return this.#take('to', to, [...new Set(ids)]);
  }

  close(): Promise<void> {
    return this.#writes.idle();
  }
}

/** The kept messages on `connection`. */
export async function openRedisMessageStore(connection: RedisConnection, now: () => number = Date.now): Promise<MessageStore> {
  return new RedisMessageStore(connection, now);
}

/**
 * Copies kept messages into Redis (migrate-to-redis), without the bounds (they held in the file):
 * a message Redis holds as it is copied is already there, one it holds otherwise a conflict.
 */
export async function copyMessagesToRedis(
  connection: RedisConnection,
  messages: readonly PendingMessage[],
  dryRun: boolean,
  now: number,
): Promise<CopyCount> {
  const keys = messageKeys(connection);
  const tx = new RedisTransactions(await connection.dedicated());
  const live = messages.filter((m) => m.expiresAt > now);
  return copyInChunks(tx, live, dryRun, async (chunk, watch) => {
    await watch(...chunk.map((m) => keys.message(m.id)));
    const held = chunk.length > 0 ? await tx.redis.mget(chunk.map((m) => keys.message(m.id))) : [];
    const count: CopyCount = { copied: 0, alreadyThere: 0, conflicts: [] };
    const fresh = chunk.filter((m, i) => {
      if (held[i] === null) return true;
      if (encodeMessage(withoutSeq(decodeMessage(held[i]!))) === encodeMessage(m)) count.alreadyThere += 1;
      else count.conflicts.push(`message ${m.id}: Redis holds it with other data`);
      return false;
    });
    count.copied = fresh.length;
    // The file's order is the order they were kept in: seq follows it (a high base keeps later ones after).
    const base = dryRun || fresh.length === 0 ? 0 : await connection.client.incrby(keys.seq, fresh.length);
    return {
      value: count,
      write: (multi) =>
        fresh.forEach((m, i) => {
          multi.set(keys.message(m.id), JSON.stringify({ ...m, seq: base - fresh.length + i + 1 }), 'PX', m.expiresAt - now + BACKSTOP_MS);
          multi.zadd(keys.to(m.to), m.expiresAt, m.id);
          multi.zadd(keys.from(m.from), m.expiresAt, m.id);
          multi.zadd(keys.pair(m.from, m.to), m.expiresAt, m.id);
        }),
    };
  });
}
