/**
 * Which MQTT sessions live on which backend node, in Redis (REDIS_URL), so
 * that the session cap and presence count every node's tabs, and so that
 * a node that dies (even by SIGKILL, which runs no Aedes will) loses its
 * sessions within seconds instead of the minutes Aedes' wills take.
 *
 * - Each node renews `node:<id>` (PX `ttlMs`) every `heartbeatMs` and is in
 *   the set `nodes`.
 * - `node-sessions:<id>` holds the clientIds connected to that node;
 *   `user-sessions:<userId>` maps each of the user's clientIds to its node
 *   (the user's session count is its length).
 * - Every node sweeps every `sweepMs`: a node in `nodes` whose key has
 *   expired loses its sessions, and the users it touched are reported with
 *   the sessions they keep (0: offline everywhere). One Lua script does it,
 *   so two nodes sweeping the same dead node report each user once.
 * - A node that was swept while alive (Redis away longer than `ttlMs`, or its
 *   event loop stalled) notices at its next heartbeat and writes its
 *   sessions again; so does a node whose writes failed while Redis was away.
 *
 * The clientId starts with `<userId>:` (checked at CONNECT), which is how the
 * scripts find a session's user. Connections are counted per clientId in
 * this node's memory: the widget renews its token by connecting again with
 * the same clientId, so Redis is written on a clientId's first connection
 * here and its last.
 */
import type { Redis } from 'ioredis';
import type { SessionCounter } from '../mqtt/session-limit.js';

/** A user whose session count changed, and the sessions they have now on every node. */
export interface SessionsChange {
  userId: string;
  sessions: number;
}

export interface NodeRegistryOptions {
  nodeId: string;
  /** MAX_SESSIONS_PER_USER, across nodes. */
  maxSessionsPerUser: number;
  /** Key prefix (`rtc-call:`). */
  prefix: string;
  heartbeatMs?: number;
  sweepMs?: number;
  ttlMs?: number;
  /** Session counts that changed by another path than this node's own open/close (sweeps, resyncs). */
  onChange: (changes: SessionsChange[]) => void;
}

export const NODE_HEARTBEAT_MS = 3_000;
export const NODE_TTL_MS = 10_000;
/**
 * A dead node's sessions go at most NODE_TTL_MS + NODE_SWEEP_MS after its last heartbeat, which
 * came before it died: within 11 s of a SIGKILL (the contract says 15). A sweep is one script of
 * one SMEMBERS and an EXISTS per node: every node running it each second costs Redis nothing.
 */
export const NODE_SWEEP_MS = 1_000;

/** KEYS: user-sessions:<u>, node-sessions:<n>. ARGV: clientId, nodeId, max. → sessions of the user, or -1 (over the cap). */
const OPEN = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return redis.call('HLEN', KEYS[1])`;

/** KEYS: user-sessions:<u>, node-sessions:<n>. ARGV: clientId, nodeId. A clientId taken over by another node stays its. */
const CLOSE = `
redis.call('SREM', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return redis.call('HLEN', KEYS[1])`;

/** KEYS: node:<id>, nodes. ARGV: nodeId, ttlMs. → 1 when this node was not in `nodes` (first beat, or swept). */
const HEARTBEAT = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
return redis.call('SADD', KEYS[2], ARGV[1])`;

/** Lua helper shared by the scripts below: drops one session of a node, returns its user. */
const DROP = `
local function drop(prefix, node, clientId)
  local userId = string.match(clientId, '^([^:]*):')
  if not userId then return nil end
  local userKey = prefix .. 'user-sessions:' .. userId
  if redis.call('HGET', userKey, clientId) == node then redis.call('HDEL', userKey, clientId) end
  return userId
end
local function counted(prefix, users)
  local out = {}
  for userId, _ in pairs(users) do
    table.insert(out, userId)
    table.insert(out, redis.call('HLEN', prefix .. 'user-sessions:' .. userId))
  end
  return out
end`;

/** KEYS: nodes. ARGV: prefix, own nodeId. → flat [userId, sessions, …] of the users whose dead nodes' sessions went. */
const SWEEP = `${DROP}
local users = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if node ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. 'node:' .. node) == 0 then
    local setKey = ARGV[1] .. 'node-sessions:' .. node
    for _, clientId in ipairs(redis.call('SMEMBERS', setKey)) do
      local userId = drop(ARGV[1], node, clientId)
      if userId then users[userId] = true end
    end
    redis.call('DEL', setKey)
    redis.call('SREM', KEYS[1], node)
  end
end
return counted(ARGV[1], users)`;

/**
 * KEYS: node-sessions:<own>. ARGV: prefix, own nodeId, then this node's clientIds.
 * Makes Redis hold exactly this node's sessions. → flat [userId, sessions, …] of the users touched.
 */
const RESYNC = `${DROP}
local users = {}
local keep = {}
for i = 3, #ARGV do keep[ARGV[i]] = true end
for _, clientId in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not keep[clientId] then
    redis.call('SREM', KEYS[1], clientId)
    local userId = drop(ARGV[1], ARGV[2], clientId)
    if userId then users[userId] = true end
  end
end
for i = 3, #ARGV do
  local clientId = ARGV[i]
  local userId = string.match(clientId, '^([^:]*):')
  if userId then
    local userKey = ARGV[1] .. 'user-sessions:' .. userId
    if redis.call('HEXISTS', userKey, clientId) == 0 then users[userId] = true end
    redis.call('HSET', userKey, clientId, ARGV[2])
    redis.call('SADD', KEYS[1], clientId)
  end
end
return counted(ARGV[1], users)`;

function pairsOf(flat: unknown): SessionsChange[] {
  const list = flat as (string | number)[];
  const changes: SessionsChange[] = [];
  for (let i = 0; i + 1 < list.length; i += 2) changes.push({ userId: String(list[i]), sessions: Number(list[i + 1]) });
  return changes;
}

export class NodeRegistry implements SessionCounter {
  readonly #redis: Redis;
  readonly #options: Required<Omit<NodeRegistryOptions, 'onChange'>> & Pick<NodeRegistryOptions, 'onChange'>;
  /** clientId → open connections with that clientId on this node. */
  readonly #local = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #beating: Promise<void> | undefined;
  /** A write failed (Redis away) or this node was swept: the next heartbeat writes every local session again. */
  #dirty = true;

  constructor(redis: Redis, options: NodeRegistryOptions) {
    this.#redis = redis;
    this.#options = {
      ...options,
      heartbeatMs: options.heartbeatMs ?? NODE_HEARTBEAT_MS,
      ttlMs: options.ttlMs ?? NODE_TTL_MS,
      sweepMs: options.sweepMs ?? NODE_SWEEP_MS,
    };
  }

  get nodeId(): string {
    return this.#options.nodeId;
  }

  #key(name: string): string {
    return this.#options.prefix + name;
  }

  /** First heartbeat (so a CONNECT right after start-up is counted), then one every `heartbeatMs`. */
  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => void this.beat(), this.#options.heartbeatMs);
    this.#timer.unref();
    this.#sweepTimer = setInterval(() => void this.#sweep(), this.#options.sweepMs);
    this.#sweepTimer.unref();
  }

  /** Renews this node's key and writes its sessions again if needed. Never throws. */
  beat(): Promise<void> {
    this.#beating ??= this.#beat().finally(() => {
      this.#beating = undefined;
    });
    return this.#beating;
  }

  async #beat(): Promise<void> {
    const { nodeId, ttlMs, prefix } = this.#options;
    try {
      const added = await this.#redis.eval(HEARTBEAT, 2, this.#key(`node:${nodeId}`), this.#key('nodes'), nodeId, ttlMs);
      if (added === 1 || this.#dirty) {
        this.#dirty = false;
        this.#report(
          pairsOf(await this.#redis.eval(RESYNC, 1, this.#key(`node-sessions:${nodeId}`), prefix, nodeId, ...this.#local.keys())),
        );
      }
    } catch {
      // Redis is away: the CONNECTs are refused meanwhile; write everything again once it is back.
      this.#dirty = true;
    }
  }

  /** Removes the sessions of nodes whose key expired, one sweep at a time. Never throws. */
  #sweep(): Promise<void> {
    const { nodeId, prefix } = this.#options;
    this.#sweeping ??= (async () => {
      try {
        this.#report(pairsOf(await this.#redis.eval(SWEEP, 1, this.#key('nodes'), prefix, nodeId)));
      } catch {
        // Redis is away: the next sweep tries again.
      } finally {
        this.#sweeping = undefined;
      }
    })();
    return this.#sweeping;
  }

  #report(changes: SessionsChange[]): void {
    if (changes.length > 0) this.#options.onChange(changes);
  }

  /** Counts a connection; false when it would be the user's session past the cap on all nodes. Throws when Redis is away. */
  async open(userId: string, clientId: string): Promise<boolean> {
    const connections = this.#local.get(clientId) ?? 0;
    // Counted before the await: a second connection of this clientId meanwhile is the same session.
    this.#local.set(clientId, connections + 1);
    if (connections > 0) return true;
    try {
      const { nodeId, maxSessionsPerUser } = this.#options;
      const sessions = await this.#redis.eval(
        OPEN,
        2,
        this.#userKey(userId),
        this.#nodeSessionsKey(),
        clientId,
        nodeId,
        maxSessionsPerUser,
      );
      if (sessions !== -1) return true;
    } catch (error) {
      this.#release(clientId);
      throw error;
    }
    this.#release(clientId);
    return false;
  }

  /** That connection ended; resolves with the user's sessions left on every node (undefined while Redis is away). */
  async close(userId: string, clientId: string): Promise<number | undefined> {
    if (!this.#release(clientId)) return undefined;
    try {
      return Number(await this.#redis.eval(CLOSE, 2, this.#userKey(userId), this.#nodeSessionsKey(), clientId, this.#options.nodeId));
    } catch {
      // Redis will get it from the next heartbeat's resync, which reports the user then.
      this.#dirty = true;
      return undefined;
    }
  }

  /** Sessions of `userId` on every node. */
  async count(userId: string): Promise<number> {
    return this.#redis.hlen(this.#userKey(userId));
  }

  /** Whether `clientId` is connected to some node now. */
  async isConnected(userId: string, clientId: string): Promise<boolean> {
    return (await this.#redis.hexists(this.#userKey(userId), clientId)) === 1;
  }

  /** Drops one local connection of `clientId`; true when it was the last (Redis must forget the session). */
  #release(clientId: string): boolean {
    const connections = this.#local.get(clientId) ?? 0;
    if (connections > 1) {
      this.#local.set(clientId, connections - 1);
      return false;
    }
    if (connections === 0) return false;
    this.#local.delete(clientId);
    return true;
  }

  #userKey(userId: string): string {
    return this.#key(`user-sessions:${userId}`);
  }

  #nodeSessionsKey(): string {
    return this.#key(`node-sessions:${this.#options.nodeId}`);
  }

  /** Stops the heartbeat and removes this node and its sessions (a graceful shutdown; a crash leaves them to the sweep). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#sweepTimer);
    await Promise.all([this.#beating, this.#sweeping]);
    const { nodeId } = this.#options;
    try {
      this.#local.clear();
      this.#report(pairsOf(await this.#redis.eval(RESYNC, 1, this.#nodeSessionsKey(), this.#options.prefix, nodeId)));
      await this.#redis
        .multi()
        .del(this.#key(`node:${nodeId}`))
        .srem(this.#key('nodes'), nodeId)
        .exec();
    } catch {
      // Redis away at shutdown: the others' sweeps remove this node once its key expires.
    }
  }
}
