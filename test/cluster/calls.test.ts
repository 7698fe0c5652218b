/**
 * Calls across nodes in real browsers: Chromium on one node, Firefox on
 * another, three nodes on one Redis behind the documented nginx
 * (test/cluster/support.ts says how a page is put on a node). What must
 * hold when a node dies, when every node restarts in turn, and when Redis
 * restarts, all during a call: media flows peer to peer throughout, the
 * widgets come back online through nginx by themselves, presence is right,
 * and hanging up still reaches the other side.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MQTT_PATH } from '../../src/protocol/index.js';
import { connectAs, register } from '../broker/support.js';
import { expectMediaArriving, expectNoConnection } from '../e2e/support/media-checks.js';
import { waitForEvent } from '../e2e/support/page-hooks.js';
import { connectCall, type Person } from '../e2e/support/person.js';
import { CLUSTER_TEST_TIMEOUT, clusterSuite } from './support.js';

const suite = clusterSuite(['chromium', 'firefox']);

/** `hanger` hangs up; the other side hears of it (across nodes), and no media flows after. */
async function hangUpReaches(hanger: Person, other: Person): Promise<void> {
  await hanger.click('hangup');
  await waitForEvent(other.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'remote-hangup' } });
  await waitForEvent(hanger.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'hangup' } });
  await Promise.all([expectNoConnection(hanger), expectNoConnection(other)]);
}

/** Both widgets say Online, see each other, and still show the call with each other. */
async function backInTheCall(alice: Person, bob: Person): Promise<void> {
  await Promise.all([alice.part('status', { text: 'Online', timeout: 40_000 }), bob.part('status', { text: 'Online', timeout: 40_000 })]);
  await Promise.all([alice.peer(bob.name, 20_000), bob.peer(alice.name, 20_000)]);
  await Promise.all([
    alice.part('status', { text: `In a call with ${bob.name}` }),
    bob.part('status', { text: `In a call with ${alice.name}` }),
  ]);
}

it('a call between Chromium on node A and Firefox on node B', { timeout: CLUSTER_TEST_TIMEOUT }, async (t) => {
  const [alice, bob] = await suite.pairOn(t, ['chromium', 0], ['firefox', 1]);
  await connectCall(alice, bob);
  await Promise.all([expectMediaArriving(alice), expectMediaArriving(bob)]);
  await hangUpReaches(bob, alice);
});

it(
  'node A SIGKILLed during the call: media goes on, Alice reconnects through nginx, presence is right within 15 s, hang-up works',
  { timeout: CLUSTER_TEST_TIMEOUT },
  async (t) => {
    t.after(() => suite.healAll());
    const { cluster } = suite;
    const [alice, bob] = await suite.pairOn(t, ['chromium', 0], ['firefox', 1]);
    // Carol is on node A too, with no reconnection: when A dies she is gone for good, and must leave presence.
    const carol = await register(cluster.node(0), { name: `Carol ${Date.now()}` });
    await connectAs(t, { wsUrl: `${cluster.node(0).origin.replace(/^http/, 'ws')}${MQTT_PATH}` }, carol, 'carol');
    await bob.peer(carol.user.name, 20_000);
    await connectCall(alice, bob);

    const killedAt = Date.now();
    await cluster.killNode(0);
    // Peer to peer: media needs no node.
    await Promise.all([expectMediaArriving(alice, 5_000), expectMediaArriving(bob, 5_000)]);
    // Node A's sessions leave presence within 15 s of the kill (its heartbeat expires, another node sweeps them).
    await bob.waitPeerGone(carol.user.name, Math.max(1_000, 15_000 - (Date.now() - killedAt)));
    const goneAfter = Date.now() - killedAt;
    t.diagnostic(`Carol (only on the killed node) left Bob's people list ${goneAfter} ms after the SIGKILL`);
    assert.ok(goneAfter <= 15_500, `Carol left presence ${goneAfter} ms after the kill`);
    // Alice's widget reconnects to the same address: nginx gives it to a surviving node.
    await backInTheCall(alice, bob);
    await Promise.all([expectMediaArriving(alice), expectMediaArriving(bob)]);
    await hangUpReaches(alice, bob);
  },
);

it('a rolling restart of every node during a call (pages on the balanced listener)', { timeout: CLUSTER_TEST_TIMEOUT }, async (t) => {
  t.after(() => suite.healAll());
  const { cluster } = suite;
  const [alice, bob] = await suite.pairOn(t, ['chromium', 'any'], ['firefox', 'any']);
  await connectCall(alice, bob);
  for (const node of cluster.nodes) {
    // As systemd would: SIGTERM, start again, wait for /healthz on its port; then the next one.
    await cluster.restartNode(node.index);
    await Promise.all([expectMediaArriving(alice, 5_000), expectMediaArriving(bob, 5_000)]);
  }
  await backInTheCall(alice, bob);
  await hangUpReaches(bob, alice);
});

it(
  'Redis restarts during a call: media goes on, everything recovers without a node restart',
  { timeout: CLUSTER_TEST_TIMEOUT },
  async (t) => {
    t.after(() => suite.healAll());
    const { cluster } = suite;
    const [alice, bob] = await suite.pairOn(t, ['chromium', 0], ['firefox', 1]);
    await connectCall(alice, bob);
    const pids = cluster.nodes.map((n) => n.process?.child.pid);
    await cluster.redis.stopProcess();
    await Promise.all([expectMediaArriving(alice, 5_000), expectMediaArriving(bob, 5_000)]);
    // While Redis is away the API answers 503 in the contract's shape (asserted at the end, after the call's checks).
    const down = await fetch(`${cluster.origin}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@cluster.test', password: 'not a real password' }),
    });
    const downBody = (await down.json().catch(() => null)) as { error?: { code?: string } } | null;
    await cluster.redis.startProcess();
    await backInTheCall(alice, bob);
    await Promise.all([expectMediaArriving(alice), expectMediaArriving(bob)]);
    await hangUpReaches(alice, bob);
    assert.deepEqual(
      cluster.nodes.map((n) => n.process?.child.pid),
      pids,
      'no node was restarted',
    );
    assert.equal(down.status, 503, `the API answered ${down.status} ${JSON.stringify(downBody)} while Redis was away, not 503`);
    assert.equal(typeof downBody?.error?.code, 'string', "in the contract's error shape");
  },
);
