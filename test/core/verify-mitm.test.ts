/**
 * The attack verification exists for, with real connections: a signalling server that rewrites
 * the DTLS fingerprints in transit. Four cases, each in both browsers:
 * - honest: both sides compute the same code, and the DTLS certificate matches the description;
 * - a rewrite alone (the server cannot terminate DTLS): the browser refuses the real certificate,
 *   the call never connects, and the codes would differ;
 * - a full man in the middle (the server bridges two connections of its own, each with its own
 *   certificate, and relays the nonce exchange between them): both legs connect and every
 *   transport check passes, yet the codes differ, and a person verified before shows as changed.
 *   Only reading the code aloud (or the memory) finds it;
 * - the same man in the middle changing a revealed nonce, as steering the code would need: the
 *   reveal breaks its promise and that side shows no code.
 */
import { expect } from '@open-wc/testing';
import { PeerLink, type LinkCondition } from '../../src/core/peer.js';
import { verificationCode } from '../../src/core/verify/code.js';
import { ExchangeFailed, exchangeNonces, type Nonces } from '../../src/core/verify/exchange.js';
import { systemClock } from '../../src/core/clock.js';
import { sdpFingerprint, withFingerprint } from '../../src/core/verify/fingerprint.js';
import { MemoryVerifiedPeers, peerTrust } from '../../src/core/verify/verified-peers.js';
import { statsRemoteFingerprints, type LinkIdentity } from '../../src/core/verify/link-identity.js';

interface Side {
  link: PeerLink;
  conditions: LinkCondition[];
}

type Rewrite = (sdp: string) => string;

/** A link whose descriptions and candidates go through `deliver` (the signalling path). */
function side(
  role: 'offerer' | 'answerer',
  deliver: {
    description: (d: { type: string; sdp: string }) => void;
    candidate: (c: Parameters<PeerLink['addRemoteCandidate']>[0]) => void;
  },
  certificate?: RTCCertificate,
): Side {
  const me: Side = { link: null as unknown as PeerLink, conditions: [] };
  me.link = new PeerLink({
    role,
    iceServers: [],
    relayOnly: false,
    certificate,
    onDescription: deliver.description,
    onCandidate: deliver.candidate,
    onRemoteStream: () => {},
    onCondition: (c) => me.conditions.push(c),
  });
  return me;
}

/** Hands descriptions (rewritten by `rewrite`) and candidates from `from` to `to`. */
function pathTo(to: () => Side, rewrite: Rewrite = (sdp) => sdp) {
  return {
    description: (d: { type: string; sdp: string }) =>
      void (d.type === 'offer' ? to().link.handleOffer(rewrite(d.sdp)) : to().link.acceptAnswer(rewrite(d.sdp))),
    candidate: (c: Parameters<PeerLink['addRemoteCandidate']>[0]) => void to().link.addRemoteCandidate(c),
  };
}

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function identityOf(s: Side): Promise<LinkIdentity> {
  const identity = await s.link.identity();
  expect(identity, 'identity').to.not.be.null;
  return identity!;
}

/** Runs the nonce exchange over both links' own data channels and gives each side's code. */
async function codesOver(a: Side, b: Side, ia: LinkIdentity, ib: LinkIdentity): Promise<[string, string]> {
  const [na, nb] = await Promise.all([exchangeOf(a), exchangeOf(b)]);
  return Promise.all([codeOf(ia, na), codeOf(ib, nb)]);
}

const exchangeOf = (s: Side) => exchangeNonces(s.link.verifyChannel, { clock: systemClock, timeoutMs: 10_000 });

const codeOf = (identity: LinkIdentity, n: Nonces) =>
  verificationCode({ fingerprint: identity.local, nonce: n.own }, { fingerprint: identity.remote, nonce: n.theirs });

/** Mallory passes every verification message from one of his legs to the other, unchanged or as `edit` makes it. */
function relay(from: Side, to: Side, edit: (text: string) => string = (t) => t): void {
  from.link.verifyChannel.listen((text) => to.link.verifyChannel.send(edit(text)));
}

const certificate = () => RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as AlgorithmIdentifier);

async function fingerprintOf(cert: RTCCertificate): Promise<string> {
  const fp = cert.getFingerprints().find((f) => f.algorithm === 'sha-256');
  return fp!.value!.toUpperCase();
}

describe('verification against a signalling server in the middle', () => {
  let links: PeerLink[] = [];
  afterEach(() => {
    for (const l of links) l.close();
    links = [];
  });

  /**
   * Alice ⇄ Mallory's leg A (Mallory answers Alice) and Mallory's leg B ⇄ Bob (Mallory calls Bob),
   * each with its own certificate; resolves once both of Alice's and Bob's links are connected.
   */
  async function throughMallory() {
    const [certA, certB, certMA, certMB] = await Promise.all([certificate(), certificate(), certificate(), certificate()]);
    const alice: Side = side(
      'offerer',
      pathTo(() => toAlice),
      certA,
    );
    const toAlice: Side = side(
      'answerer',
      pathTo(() => alice),
      certMA,
    );
    const toBob: Side = side(
      'offerer',
      pathTo(() => bob),
      certMB,
    );
    const bob: Side = side(
      'answerer',
      pathTo(() => toBob),
      certB,
    );
    links = [alice.link, toAlice.link, toBob.link, bob.link];
    await Promise.all([alice.link.createOffer(), toBob.link.createOffer()]);
    await until(
      () => alice.conditions.includes('connected') && bob.conditions.includes('connected'),
      'both legs connected through Mallory',
    );
    return { alice, toAlice, toBob, bob, certA, certMA, certMB };
  }

  it('honest signalling: both sides read the same code, and DTLS got the described certificate', async () => {
    const [certA, certB] = await Promise.all([certificate(), certificate()]);
    const alice: Side = side(
      'offerer',
      pathTo(() => bob),
      certA,
    );
    const bob: Side = side(
      'answerer',
      pathTo(() => alice),
      certB,
    );
    links = [alice.link, bob.link];
    await alice.link.createOffer();
    await until(() => alice.conditions.includes('connected') && bob.conditions.includes('connected'), 'connected');
    const [a, b] = await Promise.all([identityOf(alice), identityOf(bob)]);
    // The kept certificate is the one the connection used.
    expect(a.local).to.equal(await fingerprintOf(certA));
    expect(b.local).to.equal(await fingerprintOf(certB));
    expect(a.remote).to.equal(b.local);
    const [codeA, codeB] = await codesOver(alice, bob, a, b);
    expect(codeA).to.match(/^\d{3} \d{3} \d{3}$/);
    expect(codeA).to.equal(codeB);
    expect(a.transportMatches).to.equal(true);
    expect(b.transportMatches).to.equal(true);
    // Chromium and Firefox ESR both give the DER certificates (getRemoteCertificates); statistics are the fallback.
    expect(a.checkedBy).to.equal('remote-certificates');
    expect(b.checkedBy).to.equal('remote-certificates');
    // The statistics fallback: Chromium names the remote certificate there, Firefox ESR gives no certificate statistics.
    const firefox = navigator.userAgent.includes('Firefox');
    expect(await statsRemoteFingerprints(alice.link.pc)).to.deep.equal(firefox ? null : [b.local]);
    expect(await statsRemoteFingerprints(bob.link.pc)).to.deep.equal(firefox ? null : [a.local]);
  });

  it('a rewritten fingerprint alone: the browser refuses the real certificate and the codes differ', async () => {
    const [certA, certB, certM] = await Promise.all([certificate(), certificate(), certificate()]);
    const mallory = await fingerprintOf(certM);
    const rewrite: Rewrite = (sdp) => withFingerprint(sdp, mallory);
    const alice: Side = side(
      'offerer',
      pathTo(() => bob, rewrite),
      certA,
    );
    const bob: Side = side(
      'answerer',
      pathTo(() => alice, rewrite),
      certB,
    );
    links = [alice.link, bob.link];
    await alice.link.createOffer();
    await until(() => alice.conditions.includes('failed') || bob.conditions.includes('failed'), 'DTLS refused');
    expect(alice.conditions).to.not.include('connected');
    expect(bob.conditions).to.not.include('connected');
    const a = await identityOf(alice);
    const b = await identityOf(bob);
    expect(a.remote).to.equal(mallory);
    expect(b.remote).to.equal(mallory);
    // No connection, no channel for the exchange: with any nonces the two sides would hash different pairs.
    const same = { own: new Uint8Array(32).fill(1), theirs: new Uint8Array(32).fill(2) };
    expect(await codeOf(a, same)).to.not.equal(await codeOf(b, { own: same.theirs, theirs: same.own }));
  });

  it('a full man in the middle: both legs connect and pass every check, only the codes and the memory tell', async () => {
    const { alice, toAlice, toBob, bob, certA, certMA, certMB } = await throughMallory();
    const a = await identityOf(alice);
    const b = await identityOf(bob);
    // Each side sees a consistent, working link: the transport checks cannot find Mallory.
    expect(a.transportMatches).to.equal(true);
    expect(b.transportMatches).to.equal(true);
    expect(a.remote).to.equal(await fingerprintOf(certMA));
    expect(b.remote).to.equal(await fingerprintOf(certMB));
    // Mallory relays the exchange between his legs as it is, the best he can do: read aloud, the codes differ.
    relay(toAlice, toBob);
    relay(toBob, toAlice);
    const [codeA, codeB] = await codesOver(alice, bob, a, b);
    expect(codeA).to.not.equal(codeB);
    // Bob had verified Alice in an earlier, honest call: this call's certificate is a change.
    const verified = new MemoryVerifiedPeers();
    await verified.set('bob', 'alice', { fingerprint: await fingerprintOf(certA), verifiedAt: Date.now() });
    expect(peerTrust(await verified.get('bob', 'alice'), b.remote)).to.equal('changed');
    expect(sdpFingerprint(alice.link.pc.localDescription!.sdp)).to.equal(await fingerprintOf(certA));
  });

  it('a man in the middle who changes a reveal in the exchange is caught: no code at all', async () => {
    const { alice, toAlice, toBob, bob } = await throughMallory();
    // He swaps the nonce Bob revealed for one of his choosing, as steering the code would need.
    const chosen = btoa(String.fromCharCode(...new Uint8Array(32).fill(0x42)))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    relay(toAlice, toBob);
    relay(toBob, toAlice, (text) => text.replace(/"n":"[^"]+"/, `"n":"${chosen}"`));
    const [ra, rb] = await Promise.allSettled([exchangeOf(alice), exchangeOf(bob)]);
    expect(ra.status).to.equal('rejected');
    expect(((ra as PromiseRejectedResult).reason as ExchangeFailed).problem).to.equal('broken-promise');
    expect(rb.status, 'Bob’s side of the exchange is untouched').to.equal('fulfilled');
  });
});
