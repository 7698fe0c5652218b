/**
 * Accounts across nodes, over HTTP and MQTT without a browser: two nodes on
 * one Redis behind the documented nginx. An account made on one node signs
 * in on the other; a token either node signed opens MQTT on the other (one
 * JWT_SECRET); nginx passes the API and the WebSocket upgrade through.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API_PATHS, MQTT_PATH, type AuthResponse } from '../../src/protocol/index.js';
import { connectAs, register, request } from '../broker/support.js';
import { Cluster } from './cluster.js';

const ws = (origin: string) => ({ wsUrl: `${origin.replace(/^http/, 'ws')}${MQTT_PATH}` });

test("register through node A, sign in through node B; each node takes the other one's token", { timeout: 120_000 }, async (t) => {
  const cluster = await Cluster.start({ nodes: 2 }, t);
  const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const email = `across-${Date.now()}@cluster.test`;
  const made = await register(a, { name: 'Across', email, password: 'a long enough password' });

  const signIn = await request<AuthResponse>(b, 'POST', API_PATHS.login, { json: { email, password: 'a long enough password' } });
  assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
  assert.equal(signIn.body.user.id, made.user.id, 'node B found the account node A made');

  // The same email again, on the other node: still one account.
  const again = await request(b, 'POST', API_PATHS.register, { json: { name: 'Twice', email, password: 'another long password' } });
  assert.equal(again.status, 409, JSON.stringify(again.body));

  // A token from B on A's broker, and A's on B's: one secret, one revocation list.
  const onA = await connectAs(t, ws(a.origin), signIn.body, 'on-a');
  const onB = await connectAs(t, ws(b.origin), made, 'on-b');
  assert.ok(onA.connected && onB.connected);

  // Signing out on A revokes the session everywhere: B refuses the token.
  const out = await request(a, 'POST', API_PATHS.logout, { token: made.token });
  assert.ok(out.status === 200 || out.status === 204, JSON.stringify(out.body));
  const me = await request(b, 'GET', API_PATHS.me, { token: made.token });
  assert.equal(me.status, 401, 'node B refuses a token signed out on node A');
});

test(
  'through nginx: the API, /rtc-call.js and MQTT over WebSocket reach the nodes; a dead node is skipped',
  { timeout: 120_000 },
  async (t) => {
    const cluster = await Cluster.start({ nodes: 2, pin: true }, t);
    const lb = { origin: cluster.origin };
    const user = await register(lb);
    const health = await request(lb, 'GET', '/healthz');
    assert.deepEqual(health.body, { status: 'ok' });
    const script = await fetch(`${cluster.origin}/rtc-call.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.ok((await script.text()).length > 1000, 'the widget script came through nginx whole');
    // Several WebSockets through nginx: least_conn spreads them, every one gets its CONNACK.
    const clients = await Promise.all([1, 2, 3, 4].map((i) => connectAs(t, ws(cluster.origin), user, `lb${i}`)));
    assert.ok(clients.every((c) => c.connected));

    // Node 0 dies: the balanced listener and node 0's pinned one (node 1 as its backup) still answer.
    await cluster.killNode(0);
    for (const origin of [cluster.origin, cluster.pinned(0), cluster.pinned(1)]) {
      const after = await register({ origin });
      assert.ok(after.token, `${origin} registers with node 0 dead`);
      assert.ok((await connectAs(t, ws(origin), after, 'after-kill')).connected, `${origin} passes the WebSocket on`);
    }
  },
);

test('nginx reconfigured without a node (drained) sends nothing to it, then takes it back', { timeout: 120_000 }, async (t) => {
  const cluster = await Cluster.start({ nodes: 2 }, t);
  const lb = { origin: cluster.origin };
  await cluster.balanceOver([1]);
  await cluster.killNode(0);
  const before = await cluster.nginx.errorLog();
  for (let i = 0; i < 4; i += 1) {
    const user = await register(lb);
    assert.ok((await connectAs(t, ws(cluster.origin), user, `drained${i}`)).connected);
  }
  // Node 0 is out of the upstream: nginx never even tried it (a try would log "connect() failed").
  const tried = (await cluster.nginx.errorLog()).slice(before.length);
  assert.doesNotMatch(tried, new RegExp(`127\\.0\\.0\\.1:${cluster.node(0).port}`), tried);
  // Back in service: node 0 answers through nginx again once node 1 is gone.
  await cluster.startNode(0);
  await cluster.balanceOver([0, 1]);
  await cluster.killNode(1);
  const after = await register(lb);
  assert.ok((await connectAs(t, ws(cluster.origin), after, 'back')).connected);
});
