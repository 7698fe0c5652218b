/**
 * The Redis room store's copy after its pub/sub connection dropped: the
 * changes published meanwhile are lost to it, so it reads everything again
 * once re-subscribed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisConnection } from '../../broker/store/redis-connection.js';
import { openRedisRoomStore } from '../../broker/store/redis-room-store.js';
import type { MembersChange } from '../../broker/store/room-store.js';
import { startRedis } from '../support/redis-server.js';

const HOUR = 3600 * 1000;

test(
  'a change made while the subscription was down reaches the copy and the listeners after the reconnect',
  { timeout: 30_000 },
  async (t) => {
    const redis = await startRedis();
    const [nodeA, nodeB] = [await RedisConnection.open(redis.url), await RedisConnection.open(redis.url)];
    const [a, b] = [await openRedisRoomStore(nodeA), await openRedisRoomStore(nodeB)];
    const admin = new Redis(redis.url);
    // after() hooks run in the order they were added: one hook closes the stores, then their connections, then the server.
    t.after(async () => {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([nodeA.close(), nodeB.close(), admin.quit()]);
      await redis.stop();
    });
    const changes: MembersChange[] = [];
    a.onMembersChanged((change) => changes.push(change));

    // Every subscriber connection is cut (a's and b's); b's change is published before they are back.
    await admin.client('KILL', 'TYPE', 'pubsub');
    const { room } = await b.createGroupRoom(
      { owner: 'ada', name: 'Made meanwhile' },
      { expiresAt: Date.now() + HOUR, maxUses: null },
      { rooms: 5, invites: 5 },
    );

    for (let i = 0; i < 250 && !a.room(room.id); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(a.room(room.id)?.name, 'Made meanwhile');
    assert.deepEqual(
      a.roomsOfMember('ada').map((r) => r.id),
      [room.id],
    );
    assert.deepEqual(changes, [{ userIds: ['ada'], removedRooms: [] }]);
  },
);
