/**
 * What the broker records and tells across backend nodes on one redis-server (REDIS_URL; PROTOCOL.md
 * §7, broker/cluster/shared-recorder.ts and shared-cards.ts), with real nodes and raw MQTT people:
 *
 * - a 1:1 call whose invite passes through node A and whose answers pass through node B is recorded
 *   once, with each side's outcome and both names;
 * - a refusal counts the callee's tabs on every node;
 * - the callee's tab dropping on node B ends the call node A holds, at the drop;
 * - node A stopping mid-call hands the call to node B, which records it whole when it ends;
 * - an invisible user's contact card is taken back only once they have no tab on any node;
 * - a privacy change reaches each tab of the user once, not once per node.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { HISTORY_PATHS, inboxTopic, inboxWildcard, noticeTopic } from '../../src/protocol/index.js';
import type { Config } from '../../broker/config.js';
import { entryOf, historyOf, invite, newCallId, person, send, type Person } from '../broker/call-people.js';
import { connectMqtt, nextMessage, publish, request, subscribeGranted } from '../broker/support.js';
import { startNodes } from './bus-support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const nodes = async (t: TestContext, count: number, config: Partial<Config> = {}) => (await startNodes(t, count, undefined, config)).nodes;

/** Ada's call to Bob, answered: invite, ringing, accept and the SDP answer. */
async function answeredCall(ada: Person, bob: Person): Promise<string> {
  const callId = newCallId();
  await invite(ada, bob, callId);
  await send(bob, ada, 'ringing', callId);
  await send(bob, ada, 'accept', callId);
  await send(bob, ada, 'answer', callId, { sdp: 'v=0 answer' });
  return callId;
}

/** The notices of `type` that `who`'s tab received so far. */
const noticesOf = (who: Person, type: string) =>
  who.received.filter((m) => m.topic === noticeTopic(who.id) && (JSON.parse(m.payload) as { type: string }).type === type);

test(
  'a call invited through node A and answered through node B is recorded once, answered, with both names',
  { timeout: 60_000 },
  async (t) => {
    const [a, b] = await nodes(t, 2);
    const ada = await person(t, a!, 'Ada');
    const bob = await person(t, b!, 'Bob');

    const callId = await answeredCall(ada, bob);
    const answeredAt = Date.now();
    await sleep(400);
    await send(bob, ada, 'hangup', callId);

    const adaEntry = await entryOf(a!, ada, callId);
    const bobEntry = await entryOf(b!, bob, callId);
    assert.equal(adaEntry.outcome, 'answered');
    assert.equal(bobEntry.outcome, 'answered');
    assert.deepEqual(adaEntry.peer, { id: bob.id, name: 'Bob' });
    assert.deepEqual(bobEntry.peer, { id: ada.id, name: 'Ada' });
    assert.ok(adaEntry.durationMs >= 300 && adaEntry.durationMs < Date.now() - answeredAt + 1000, `duration ${adaEntry.durationMs} ms`);
    // Once, whichever node is asked.
    for (const [node, who] of [
      [a!, ada],
      [b!, bob],
      [b!, ada],
    ] as const) {
      assert.equal((await historyOf(node, who)).calls.filter((c) => c.callId === callId).length, 1);
    }
  },
);

test("a refusal counts the callee's tabs on every node: busy once both tabs, on two nodes, refused", { timeout: 60_000 }, async (t) => {
  const [a, b] = await nodes(t, 2);
  const ada = await person(t, a!, 'Ada');
  const bobOnB = await person(t, b!, 'Bob');
  const bobOnA = await person(t, a!, 'Bob', bobOnB.auth);

  const callId = newCallId();
  await invite(ada, bobOnB, callId);
  // His tab on Ada's node refuses first: node A alone counts one tab of his, but he has two.
  await send(bobOnA, ada, 'reject', callId, { reason: 'busy' });
  // Past the settling time a last refusal waits for: one tab of two refused, the other may still answer.
  await sleep(2_500);
  assert.deepEqual((await historyOf(a!, ada)).calls, []);
  await send(bobOnB, ada, 'reject', callId, { reason: 'busy' });
  assert.equal((await entryOf(a!, ada, callId)).outcome, 'busy');
  assert.equal((await entryOf(b!, bobOnB, callId)).outcome, 'busy');
});

test("the callee's tab dropping on node B ends the call node A holds, at the drop", { timeout: 60_000 }, async (t) => {
  const [a, b] = await nodes(t, 2, { callLostGraceMs: 1_500 });
  const ada = await person(t, a!, 'Ada');
  const bob = await person(t, b!, 'Bob');
  const callId = await answeredCall(ada, bob);
  await sleep(300);

  const droppedAt = Date.now();
  bob.client.end(true);
  const entry = await entryOf(a!, ada, callId);
  assert.equal(entry.outcome, 'answered');
  assert.ok(Math.abs(entry.endedAt - droppedAt) < 1_000, `ended ${entry.endedAt - droppedAt} ms after the drop`);
});

test(
  'node A stopping mid-call hands the call to node B: the caller comes back there, and the call is recorded whole',
  { timeout: 60_000 },
  async (t) => {
    const [a, b] = await nodes(t, 2, { callLostGraceMs: 5_000 });
    const ada = await person(t, a!, 'Ada');
    const bob = await person(t, b!, 'Bob');
    const callId = await answeredCall(ada, bob);
    const answeredAt = Date.now();
    // The call goes on a moment: Bob's accept and answer, relayed by node B, reach node A over Redis.
    await sleep(500);

    await a!.close();
    // Ada's widget reconnects through the load balancer, with the same clientId, to a node still up.
    const adaAgain = await connectMqtt(t, b!, { username: ada.id, password: ada.auth.token, clientId: ada.sid });
    assert.deepEqual(await subscribeGranted(adaAgain, [inboxWildcard(ada.id), noticeTopic(ada.id)]), [0, 0]);
    await sleep(1_000);
    await send({ ...ada, client: adaAgain }, bob, 'hangup', callId);
    const hungUpAt = Date.now();

    const entry = await entryOf(b!, bob, callId);
    assert.equal(entry.outcome, 'answered');
    assert.ok(entry.durationMs >= hungUpAt - answeredAt - 500, `duration ${entry.durationMs} ms for a call of ${hungUpAt - answeredAt} ms`);
    const adaEntries = (await historyOf(b!, ada)).calls.filter((c) => c.callId === callId);
    assert.equal(adaEntries.length, 1);
    assert.equal(adaEntries[0]!.durationMs, entry.durationMs);
  },
);

test(
  "an invisible user's card is taken back once they have no tab on any node, not when one node's tab goes",
  { timeout: 60_000 },
  async (t) => {
    const [a, b] = await nodes(t, 2);
    const adaOnA = await person(t, a!, 'Ada');
    const adaOnB = await person(t, b!, 'Ada', adaOnA.auth);
    const bob = await person(t, b!, 'Bob');
    const set = await request(a!, 'POST', HISTORY_PATHS.privacy, { token: adaOnA.auth.token, json: { invisible: true } });
    assert.equal(set.status, 200, JSON.stringify(set.body));

    // Ada writes from her tab on node A: Bob is shown her card.
    await publish(
      adaOnA.client,
      inboxTopic(bob.id, adaOnA.id),
      JSON.stringify({ type: 'chat', id: 'hello-bob', text: 'hi', ts: Date.now() }),
    );
    await nextMessage(bob.client, (m) => m.topic === noticeTopic(bob.id) && JSON.parse(m.payload).type === 'contact', bob.received);

    adaOnA.client.end(true);
    await sleep(1_500);
    assert.deepEqual(noticesOf(bob, 'contact-gone'), [], 'her card was taken back while her tab on node B was still there');

    adaOnB.client.end(true);
    const gone = await nextMessage(
      bob.client,
      (m) => m.topic === noticeTopic(bob.id) && JSON.parse(m.payload).type === 'contact-gone',
      bob.received,
    );
    assert.deepEqual(JSON.parse(gone.payload), { type: 'contact-gone', id: adaOnA.id });
  },
);

test('a privacy change reaches each tab of the user once, whichever nodes they are on', { timeout: 60_000 }, async (t) => {
  const [a, b] = await nodes(t, 2);
  const adaOnA = await person(t, a!, 'Ada');
  const adaOnB = await person(t, b!, 'Ada', adaOnA.auth);

  const set = await request(a!, 'POST', HISTORY_PATHS.privacy, { token: adaOnA.auth.token, json: { dnd: true } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  for (const tab of [adaOnA, adaOnB]) {
    await nextMessage(tab.client, (m) => m.topic === noticeTopic(tab.id) && JSON.parse(m.payload).type === 'privacy', tab.received);
  }
  await sleep(1_000);
  assert.deepEqual(
    [adaOnA, adaOnB].map((tab) => noticesOf(tab, 'privacy').length),
    [1, 1],
  );
});
