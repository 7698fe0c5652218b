/**
 * The Session's signalling link in node against a real backend (HTTP API +
 * Aedes over WebSocket, real MQTT.js): token renewal without a visible
 * reconnect, and reconnection with backoff after the broker goes away.
 * Calls need WebRTC and are covered by the browser tests in test/core/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend, type RunningBackend } from '../../broker/server.js';
import { Session } from '../../src/core/session.js';
import type { ConnectionState, SessionState } from '../../src/core/types.js';

function waitFor(session: Session, predicate: (s: SessionState) => boolean, what: string, ms = 15_000): Promise<SessionState> {
  if (predicate(session.state)) return Promise.resolve(session.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.removeEventListener('change', check);
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    function check() {
      if (!predicate(session.state)) return;
      clearTimeout(timer);
      session.removeEventListener('change', check);
      resolve(session.state);
    }
    session.addEventListener('change', check);
  });
}

async function person(backend: RunningBackend, name: string) {
  const email = `${name.toLowerCase()}-${Math.random().toString(36).slice(2)}@example.test`;
  const session = new Session({ server: backend.origin });
  await session.register(name, email, 'correct horse battery');
  await waitFor(session, (s) => s.connection === 'online', `${name} online`);
  return session;
}

async function backendIn(dataDir: string, overrides: Parameters<typeof startBackend>[0] = {}) {
  return startBackend({ host: '127.0.0.1', port: 0, dataDir, scryptCost: 1024, ...overrides });
}

test('token renewal swaps the connection without the visitor or the peer noticing', { timeout: 60_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'rtc-core-'));
  // 4 s tokens (iat rounded down, so 3–4 s left on receipt): renewed after 2.2 s;
  // the broker drops a connection whose token expired.
  const backend = await backendIn(dataDir, { tokenTtlSeconds: 4 });
  const a = await person(backend, 'Ada');
  const b = await person(backend, 'Bob');
  t.after(async () => {
    a.dispose();
    b.dispose();
    await backend.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const aId = a.state.user!.id;
  await waitFor(b, (s) => s.peers.some((p) => p.id === aId), 'Bob sees Ada');

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
  await waitFor(b, (s) => (s.chats[aId] ?? []).some((c) => c.text === 'still here'), 'chat after renewals');
});

test('after the broker goes away the session reconnects with backoff and recovers presence', { timeout: 60_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'rtc-core-'));
  let backend = await backendIn(dataDir);
  const port = backend.port;
  const a = await person(backend, 'Cy');
  const b = await person(backend, 'Di');
  t.after(async () => {
    a.dispose();
    b.dispose();
    await backend.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const bId = b.state.user!.id;
  await waitFor(a, (s) => s.peers.some((p) => p.id === bId), 'Cy sees Di');

  await backend.close();
  await waitFor(a, (s) => s.connection === 'reconnecting', 'Cy reconnecting');
  // Chat while the link is down fails visibly instead of vanishing.
  await a.sendChat(bId, 'lost?');
  assert.equal(a.state.chats[bId]![0]!.delivery, 'failed');
  assert.equal(a.state.error?.code, 'chat_failed');

  // Same port and data folder (same users, same JWT secret): the tokens still hold.
  backend = await backendIn(dataDir, { port });
  await waitFor(a, (s) => s.connection === 'online', 'Cy back online', 20_000);
  await waitFor(b, (s) => s.connection === 'online', 'Di back online', 20_000);
  await waitFor(a, (s) => s.peers.some((p) => p.id === bId), 'Cy sees Di again', 20_000);
  await a.sendChat(bId, 'back');
  assert.equal(a.state.chats[bId]!.at(-1)!.delivery, 'sent');
});

test('sign-out says goodbye at once: the peer sees presence vanish', { timeout: 60_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'rtc-core-'));
  const backend = await backendIn(dataDir);
  const a = await person(backend, 'Eli');
  const b = await person(backend, 'Flo');
  t.after(async () => {
    a.dispose();
    b.dispose();
    await backend.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const aId = a.state.user!.id;
  await waitFor(b, (s) => s.peers.some((p) => p.id === aId), 'Flo sees Eli');
  a.setStatus('away');
  await waitFor(b, (s) => s.peers.find((p) => p.id === aId)?.status === 'away', 'status folded into presence');
  let reason = '';
  a.addEventListener('signed-out', (e) => (reason = e.detail.reason));
  await a.signOut();
  assert.equal(reason, 'user');
  assert.equal(a.state.connection, 'signed-out');
  assert.equal(a.state.user, null);
  await waitFor(b, (s) => !s.peers.some((p) => p.id === aId), 'Eli gone for Flo', 5_000);
});
