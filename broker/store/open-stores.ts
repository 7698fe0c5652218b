/**
 * The one place that picks the storage engine: Redis when REDIS_URL is set
 * (shared by every backend node), else the JSON files in DATA_DIR (one
 * process). The backend and the admin CLI both open their stores here.
 *
 * The Redis stores (and ioredis under them) are imported only when a Redis URL
 * is given: a single-node backend never loads them, which saves it memory and
 * start time (test/broker/lazy-redis.test.ts checks).
 */
import type { Config } from '../config.js';
import type { CallHistoryStore } from './call-history-store.js';
import { openJsonCallHistoryStore } from './json-call-history-store.js';
import { openJsonMessageStore } from './json-message-store.js';
import { openJsonRevocationStore } from './json-revocation-store.js';
import type { MessageStore } from './message-store.js';
import { openJsonRoomStore } from './json-room-store.js';
import { openJsonUserStore } from './json-user-store.js';
import type { RedisConnection } from './redis-connection.js';
import type { RevocationStore } from './revocation-store.js';
import type { RoomStore } from './room-store.js';
import type { UserStore } from './user-store.js';

export interface Stores {
  users: UserStore;
  revocations: RevocationStore;
  rooms: RoomStore;
  /** Call history and privacy settings (PROTOCOL.md §7). */
  history: CallHistoryStore;
  /** Messages kept for someone away (PROTOCOL.md §8). */
  messages: MessageStore;
  /** 'redis' or 'json': what the stores are on. */
  engine: 'redis' | 'json';
  /** On Redis, the stores' connection: the backend's other shared state (rate limits, throttles, calls) uses it too. */
  redis?: RedisConnection;
  /** Waits for pending writes, then closes the files' watch or the Redis connections. */
  close(): Promise<void>;
}

type StoresConfig = Pick<Config, 'dataDir' | 'redisUrl' | 'roomsClock' | 'historyDays' | 'historyClock' | 'messagesClock'>;

export interface OpenStoresOptions {
  /** JSON only: watch rooms.json for other processes' changes (the admin CLI runs once and need not). */
  watchRooms?: boolean;
}

export async function openStores(config: StoresConfig, options: OpenStoresOptions = {}): Promise<Stores> {
  return config.redisUrl === undefined ? openJsonStores(config, options) : openRedisStores(config.redisUrl, config);
}

async function openJsonStores(config: StoresConfig, options: OpenStoresOptions): Promise<Stores> {
  const users = await openJsonUserStore(config.dataDir);
  const revocations = await openJsonRevocationStore(config.dataDir);
  const rooms = await openJsonRoomStore(config.dataDir, { now: config.roomsClock, pollMs: options.watchRooms === false ? 0 : undefined });
  const history = await openJsonCallHistoryStore(config.dataDir, { retentionMs: retentionMs(config), now: config.historyClock });
  const messages = await openJsonMessageStore(config.dataDir, config.messagesClock);
  return {
    users,
    revocations,
    rooms,
    history,
    messages,
    engine: 'json',
    close: () => closeAll(users, revocations, rooms, history, messages),
  };
}

/** HISTORY_DAYS in ms. */
const retentionMs = (config: StoresConfig) => config.historyDays * 24 * 3600 * 1000;

/** The stores on one Redis connection (plus the ones they open for transactions and pub/sub), closed together. */
export async function openRedisStores(url: string, config: StoresConfig, prefix?: string): Promise<Stores> {
  const [
    { RedisConnection },
    { openRedisUserStore },
    { openRedisRevocationStore },
    { openRedisRoomStore },
    { openRedisCallHistoryStore },
    { openRedisMessageStore },
  ] = await Promise.all([
    import('./redis-connection.js'),
    import('./redis-user-store.js'),
    import('./redis-revocation-store.js'),
    import('./redis-room-store.js'),
    import('./redis-call-history-store.js'),
    import('./redis-message-store.js'),
  ]);
  const connection = await RedisConnection.open(url, { prefix });
  try {
    const users = await openRedisUserStore(connection);
    const revocations = await openRedisRevocationStore(connection);
    const rooms = await openRedisRoomStore(connection, { now: config.roomsClock });
    const history = await openRedisCallHistoryStore(connection, { retentionMs: retentionMs(config), now: config.historyClock });
    const messages = await openRedisMessageStore(connection, config.messagesClock);
    return {
      users,
      revocations,
      rooms,
      history,
      messages,
      engine: 'redis',
      redis: connection,
      close: async () => {
        await closeAll(users, revocations, rooms, history, messages);
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

async function closeAll(...stores: { close(): Promise<void> }[]): Promise<void> {
  for (const store of stores) await store.close();
}
