/**
 * What the cluster's bus asks Redis for (broker/cluster/bus.ts): plain
 * channels for the filters clients use, so a PUBLISH does not cost Redis a
 * pattern match per connected client; patterns only where a filter needs one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelOf, redisSubscriptionOf } from '../../broker/cluster/bus.js';

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
