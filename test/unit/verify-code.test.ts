/**
 * Verification's pure parts: reading the DTLS fingerprint from a description, the short code
 * both people read aloud, and the decision about a remembered person's certificate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { derFingerprint, sdpFingerprint, withFingerprint } from '../../src/core/verify/fingerprint.js';
import { CODE_DIGITS, verificationCode } from '../../src/core/verify/code.js';
import { MemoryVerifiedPeers, peerTrust } from '../../src/core/verify/verified-peers.js';

const ALICE = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');
const BOB = Array.from({ length: 32 }, (_, i) => (255 - i).toString(16).padStart(2, '0').toUpperCase()).join(':');
const MALLORY = Array.from({ length: 32 }, (_, i) => (i * 3 + 1).toString(16).padStart(2, '0').toUpperCase()).join(':');

/** A bundled description as Chromium writes it: the fingerprint on every m-line. */
function description(fingerprint: string, at: 'session' | 'media' = 'media'): string {
  const fp = `a=fingerprint:sha-256 ${fingerprint.toLowerCase()}`;
  return [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    ...(at === 'session' ? [fp] : []),
    'a=group:BUNDLE 0 1',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    ...(at === 'media' ? [fp] : []),
    'a=setup:actpass',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    ...(at === 'media' ? [fp] : []),
    '',
  ].join('\r\n');
}

test('the fingerprint is read at session or media level, in upper case', () => {
  assert.equal(sdpFingerprint(description(ALICE, 'media')), ALICE);
  assert.equal(sdpFingerprint(description(ALICE, 'session')), ALICE);
  assert.equal(sdpFingerprint(description(ALICE).replace(/\r\n/g, '\n')), ALICE);
});

test('a description without one sha-256 certificate gives no fingerprint', () => {
  assert.equal(sdpFingerprint('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'), null);
  assert.equal(sdpFingerprint(description(ALICE).replace(/sha-256/g, 'sha-1')), null);
  // m-lines naming two certificates: which one DTLS uses is not ours to guess.
  const mixed = description(ALICE).replace(/(m=video[^]*a=fingerprint:sha-256 )[0-9a-f:]+/, `$1${BOB.toLowerCase()}`);
  assert.equal(sdpFingerprint(mixed), null);
  // Truncated or malformed hex is no fingerprint.
  assert.equal(sdpFingerprint('a=fingerprint:sha-256 AB:CD\r\n'), null);
});

test('rewriting the fingerprint in transit replaces every line', () => {
  const rewritten = withFingerprint(description(ALICE), MALLORY);
  assert.equal(sdpFingerprint(rewritten), MALLORY);
  assert.ok(!rewritten.toUpperCase().includes(ALICE));
});

test('a DER certificate fingerprint is its sha-256, as the SDP writes it', async () => {
  const fp = await derFingerprint(new TextEncoder().encode('abc').buffer as ArrayBuffer);
  assert.equal(fp, 'BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD');
});

const nonce = (byte: number) => new Uint8Array(32).fill(byte);
const side = (fingerprint: string, n: Uint8Array) => ({ fingerprint, nonce: n });
const NA = nonce(1);
const NB = nonce(2);

test('both sides compute the same code, in groups of three digits', async () => {
  const mine = await verificationCode(side(ALICE, NA), side(BOB, NB));
  const theirs = await verificationCode(side(BOB, NB), side(ALICE, NA));
  assert.equal(mine, theirs);
  assert.match(mine, /^\d{3} \d{3} \d{3}$/);
  assert.equal(mine.replace(/ /g, '').length, CODE_DIGITS);
  // Case does not matter: the SDP may write hex either way.
  assert.equal(await verificationCode(side(ALICE.toLowerCase(), NA), side(BOB, NB)), mine);
});

test('a man in the middle makes the two codes differ', async () => {
  // Alice talks DTLS with Mallory's certificate, Bob with Mallory's: each hashes another pair.
  const alice = await verificationCode(side(ALICE, NA), side(MALLORY, NB));
  const bob = await verificationCode(side(MALLORY, NA), side(BOB, NB));
  assert.notEqual(alice, bob);
  assert.notEqual(alice, await verificationCode(side(ALICE, NA), side(BOB, NB)));
});

test('the nonces are part of the code: same certificates, other nonces, another code', async () => {
  const code = await verificationCode(side(ALICE, NA), side(BOB, NB));
  assert.notEqual(await verificationCode(side(ALICE, NB), side(BOB, NA)), code, 'which side gave which nonce matters');
  assert.notEqual(await verificationCode(side(ALICE, NA), side(BOB, nonce(3))), code);
});

test('codes spread over the digits (no constant, no short cycle)', async () => {
  const codes = new Set<string>();
  for (let i = 0; i < 200; i++) codes.add(await verificationCode(side(ALICE, NA), side(BOB, nonce(i))));
  assert.equal(codes.size, 200);
});

test('a remembered certificate is verified, another one is a change, none is unverified', () => {
  const record = { fingerprint: BOB, verifiedAt: 1 };
  assert.equal(peerTrust(null, BOB), 'unverified');
  assert.equal(peerTrust(record, BOB), 'verified');
  assert.equal(peerTrust(record, BOB.toLowerCase()), 'verified');
  assert.equal(peerTrust(record, MALLORY), 'changed');
});

test('the in-memory store keeps verified people per own account', async () => {
  const store = new MemoryVerifiedPeers();
  await store.set('me', 'bob', { fingerprint: BOB, verifiedAt: 5 });
  assert.deepEqual(await store.get('me', 'bob'), { fingerprint: BOB, verifiedAt: 5 });
  assert.equal(await store.get('someone-else', 'bob'), null);
  assert.equal(await store.get('me', 'carol'), null);
});
