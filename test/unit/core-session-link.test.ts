/**
 * The Session's signalling link in node against a real backend (HTTP API +
 * Aedes over WebSocket, real MQTT.js): token renewal without a visible
 * reconnect, and reconnection with backoff after the broker goes away.
 * Calls need WebRTC and are covered by the browser tests in test/core/.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../support/node-websocket.js';
import { Session } from '../../src/core/session.js';
import type { ConnectionState } from '../../src/core/types.js';
import { inboxTopic } from '../../src/protocol/index.js';
import { connectAs, register } from '../broker/support.js';
import { startTestBackend, type TestBackendOptions } from '../support/test-backend.js';
// Framework-free (events and timers only), so the element tests' wait works in node too.
import { waitForState } from '../elements/helpers.js';

/** Two signed-in people on a fresh backend (own data folder), all released when the test ends. */
async function twoOn(t: TestContext, names: [string, string], overrides: TestBackendOptions = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'rtc-core-'));
  const start = (more: TestBackendOptions = {}) => startTestBackend({ dataDir, ...overrides, ...more });
  const env = { backend: await start(), restart: async (port: number) => (env.backend = await start({ port })) };
  const sessions: Session[] = [];
  t.after(async () => {
    for (const s of sessions) s.dispose();
    await env.backend.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  for (const name of names) {
    const session = new Session({ server: env.backend.origin });
    sessions.push(session);
    await session.register(name, `${name.toLowerCase()}-${Math.random().toString(36).slice(2)}@example.test`, 'correct horse battery');
    await waitForState(session, (s) => s.connection === 'online', `${name} online`);
  }
  const [a, b] = sessions as [Session, Session];
  await waitForState(b, (s) => s.peers.some((p) => p.id === a.state.user!.id), `${names[1]} sees ${names[0]}`);
  await waitForState(a, (s) => s.peers.some((p) => p.id === b.state.user!.id), `${names[0]} sees ${names[1]}`);
  return { a, b, env };
}

/** Signs `a` out through the API and checks it is signed out locally, for the visitor's own reason. */
async function signOutAsUser(a: Session): Promise<void> {
  let reason = '';
  a.addEventListener('signed-out', (e) => (reason = e.detail.reason));
  await a.signOut();
  assert.equal(reason, 'user');
  assert.equal(a.state.connection, 'signed-out');
  assert.equal(a.state.user, null);
}

test('token renewal swaps the connection without the visitor or the peer noticing', { timeout: 60_000 }, async (t) => {
  // 4 s tokens (iat rounded down, so 3–4 s left on receipt): renewed after 2.2 s;
  // the broker drops a connection whose token expired.
  const { a, b } = await twoOn(t, ['Ada', 'Bob'], { tokenTtlSeconds: 4 });
  const aId = a.state.user!.id;

  const states: ConnectionState[] = [a.state.connection];
  a.addEventListener('change', () => {
    if (states.at(-1) !== a.state.connection) states.push(a.state.connection);
  });
  let adaVanished = 0;
  b.addEventListener('presence', (e) => {
    if (!e.detail.peers.some((p) => p.id === aId)) adaVanished++;
  });
  let signedOut = false;
  a.addEventListener('signed-out', () => (signedOut = true));

  // Two full token lifetimes: without renewal the broker would have dropped Ada twice.
  await new Promise((r) => setTimeout(r, 9_000));
  assert.deepEqual([...states], ['online'], 'Ada stayed online the whole time');
  assert.equal(signedOut, false);
  assert.equal(adaVanished, 0, 'Bob never saw Ada go offline');

  await a.sendChat(b.state.user!.id, 'still here');
  assert.equal(a.state.chats[b.state.user!.id]![0]!.delivery, 'sent');
  await waitForState(b, (s) => (s.chats[aId] ?? []).some((c) => c.text === 'still here'), 'chat after renewals');
});

test('after the broker goes away the session reconnects with backoff and recovers presence', { timeout: 60_000 }, async (t) => {
  const { a, b, env } = await twoOn(t, ['Cy', 'Di']);
  const bId = b.state.user!.id;
  const port = env.backend.port;

  await env.backend.close();
  await waitForState(a, (s) => s.connection === 'reconnecting', 'Cy reconnecting');
  // Chat while the link is down fails visibly instead of vanishing.
  await a.sendChat(bId, 'lost?');
  assert.equal(a.state.chats[bId]![0]!.delivery, 'failed');
  assert.equal(a.state.error?.code, 'chat_failed');

  // Same port and data folder (same users, same JWT secret): the tokens still hold.
  await env.restart(port);
  await waitForState(a, (s) => s.connection === 'online', 'Cy back online', 20_000);
  await waitForState(b, (s) => s.connection === 'online', 'Di back online', 20_000);
  await waitForState(a, (s) => s.peers.some((p) => p.id === bId), 'Cy sees Di again', 20_000);
  await a.sendChat(bId, 'back');
  assert.equal(a.state.chats[bId]!.at(-1)!.delivery, 'sent');
});

test('sign-out says goodbye at once: the peer sees presence vanish', { timeout: 60_000 }, async (t) => {
  const { a, b } = await twoOn(t, ['Eli', 'Flo']);
  const aId = a.state.user!.id;
  a.setStatus('away');
  await waitForState(b, (s) => s.peers.find((p) => p.id === aId)?.status === 'away', 'status folded into presence');
  await signOutAsUser(a);
  await waitForState(b, (s) => !s.peers.some((p) => p.id === aId), 'Eli gone for Flo', 5_000);
});

test('a received chat is shown no later than it arrived, whatever time its sender claims', { timeout: 60_000 }, async (t) => {
  const { a, env } = await twoOn(t, ['Ada', 'Bob']);
  const { backend } = env;
  const sender = await register(backend, { name: 'Fast Clock' });
  const client = await connectAs(t, backend, sender);
  await waitForState(a, (s) => s.peers.some((p) => p.id === sender.user.id), 'Ada sees the sender');
  // Four minutes ahead: within what the broker lets through for a fast clock.
  const claimed = Date.now() + 4 * 60_000;
  client.publish(
    inboxTopic(a.state.user!.id, sender.user.id),
    JSON.stringify({ type: 'chat', id: 'fast-1', text: 'from the future', ts: claimed }),
  );
  const state = await waitForState(a, (s) => (s.chats[sender.user.id]?.length ?? 0) === 1, 'the chat arrives');
  const shown = state.chats[sender.user.id]![0]!.ts;
  assert.ok(shown <= Date.now() && shown < claimed, `shown ${shown}, claimed ${claimed}`);
});

/** The tokens the backend hands out and the Bearer headers of logouts, read off the wire (global fetch). */
function recordTokens(t: TestContext) {
  const seen = { issued: [] as string[], logout: [] as string[] };
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = String(input);
    if (url.endsWith('/api/logout')) seen.logout.push(new Headers(init?.headers).get('authorization') ?? '');
    const response = await realFetch(input, init);
    if (/\/api\/(register|login|token)$/.test(url) && response.ok)
      seen.issued.push(((await response.clone().json()) as { token: string }).token);
    return response;
  };
  t.after(() => (globalThis.fetch = realFetch));
  return { seen, realFetch };
}

test('sign-out ends the session on the server too: its token is refused afterwards', { timeout: 60_000 }, async (t) => {
  const { seen, realFetch } = recordTokens(t);
  const { a, env } = await twoOn(t, ['Gil', 'Hal']);
  const token = seen.issued[0]!;
  const me = () => realFetch(`${env.backend.origin}/api/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await me()).status, 200);

  await a.signOut();
  assert.equal(a.state.connection, 'signed-out');
  assert.deepEqual(seen.logout, [`Bearer ${token}`]);
  assert.equal((await me()).status, 401, 'a copy of the token no longer works');
});

test('sign-out is local at once even when the backend cannot be reached', { timeout: 60_000 }, async (t) => {
  const { a, env } = await twoOn(t, ['Ida', 'Jon']);
  await env.backend.close();
  await signOutAsUser(a);
  assert.equal(a.state.error, null, 'no error shown for the unreachable logout');
});

test('a sign-out of the same session elsewhere signs this tab out within seconds, with a message', { timeout: 60_000 }, async (t) => {
  const { seen, realFetch } = recordTokens(t);
  const { a, b, env } = await twoOn(t, ['Kim', 'Lou']);
  const aId = a.state.user!.id;
  let reason = '';
  a.addEventListener('signed-out', (e) => (reason = e.detail.reason));
  // A copy of Kim's token (another tab of the same sign-in, or a thief found out) signs out.
  const out = await realFetch(`${env.backend.origin}/api/logout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${seen.issued[0]}` },
  });
  assert.equal(out.status, 204);
  await waitForState(a, (s) => s.connection === 'signed-out', 'Kim signed out', 15_000);
  assert.equal(reason, 'expired');
  assert.equal(a.state.error?.code, 'unauthorized');
  await waitForState(b, (s) => !s.peers.some((p) => p.id === aId), 'Kim gone for Lou', 5_000);
});

test('sign-out does not wait long for a backend that never answers the logout', { timeout: 30_000 }, async (t) => {
  const { a } = await twoOn(t, ['Max', 'Ned']);
  const realFetch = globalThis.fetch;
  // The logout request hangs (a proxy that swallows it, a half-dead network).
  globalThis.fetch = (input, init) => (String(input).endsWith('/api/logout') ? new Promise<Response>(() => {}) : realFetch(input, init));
  t.after(() => (globalThis.fetch = realFetch));
  await a.signOut();
  assert.equal(a.state.connection, 'signed-out');
});
