/**
 * The one place that picks the storage engine: Redis when REDIS_URL is set
 * (shared by every backend node), else the JSON files in DATA_DIR (one
 * process). The backend and the admin CLI both open their stores here.
 */
import type { Config } from '../config.js';
import { openJsonRevocationStore } from './json-revocation-store.js';
import { openJsonRoomStore } from './json-room-store.js';
import { openJsonUserStore } from './json-user-store.js';
import { RedisConnection } from './redis-connection.js';
import { openRedisRevocationStore } from './redis-revocation-store.js';
import { openRedisRoomStore } from './redis-room-store.js';
import { openRedisUserStore } from './redis-user-store.js';
import type { RevocationStore } from './revocation-store.js';
import type { RoomStore } from './room-store.js';
import type { UserStore } from './user-store.js';

export interface Stores {
  users: UserStore;
  revocations: RevocationStore;
  rooms: RoomStore;
  /** 'redis' or 'json': what the stores are on. */
  engine: 'redis' | 'json';
  /** Waits for pending writes, then closes the files' watch or the Redis connections. */
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  /** JSON only: watch rooms.json for other processes' changes (the admin CLI runs once and need not). */
  watchRooms?: boolean;
}

export async function openStores(
  config: Pick<Config, 'dataDir' | 'redisUrl' | 'roomsClock'>,
  options: OpenStoresOptions = {},
): Promise<Stores> {
  return config.redisUrl === undefined ? openJsonStores(config, options) : openRedisStores(config.redisUrl, config);
}

async function openJsonStores(config: Pick<Config, 'dataDir' | 'roomsClock'>, options: OpenStoresOptions): Promise<Stores> {
  const users = await openJsonUserStore(config.dataDir);
  const revocations = await openJsonRevocationStore(config.dataDir);
  const rooms = await openJsonRoomStore(config.dataDir, { now: config.roomsClock, pollMs: options.watchRooms === false ? 0 : undefined });
  return { users, revocations, rooms, engine: 'json', close: () => closeAll(users, revocations, rooms) };
}

/** The stores on one Redis connection (plus the ones they open for transactions and pub/sub), closed together. */
export async function openRedisStores(url: string, config: Pick<Config, 'roomsClock'> = {}, prefix?: string): Promise<Stores> {
  const connection = await RedisConnection.open(url, { prefix });
  try {
    const users = await openRedisUserStore(connection);
    const revocations = await openRedisRevocationStore(connection);
    const rooms = await openRedisRoomStore(connection, { now: config.roomsClock });
    return {
      users,
      revocations,
      rooms,
      engine: 'redis',
      close: async () => {
        await closeAll(users, revocations, rooms);
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
