/**
 * The store contract (test/support/store-contract.ts) on a real
 * redis-server: each store its own connection (as on separate nodes), each
 * test its own key prefix on one server for the file.
 */
import { after, before } from 'node:test';
import { RedisConnection } from '../../broker/store/redis-connection.js';
import { openRedisCallHistoryStore } from '../../broker/store/redis-call-history-store.js';
import { openRedisMessageStore } from '../../broker/store/redis-message-store.js';
import { openRedisRevocationStore } from '../../broker/store/redis-revocation-store.js';
import { openRedisRoomStore } from '../../broker/store/redis-room-store.js';
import { openRedisUserStore } from '../../broker/store/redis-user-store.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { storeContract } from '../support/store-contract.js';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.stop());

let places = 0;

/** Opens a store on a connection of its own, closing both together. */
async function onOwnConnection<T extends { close(): Promise<void> }>(prefix: string, open: (c: RedisConnection) => Promise<T>): Promise<T> {
  const connection = await RedisConnection.open(redis.url, { prefix });
  const store = await open(connection);
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await connection.close();
  };
  return store;
}

storeContract({
  name: 'Redis',
  concurrentInstances: true,
  place: async () => `test${(places += 1)}:`,
  users: (prefix) => onOwnConnection(prefix, openRedisUserStore),
  revocations: (prefix, now) => onOwnConnection(prefix, (c) => openRedisRevocationStore(c, now)),
  rooms: (prefix, now) => onOwnConnection(prefix, (c) => openRedisRoomStore(c, { now })),
  history: (prefix, options) => onOwnConnection(prefix, (c) => openRedisCallHistoryStore(c, options)),
  messages: (prefix, now) => onOwnConnection(prefix, (c) => openRedisMessageStore(c, now)),
});
