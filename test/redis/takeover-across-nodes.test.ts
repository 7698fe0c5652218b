/**
 * Takeover across nodes: the same clientId connecting on another node closes
 * the old connection on the first (Aedes' `$SYS/<node>/new/clients` on the
 * shared bus), and the session is counted once throughout.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { presenceTopic } from '../../src/protocol/index.js';
import { closedWithin, connectMqtt, subscribeGranted, connectAs } from '../broker/support.js';
import { aliceWatchedFromB, messagesOn, sessionsIn } from './bus-support.js';

test('the same clientId on node B closes its connection on node A; one session all along', { timeout: 60_000 }, async (t) => {
  const { a, b, alice, bob, updates } = await aliceWatchedFromB(t);

  const clientId = `${alice.user.id}:the-tab`;
  const first = await connectMqtt(t, a, { username: alice.user.id, password: alice.token, clientId });
  assert.equal(sessionsIn(await updates.until((m) => sessionsIn(m) === 1)), 1);
  const since = Date.now();
  const second = await connectMqtt(t, b, { username: alice.user.id, password: alice.token, clientId });
  const ms = await closedWithin(first, since, 5_000);
  console.log(`takeover across nodes: old connection closed ${ms} ms after the new CONNECT`);
  assert.equal(second.connected, true);

  // Presence never says two sessions, nor offline, and settles on one.
  const seen: number[] = [];
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline) {
    const next = await updates.next(Math.max(1, deadline - Date.now())).catch(() => undefined);
    if (next) seen.push(sessionsIn(next));
  }
  assert.ok(
    seen.every((n) => n === 1),
    `presence during the takeover: ${seen.join(', ')}`,
  );
  // Still online with the new connection: a late subscriber gets one session retained.
  const late = await connectAs(t, a, bob, 'late');
  const retained = messagesOn(late, presenceTopic(alice.user.id));
  await subscribeGranted(late, ['rtc/v1/presence/+']);
  assert.equal(sessionsIn(await retained.next()), 1);
});
