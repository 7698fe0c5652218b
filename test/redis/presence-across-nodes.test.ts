/**
 * Presence and the session cap across backend nodes on one Redis: a user's
 * tabs on two nodes count as two sessions in one presence, closing one keeps
 * the user online, closing both clears the retained presence; the
 * MAX_SESSIONS_PER_USER cap counts every node's tabs; status set on one
 * node shows in the presence the other publishes; and a node killed with
 * SIGKILL (no graceful shutdown, no Aedes will) loses its sessions within 15 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { presenceTopic, statusTopic } from '../../src/protocol/index.js';
import { TEST_BACKEND_SETTINGS, startMainProcess } from '../support/test-backend.js';
import { closed, connectAs, connectMqtt, publish, refusedWith, register, subscribeGranted, tempDir } from '../broker/support.js';
import { JWT_SECRET, aliceWatchedFromB, messagesOn, sessionsIn, startNodes } from './bus-support.js';

test('two tabs on two nodes: sessions 2, then 1, then offline', { timeout: 60_000 }, async (t) => {
  const { a, b, alice, updates } = await aliceWatchedFromB(t);

  const tabA = await connectAs(t, a, alice, 'on-a');
  assert.equal(sessionsIn(await updates.until((m) => sessionsIn(m) === 1)), 1);
  const tabB = await connectAs(t, b, alice, 'on-b');
  assert.equal(sessionsIn(await updates.until((m) => sessionsIn(m) === 2)), 2);

  // Status set through the tab on B shows in what either node publishes.
  await publish(tabB, statusTopic(alice.user.id), JSON.stringify({ status: 'away' }));
  const away = await updates.until((m) => m.payload !== '' && JSON.parse(m.payload).status === 'away');
  assert.deepEqual(JSON.parse(away.payload), { id: alice.user.id, name: 'Alice', status: 'away', sessions: 2 });

  // The tab on A goes: still online through B (a node that loses its last tab of the user must not clear it).
  tabA.end();
  await closed(tabA);
  const one = await updates.until((m) => sessionsIn(m) !== 2);
  assert.equal(sessionsIn(one), 1);
  assert.equal(JSON.parse(one.payload).status, 'away');

  tabB.end();
  await closed(tabB);
  assert.equal((await updates.until((m) => m.payload === '')).payload, '');
  // Back later: status starts as available again.
  await connectAs(t, a, alice, 'again');
  const back = await updates.until((m) => sessionsIn(m) === 1);
  assert.equal(JSON.parse(back.payload).status, 'available');
});

test('MAX_SESSIONS_PER_USER counts the tabs of every node', { timeout: 60_000 }, async (t) => {
  const { nodes } = await startNodes(t, 2);
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  // The cap is each node's configuration; both nodes here run with the default (10): fill it across both.
  const alice = await register(a, { name: 'Alice' });
  const tab = (i: number | string) => ({ username: alice.user.id, password: alice.token, clientId: `${alice.user.id}:tab${i}` });
  for (let i = 0; i < 10; i++) await connectMqtt(t, i % 2 ? a : b, tab(i));
  for (const node of [a, b]) assert.equal(await refusedWith(connectMqtt(t, node, tab('one-more'))), 3);
  // The same clientId again (a token renewal, here through the other node) is the same session.
  const renewed = await connectMqtt(t, a, tab(0));
  assert.equal(renewed.connected, true);
  assert.equal(await refusedWith(connectMqtt(t, b, tab('still-one-more'))), 3);
});

test('a node killed with SIGKILL: its sessions leave presence within 15 s', { timeout: 90_000 }, async (t) => {
  const { redis, nodes } = await startNodes(t, 1);
  const survivor = nodes[0]!;
  const doomed = await startMainProcess({
    dataDir: await tempDir(t),
    closeAfter: t,
    env: {
      REDIS_URL: redis.url,
      JWT_SECRET,
      SCRYPT_COST: String(TEST_BACKEND_SETTINGS.scryptCost),
      AUTH_RATE_MAX: String(TEST_BACKEND_SETTINGS.authRateMax),
    },
  });
  const alice = await register(survivor, { name: 'Alice' });
  const carol = await register(survivor, { name: 'Carol' });
  const bob = await register(survivor, { name: 'Bob' });
  const doomedNode = { wsUrl: `${doomed.origin.replace(/^http/, 'ws')}/mqtt` };
  const watcher = await connectAs(t, survivor, bob);
  const aliceUpdates = messagesOn(watcher, presenceTopic(alice.user.id));
  const carolUpdates = messagesOn(watcher, presenceTopic(carol.user.id));
  await subscribeGranted(watcher, ['rtc/v1/presence/+']);
  // Alice only on the doomed node; Carol on both.
  await connectAs(t, doomedNode, alice);
  await connectAs(t, doomedNode, carol, 'doomed');
  await connectAs(t, survivor, carol, 'survives');
  assert.equal(sessionsIn(await aliceUpdates.until((m) => sessionsIn(m) === 1)), 1);
  assert.equal(sessionsIn(await carolUpdates.until((m) => sessionsIn(m) === 2)), 2);

  const killedAt = Date.now();
  doomed.child.kill('SIGKILL');
  await aliceUpdates.until((m) => m.payload === '', 20_000);
  const aliceGoneMs = Date.now() - killedAt;
  const carolNow = await carolUpdates.until((m) => sessionsIn(m) === 1, 20_000);
  const carolMs = Date.now() - killedAt;
  console.log(`SIGKILL → Alice offline after ${aliceGoneMs} ms, Carol down to one session after ${carolMs} ms`);
  assert.ok(aliceGoneMs <= 15_000, `Alice left presence after ${aliceGoneMs} ms`);
  assert.ok(carolMs <= 15_000, `Carol's count dropped after ${carolMs} ms`);
  assert.equal(JSON.parse(carolNow.payload).sessions, 1);

  // And a late subscriber on the survivor gets no retained presence for Alice, Carol's with one session.
  const late = await connectAs(t, survivor, bob, 'late');
  const lateCarol = messagesOn(late, presenceTopic(carol.user.id));
  const seen: string[] = [];
  late.on('message', (topic, payload) => payload.length > 0 && seen.push(topic));
  await subscribeGranted(late, ['rtc/v1/presence/+']);
  assert.equal(sessionsIn(await lateCarol.next()), 1);
  assert.ok(!seen.includes(presenceTopic(alice.user.id)));
});
