/**
 * What the cluster's bus asks Redis for (broker/cluster/bus.ts): plain
 * channels for the filters clients use, so a PUBLISH does not cost Redis a
 * pattern match per connected client; patterns only where a filter needs one.
 * And what a SUBSCRIBE costs Redis in retained-message lookups (cluster.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { channelOf, redisSubscriptionOf } from '../../broker/cluster/bus.js';
import { LOBBY_ROOM_ID, inboxWildcard, noticeTopic, roomPresenceWildcard } from '../../src/protocol/index.js';
import type { MqttClient } from 'mqtt';
import { collect, connectAs, nextMessage, register, subscribeGranted } from '../broker/support.js';
import { startNodes } from './bus-support.js';

test('a message goes to its parent topic; a final + subscribes that channel exactly', () => {
  assert.equal(channelOf('rtc/v1/inbox/bob/alice'), 'rtc/v1/inbox/bob');
  assert.deepEqual(redisSubscriptionOf('rtc/v1/inbox/bob/+'), { channel: 'rtc/v1/inbox/bob', pattern: false });
  assert.deepEqual(redisSubscriptionOf('rtc/v1/presence/+'), { channel: 'rtc/v1/presence', pattern: false });
  assert.deepEqual(redisSubscriptionOf('rtc/v1/rooms/r1/presence/+'), { channel: 'rtc/v1/rooms/r1/presence', pattern: false });
  // An exact topic subscribes its parent too (the node filters the rest).
  assert.deepEqual(redisSubscriptionOf('rtc/v1/rooms/r1/call'), { channel: 'rtc/v1/rooms/r1', pattern: false });
  assert.equal(channelOf('rtc/v1/rooms/r1/call'), 'rtc/v1/rooms/r1');
  assert.equal(channelOf('plain'), 'plain');
});

test('wildcards before the last level, and #, stay patterns that cover the channels they need', () => {
  assert.deepEqual(redisSubscriptionOf('$SYS/+/new/clients'), { channel: '$SYS/*/new', pattern: true });
  assert.equal(channelOf('$SYS/node-1/new/clients'), '$SYS/node-1/new');
  assert.deepEqual(redisSubscriptionOf('$SYS/+/heartbeat'), { channel: '$SYS/*', pattern: true });
  assert.deepEqual(redisSubscriptionOf('rtc/#'), { channel: 'rtc*', pattern: true });
  assert.deepEqual(redisSubscriptionOf('#'), { channel: '*', pattern: true });
});

/** Redis's HSCAN calls so far (aedes-persistence-redis's scan of the retained hash for a wildcard SUBSCRIBE). */
async function hscanCalls(redisUrl: string): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    return Number(/^cmdstat_hscan:calls=(\d+)/m.exec(await redis.info('commandstats'))?.[1] ?? 0);
  } finally {
    redis.disconnect();
  }
}

/** Waits until `tab` has received the retained presence of each of `names` in the lobby (their `name` fields). */
async function lobbyPresenceOf(tab: MqttClient, names: string[]): Promise<void> {
  const received = collect(tab);
  assert.deepEqual(await subscribeGranted(tab, [roomPresenceWildcard(LOBBY_ROOM_ID)]), [0]);
  for (const name of names) await nextMessage(tab, (m) => m.retain && m.payload.includes(`"name":"${name}"`), received);
}

test('no SUBSCRIBE scans every retained message: inbox and notice read none, a room reads its own', { timeout: 60_000 }, async (t) => {
  const { redis, nodes } = await startNodes(t, 1);
  const node = nodes[0]!;
  // Some presence retained in Redis (each connected user's, in the lobby).
  for (const name of ['Ada', 'Bo', 'Cy']) await connectAs(t, node, await register(node, { name }));
  const eve = await register(node, { name: 'Eve' });
  const tab = await connectAs(t, node, eve);
  const before = await hscanCalls(redis.url);
  assert.deepEqual(await subscribeGranted(tab, [inboxWildcard(eve.user.id), noticeTopic(eve.user.id)]), [0, 0]);
  await lobbyPresenceOf(tab, ['Ada', 'Bo', 'Cy']);
  assert.equal(await hscanCalls(redis.url), before, 'a subscription scanned the whole retained hash');
});

test('presence retained before the index existed is copied in once, by the next node to start', { timeout: 60_000 }, async (t) => {
  const { redis, nodes } = await startNodes(t, 1);
  for (const name of ['Ada', 'Bo']) await connectAs(t, nodes[0]!, await register(nodes[0]!, { name }));
  // What a deployment upgraded from the previous version has: the persistence's hash, no index.
  const admin = new Redis(redis.url);
  t.after(() => admin.disconnect());
  const indexKeys = await admin.keys('rtc-call:retained*');
  assert.ok(indexKeys.length >= 2, `index keys: ${indexKeys.join(', ')}`);
  await admin.del(...indexKeys);

  const { nodes: later } = await startNodes(t, 1, redis);
  const cy = await register(later[0]!, { name: 'Cy' });
  await lobbyPresenceOf(await connectAs(t, later[0]!, cy), ['Ada', 'Bo']);
  assert.equal(await admin.get('rtc-call:retained-index'), '1');
});
