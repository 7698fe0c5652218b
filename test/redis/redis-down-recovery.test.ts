/**
 * Redis going away and coming back, with two nodes on it: while it is down
 * the HTTP API answers `503 unavailable` (the contract's error shape) and a
 * new MQTT CONNECT gets CONNACK 3 (server unavailable), while connections
 * already open stay open (a call's media is peer to peer; the backend does
 * not cut its signalling); once Redis is back on the same port, sign-in,
 * MQTT and messages across nodes work again without restarting the nodes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { API_PATHS, inboxTopic, inboxWildcard, presenceTopic } from '../../src/protocol/index.js';
import { startRedis } from '../support/redis-server.js';
import { assertError, connectAs, publish, refusedWith, register, request, subscribeGranted } from '../broker/support.js';
import { messagesOn, sessionsIn, startNodes } from './bus-support.js';

/** Polls `check` until it returns true; resolves with the ms it took. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('Redis down: 503 and CONNACK 3, open connections kept; Redis back: everything works again', { timeout: 120_000 }, async (t) => {
  const redis = await startRedis(t, { durable: true });
  const { nodes } = await startNodes(t, 2, redis);
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const alice = await register(a, { name: 'Alice', email: 'alice@example.test' });
  const bob = await register(b, { name: 'Bob', email: 'bob@example.test' });
  const aliceTab = await connectAs(t, a, alice);
  await subscribeGranted(aliceTab, [inboxWildcard(alice.user.id)]);
  let aliceClosed = false;
  aliceTab.on('close', () => (aliceClosed = true));

  await redis.halt();
  for (const node of [a, b]) {
    const login = await request(node, 'POST', API_PATHS.login, { json: { email: 'bob@example.test', password: bob.password } });
    assertError(login, 503, 'unavailable');
    assertError(await request(node, 'GET', API_PATHS.me, { token: bob.token }), 503, 'unavailable');
    assert.equal(await refusedWith(connectAs(t, node, bob, 'while-down')), 3);
  }
  assert.equal(aliceClosed, false, 'a connection open before the outage stays open');

  await redis.resume();
  const loginMs = await within(15_000, async () => {
    const login = await request(b, 'POST', API_PATHS.login, { json: { email: 'alice@example.test', password: alice.password } });
    return login.status === 200;
  });
  const mqttMs = await within(15_000, async () => Boolean(await connectAs(t, b, bob, 'probe')));
  console.log(`after Redis came back: sign-in worked in ${loginMs} ms, an MQTT CONNECT ${loginMs + mqttMs} ms`);
  assert.equal(aliceClosed, false, 'the connection open through the outage is still open');

  // Messages across nodes again, to the tab that lived through the outage.
  const bobTab = await connectAs(t, b, bob, 'after');
  const inbox = messagesOn(aliceTab, inboxTopic(alice.user.id, bob.user.id));
  const message = JSON.stringify({ type: 'invite', v: 1, callId: 'after-outage', from: bob.user.id, media: 'audio' });
  await within(15_000, async () => {
    await publish(bobTab, inboxTopic(alice.user.id, bob.user.id), message, { qos: 1 });
    return (await inbox.next(1_000)).payload === message;
  });
  // And Alice's presence, kept by Redis (append-only file) through the restart, is still there for a new subscriber.
  const watcher = await connectAs(t, b, bob, 'watcher');
  const presence = messagesOn(watcher, presenceTopic(alice.user.id));
  await subscribeGranted(watcher, ['rtc/v1/presence/+']);
  assert.equal(sessionsIn(await presence.next()), 1);
});

test(
  'Redis away longer than a node heartbeat lives: presence of the tabs that stayed comes back whole',
  { timeout: 120_000 },
  async (t) => {
    const redis = await startRedis(t, { durable: true });
    const { nodes } = await startNodes(t, 2, redis);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const alice = await register(a, { name: 'Alice' });
    const bob = await register(b, { name: 'Bob' });
    await connectAs(t, a, alice);
    await connectAs(t, b, alice, 'second');

    // Past the 10 s a node key lives: on restart every node's key is gone and each node sweeps the other.
    await redis.halt();
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    await redis.resume();

    await within(15_000, async () => Boolean(await connectAs(t, b, bob, 'probe')));
    const watcher = await connectAs(t, b, bob, 'watcher');
    const presence = messagesOn(watcher, presenceTopic(alice.user.id));
    await subscribeGranted(watcher, ['rtc/v1/presence/+']);
    // Whatever the sweeps cleared meanwhile, the nodes write their sessions again and republish: two sessions.
    const back = await presence.until((m) => sessionsIn(m) === 2, 20_000);
    assert.equal(JSON.parse(back.payload).name, 'Alice');
    // And the session registry holds both tabs again, and both nodes.
    const direct = new Redis(redis.url);
    try {
      await within(10_000, async () => (await direct.hlen(`rtc-call:user-sessions:${alice.user.id}`)) === 2);
      assert.equal(await direct.scard('rtc-call:nodes'), 2);
    } finally {
      direct.disconnect();
    }
  },
);
