/**
 * The commit-then-reveal exchange (src/core/verify/exchange.ts) over fake channels: both sides get
 * both nonces; nobody reveals before the other's promise; a reveal that breaks its promise, or a
 * side that never answers, gives no code. The adaptive man in the middle is played out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commitment, exchangeNonces, ExchangeFailed, NONCE_BYTES, type Nonces } from '../../src/core/verify/exchange.js';
import { verificationCode } from '../../src/core/verify/code.js';
import { FakeChannel, FakeClock } from './support/engine-fakes.js';

const fill = (byte: number) => (bytes: Uint8Array) => bytes.fill(byte);
const messages = (channel: FakeChannel) => channel.sent.map((m) => JSON.parse(m) as { t: string; h?: string; n?: string });
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** Waits (on real time: hashing is off the microtask queue) until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(check(), 'never happened');
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ExchangeFailed);
    return e.problem;
  }
  assert.fail('the exchange succeeded');
}

test('both sides get both nonces; each commits before it reveals', async () => {
  const clock = new FakeClock();
  const [a, b] = [new FakeChannel(), new FakeChannel()];
  const pa = exchangeNonces(a, { clock, random: fill(0xa1) });
  const pb = exchangeNonces(b, { clock, random: fill(0xb2) });
  await until(() => a.sent.length === 1 && b.sent.length === 1);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(
    messages(a).map((m) => m.t),
    ['commit'],
    'nothing revealed before the other side promised',
  );
  FakeChannel.join(a, b);
  const [na, nb] = await Promise.all([pa, pb]);
  assert.deepEqual(na.own, new Uint8Array(NONCE_BYTES).fill(0xa1));
  assert.deepEqual(na.theirs, nb.own);
  assert.deepEqual(nb.theirs, na.own);
  assert.deepEqual(
    messages(a).map((m) => m.t),
    ['commit', 'reveal'],
  );
  assert.equal(messages(a)[0]!.h, await commitment(na.own));
});

test('a fresh nonce each time by default', async () => {
  const clock = new FakeClock();
  const run = async () => {
    const [a, b] = [new FakeChannel(), new FakeChannel()];
    FakeChannel.join(a, b);
    return (await Promise.all([exchangeNonces(a, { clock }), exchangeNonces(b, { clock })]))[0];
  };
  const [first, second] = [await run(), await run()];
  assert.notDeepEqual(first.own, second.own);
});

test('a reveal that does not match its promise: broken-promise, no nonces', async () => {
  const clock = new FakeClock();
  const a = new FakeChannel();
  const pa = exchangeNonces(a, { clock, random: fill(1) });
  a.receive(JSON.stringify({ v: 2, t: 'commit', h: await commitment(new Uint8Array(NONCE_BYTES).fill(7)) }));
  a.receive(JSON.stringify({ v: 2, t: 'reveal', n: b64(new Uint8Array(NONCE_BYTES).fill(8)) }));
  assert.equal(await failure(pa), 'broken-promise');
});

test('a reveal before any promise, or a second different promise: broken-promise', async () => {
  const clock = new FakeClock();
  const early = new FakeChannel();
  const p1 = exchangeNonces(early, { clock });
  early.receive(JSON.stringify({ v: 2, t: 'reveal', n: b64(new Uint8Array(NONCE_BYTES).fill(8)) }));
  assert.equal(await failure(p1), 'broken-promise');

  const twice = new FakeChannel();
  const p2 = exchangeNonces(twice, { clock });
  twice.receive(JSON.stringify({ v: 2, t: 'commit', h: await commitment(new Uint8Array(NONCE_BYTES).fill(1)) }));
  twice.receive(JSON.stringify({ v: 2, t: 'commit', h: await commitment(new Uint8Array(NONCE_BYTES).fill(2)) }));
  assert.equal(await failure(p2), 'broken-promise');
});

test('garbage and other versions are ignored; silence ends in no-answer at the timeout', async () => {
  const clock = new FakeClock();
  const a = new FakeChannel();
  const pa = failure(exchangeNonces(a, { clock, timeoutMs: 1000 }));
  for (const junk of [
    'not json',
    '{"v":1,"t":"commit","h":"x"}',
    '{"v":2,"t":"reveal","n":"short"}',
    'null',
    '{"v":2,"t":"commit","h":"!!"}',
  ]) {
    a.receive(junk);
  }
  await until(() => a.sent.length === 1);
  await clock.advance(999);
  await new Promise((r) => setTimeout(r, 5));
  await clock.advance(1);
  assert.equal(await pa, 'no-answer');
});

test('a man in the middle who adapts to one leg still cannot steer the other leg’s code', async () => {
  // Mallory runs both legs. On Bob's leg he finishes first, learning Bob's code exactly; on Alice's
  // leg he must send his nonce before Alice reveals hers (she reveals only after his promise), so
  // whatever he picks, Alice's code depends on her fresh nonce. Try many of his choices: none can
  // be made to match Bob's code except by chance (1 in 10^9).
  const clock = new FakeClock();
  const [CERT_A, CERT_B, CERT_MA, CERT_MB] = ['AA', 'BB', '1A', '1B'].map((b) => Array(32).fill(b).join(':')) as [
    string,
    string,
    string,
    string,
  ];
  const [bobSide, malloryToBob] = [new FakeChannel(), new FakeChannel()];
  FakeChannel.join(bobSide, malloryToBob);
  const [bob, mToBob] = await Promise.all([exchangeNonces(bobSide, { clock }), exchangeNonces(malloryToBob, { clock, random: fill(9) })]);
  const bobCode = await verificationCode({ fingerprint: CERT_B, nonce: bob.own }, { fingerprint: CERT_MB, nonce: bob.theirs });
  assert.deepEqual(bob.theirs, mToBob.own);

  const aliceSide = new FakeChannel();
  const pAlice = exchangeNonces(aliceSide, { clock });
  // Alice has promised but not revealed; Mallory must promise his nonce now, blind to hers.
  await until(() => aliceSide.sent.length === 1);
  const aliceCommit = messages(aliceSide)[0]!.h!;
  const mallorysNonce = new Uint8Array(NONCE_BYTES).fill(0x42);
  aliceSide.receive(JSON.stringify({ v: 2, t: 'commit', h: await commitment(mallorysNonce) }));
  await until(() => aliceSide.sent.length === 2);
  const reveal = messages(aliceSide)[1]!;
  assert.equal(reveal.t, 'reveal', 'Alice reveals only now');
  const aliceNonce = new Uint8Array(Buffer.from(reveal.n!, 'base64url'));
  assert.equal(await commitment(aliceNonce), aliceCommit, 'and her reveal keeps her promise');
  aliceSide.receive(JSON.stringify({ v: 2, t: 'reveal', n: b64(mallorysNonce) }));
  const alice: Nonces = await pAlice;
  const aliceCode = await verificationCode({ fingerprint: CERT_A, nonce: alice.own }, { fingerprint: CERT_MA, nonce: alice.theirs });
  assert.notEqual(aliceCode, bobCode);
  // Had he promised another nonce, he could not reveal it now: the promise binds him.
  const other = new FakeChannel();
  const pOther = exchangeNonces(other, { clock });
  other.receive(JSON.stringify({ v: 2, t: 'commit', h: await commitment(mallorysNonce) }));
  other.receive(JSON.stringify({ v: 2, t: 'reveal', n: b64(new Uint8Array(NONCE_BYTES).fill(0x43)) }));
  assert.equal(await failure(pOther), 'broken-promise');
});
