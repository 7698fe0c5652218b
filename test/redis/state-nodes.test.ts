/**
 * What each backend node keeps in memory and must hear of when another node changed it
 * (broker/store/redis-node-events.ts), with two real nodes on one redis-server: a
 * do-not-disturb set through node A declines invites that pass through node B, and a user
 * whose rooms changed through node A is re-checked on node B too. The first needs inbox messages
 * to cross nodes (the MQTT bus, another branch) and skips, saying so, until they do.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { HISTORY_PATHS, inboxTopic, inboxWildcard } from '../../src/protocol/index.js';
import {
  SITE_ACCOUNTS,
  collect,
  connectAs,
  nextMessage,
  publish,
  register,
  request,
  siteSignIn,
  subscribeGranted,
  type TestBackend,
} from '../broker/support.js';
import { startNodes } from './bus-support.js';

async function twoNodes(t: TestContext): Promise<[TestBackend, TestBackend]> {
  return (await startNodes(t, 2, undefined, SITE_ACCOUNTS)).nodes as [TestBackend, TestBackend];
}

/** Why the DND test cannot run yet: a message from a node to someone on another node does not arrive. */
const NEEDS_BUS =
  'needs inbox messages to cross nodes (the MQTT bus on Redis and presence across nodes, branch redis-bus): ' +
  'without them node B drops an invite to someone connected to node A before any do-not-disturb check';

test('do-not-disturb set through node A: an invite that passes through node B is declined busy-dnd', { timeout: 60_000 }, async (t) => {
  const [a, b] = await twoNodes(t);
  const [ada, bob] = [await register(a, { name: 'Ada' }), await register(b, { name: 'Bob' })];
  const adaTab = await connectAs(t, a, ada);
  const adaReceived = collect(adaTab);
  assert.deepEqual(await subscribeGranted(adaTab, [inboxWildcard(ada.user.id)]), [0]);
  const bobTab = await connectAs(t, b, bob);
  const received = collect(bobTab);
  assert.deepEqual(await subscribeGranted(bobTab, [inboxWildcard(bob.user.id)]), [0]);

  // Does a message from node B reach ada on node A at all?
  await publish(bobTab, inboxTopic(ada.user.id, bob.user.id), JSON.stringify({ type: 'chat', id: 'probe-across-nodes', text: 'hi' }));
  const crossed = await Promise.race([
    nextMessage(adaTab, (m) => m.payload.includes('probe-across-nodes'), adaReceived).then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), 1500)),
  ]);
  if (!crossed) return t.skip(NEEDS_BUS);

  // Set through the node her tab is not on: node A hears of it from node B.
  const set = await request(b, 'POST', HISTORY_PATHS.privacy, { token: ada.token, json: { dnd: true } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const callId = 'dnd-across-nodes-0123';
  await new Promise((resolve) => setTimeout(resolve, 200));
  const invite = { type: 'invite', callId, sid: bobTab.options.clientId, media: { audio: true, video: false } };
  await publish(bobTab, inboxTopic(ada.user.id, bob.user.id), JSON.stringify(invite));
  const answer = await nextMessage(bobTab, (m) => m.topic === inboxTopic(bob.user.id, ada.user.id) && m.payload.includes(callId), received);
  assert.deepEqual(
    { ...JSON.parse(answer.payload), sid: undefined },
    { type: 'reject', callId, sid: undefined, reason: 'busy', dnd: true },
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(!adaReceived.some((m) => m.payload.includes(callId)), 'ada never rang');
});

test("a site sign-in through node A re-checks the user's connections on node B", { timeout: 60_000 }, async (t) => {
  const [a, b] = await twoNodes(t);
  const heardOnB: string[] = [];
  b.membership.onChange((userId) => void heardOnB.push(userId));
  const sita = await siteSignIn(a, 'site-sub-nodes', { name: 'Sita', rooms: ['team-a'] });
  for (let i = 0; i < 100 && !heardOnB.includes(sita.user.id); i += 1) await new Promise((r) => setTimeout(r, 20));
  assert.ok(heardOnB.includes(sita.user.id), 'node B heard that her rooms changed');
});
