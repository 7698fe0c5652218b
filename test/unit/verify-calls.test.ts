/**
 * Verification in the calls of a tab (src/core/call/calls.ts with verify/call-verifier.ts): real
 * Calls and state machines, fake links whose certificates the test chooses, as a man in the
 * middle would choose them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallVerifier } from '../../src/core/verify/call-verifier.js';
import type { LinkIdentity } from '../../src/core/verify/link-identity.js';
import { FakeChannel, settle } from './support/engine-fakes.js';
import { World, type Tab } from './support/engine-world.js';

const ALICE = { id: 'alice', name: 'Alice' };
const BOB = { id: 'bob', name: 'Bob' };

const fp = (byte: number) => Array.from({ length: 32 }, () => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
const CERT_A = fp(0xaa);
const CERT_B = fp(0xbb);
const CERT_MA = fp(0x1a); // Mallory's certificate towards Alice
const CERT_MB = fp(0x1b); // Mallory's certificate towards Bob

const identity = (local: string, remote: string, transportMatches: boolean | null = true): LinkIdentity => ({
  local,
  remote,
  transportMatches,
  checkedBy: transportMatches === null ? null : 'remote-certificates',
});

/** Alice calls Bob, Bob accepts, and both links connect with the certificates given. */
async function connect(world: World, a: Tab, b: Tab, seen: { alice: LinkIdentity; bob: LinkIdentity }, o: { joinChannels: boolean }) {
  void a.calls.place(BOB.id, { video: true });
  await world.drain();
  void b.calls.accept();
  await world.drain();
  if (o.joinChannels) FakeChannel.join(a.link.verifyChannel, b.link.verifyChannel);
  a.link.certificates = seen.alice;
  b.link.certificates = seen.bob;
  a.link.condition('connected');
  b.link.condition('connected');
  await settle();
}

/**
 * Alice calls Bob; each link reports the certificates given, then media flowing. Their
 * verification channels are joined (through Mallory's two links the channels are relayed as they
 * are: he passes the exchange on unchanged, the best he can do against it).
 */
async function connectedCall(world: World, a: Tab, b: Tab, seen: { alice: LinkIdentity; bob: LinkIdentity }) {
  await connect(world, a, b, seen, { joinChannels: true });
  assert.equal(a.phase, 'connected');
  assert.equal(b.phase, 'connected');
  // The code is hashed with WebCrypto, off the microtask queue: wait for the views to have it.
  await until(() => Boolean(shown(a) && shown(b)), 'both verifications shown');
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`never: ${what}`);
}

async function hangUp(world: World, a: Tab, b: Tab) {
  a.calls.hangup();
  await world.drain();
  a.calls.dismiss();
  b.calls.dismiss();
}

const NONCES = { own: new Uint8Array(32).fill(1), theirs: new Uint8Array(32).fill(2) };

const shown = (tab: Tab) => tab.state.store.state.call?.verification;

test('connected, both sides show the same code; verifying is remembered for the next call', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  await connectedCall(world, a, b, { alice: identity(CERT_A, CERT_B), bob: identity(CERT_B, CERT_A) });
  const va = shown(a)!;
  const vb = shown(b)!;
  assert.match(va.code ?? '', /^\d{3} \d{3} \d{3}$/);
  assert.equal(va.code, vb.code);
  assert.equal(va.problem, undefined);
  assert.equal(va.trust, 'unverified');
  assert.equal(va.remoteFingerprint, CERT_B);
  assert.equal(va.transportMatches, true);
  // Node has no kept certificate: a verification would last only this page, and the state says so.
  assert.equal(va.persistent, false);

  await b.calls.markVerified();
  assert.equal(shown(b)!.trust, 'verified');
  assert.equal(shown(a)!.trust, 'unverified', 'verifying is each side’s own act');

  await hangUp(world, a, b);
  await connectedCall(world, a, b, { alice: identity(CERT_A, CERT_B), bob: identity(CERT_B, CERT_A) });
  assert.equal(shown(b)!.trust, 'verified');
});

test('a man in the middle: the codes differ, and a person verified before shows as changed', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  await connectedCall(world, a, b, { alice: identity(CERT_A, CERT_B), bob: identity(CERT_B, CERT_A) });
  await a.calls.markVerified();
  await b.calls.markVerified();
  await hangUp(world, a, b);

  // The server now bridges the call through two links of its own.
  await connectedCall(world, a, b, { alice: identity(CERT_A, CERT_MA), bob: identity(CERT_B, CERT_MB) });
  const va = shown(a)!;
  const vb = shown(b)!;
  assert.notEqual(va.code, vb.code);
  assert.equal(va.trust, 'changed');
  assert.equal(vb.trust, 'changed');
  assert.equal(va.remoteFingerprint, CERT_MA);
});

test('a new person with a new certificate is unverified, not changed; re-verifying a change replaces it', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  await connectedCall(world, a, b, { alice: identity(CERT_A, CERT_B), bob: identity(CERT_B, CERT_A) });
  await b.calls.markVerified();
  await hangUp(world, a, b);
  // Alice moved to a new browser: the change shows, and once both read the same code again it is the one kept.
  const NEW_A = fp(0xa2);
  await connectedCall(world, a, b, { alice: identity(NEW_A, CERT_B), bob: identity(CERT_B, NEW_A) });
  assert.equal(shown(b)!.trust, 'changed');
  await b.calls.markVerified();
  assert.equal(shown(b)!.trust, 'verified');
  await hangUp(world, a, b);
  await connectedCall(world, a, b, { alice: identity(NEW_A, CERT_B), bob: identity(CERT_B, NEW_A) });
  assert.equal(shown(b)!.trust, 'verified');
});

test('no verification before the call connects, nor when the link cannot say', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  void a.calls.place(BOB.id, { video: true });
  await world.drain();
  assert.equal(shown(a), undefined);
  await a.calls.markVerified(); // nothing to verify: nothing remembered, nothing thrown
  void b.calls.accept();
  await world.drain();
  a.link.condition('connected'); // the fake link has no certificates (descriptions not readable)
  await settle();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(a.phase, 'connected');
  assert.equal(shown(a), undefined);
});

test('a store that cannot be opened leaves calls working, with verifications kept in memory for the page', async () => {
  const verifier = new CallVerifier(() => Promise.reject(new Error('IndexedDB refused')));
  assert.equal(await verifier.certificate(), null, 'the browser makes its own certificate');
  const seen = await verifier.read('bob', 'alice', identity(CERT_B, CERT_A), NONCES);
  assert.equal(seen.trust, 'unverified');
  assert.equal(seen.persistent, false);
  assert.equal((await verifier.markVerified('bob', 'alice', seen)).trust, 'verified');
  assert.equal((await verifier.read('bob', 'alice', identity(CERT_B, CERT_A), NONCES)).trust, 'verified');
  assert.equal((await verifier.read('bob', 'alice', identity(CERT_B, CERT_MB), NONCES)).trust, 'changed');
});

test('the other side never answers the exchange (an older app): no code, nothing to confirm, the memory still speaks', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  await connectedCall(world, a, b, { alice: identity(CERT_A, CERT_B), bob: identity(CERT_B, CERT_A) });
  await b.calls.markVerified();
  await hangUp(world, a, b);

  // The channels are never joined: each side's commitment goes nowhere.
  await connect(world, a, b, { alice: identity(CERT_A, CERT_B), bob: identity(CERT_B, CERT_A) }, { joinChannels: false });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(shown(b), undefined, 'no code before the exchange ends');
  await world.clock.advance(15_000);
  await until(() => Boolean(shown(b)), 'the verification without a code');
  const vb = shown(b)!;
  assert.equal(vb.code, null);
  assert.equal(vb.problem, 'no-answer');
  assert.equal(vb.trust, 'verified', 'the remembered certificate still counts');
  await a.calls.markVerified(); // no code: nothing is remembered
  await until(() => Boolean(shown(a)), 'Alice’s view');
  assert.equal(shown(a)!.trust, 'unverified');
});
