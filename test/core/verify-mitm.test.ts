/**
 * The attack verification exists for, with real connections: a signalling server that rewrites
 * the DTLS fingerprints in transit. Three cases, each in both browsers:
 * - honest: both sides compute the same code, and the DTLS certificate matches the description;
 * - a rewrite alone (the server cannot terminate DTLS): the browser refuses the real certificate,
 *   the call never connects, and the codes would differ;
 * - a full man in the middle (the server bridges two connections of its own, each with its own
 *   certificate): both legs connect and every transport check passes, yet the codes differ, and
 *   a person verified before shows as changed. Only reading the code aloud (or the memory) finds it.
 */
import { expect } from '@open-wc/testing';
import { PeerLink, type LinkCondition } from '../../src/core/peer.js';
import { verificationCode } from '../../src/core/verify/code.js';
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

const codeOf = (identity: LinkIdentity) => verificationCode(identity.local, identity.remote);

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
    expect(await codeOf(a)).to.equal(await codeOf(b));
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
    expect(await codeOf(a)).to.not.equal(await codeOf(b));
  });

  it('a full man in the middle: both legs connect and pass every check, only the codes and the memory tell', async () => {
    const [certA, certB, certMA, certMB] = await Promise.all([certificate(), certificate(), certificate(), certificate()]);
    // Alice ⇄ Mallory's leg A (Mallory answers Alice) and Mallory's leg B ⇄ Bob (Mallory calls Bob).
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
    const a = await identityOf(alice);
    const b = await identityOf(bob);
    // Each side sees a consistent, working link: the transport checks cannot find Mallory.
    expect(a.transportMatches).to.equal(true);
    expect(b.transportMatches).to.equal(true);
    expect(a.remote).to.equal(await fingerprintOf(certMA));
    expect(b.remote).to.equal(await fingerprintOf(certMB));
    // Read aloud, the codes differ.
    expect(await codeOf(a)).to.not.equal(await codeOf(b));
    // Bob had verified Alice in an earlier, honest call: this call's certificate is a change.
    const verified = new MemoryVerifiedPeers();
    await verified.set('bob', 'alice', { fingerprint: await fingerprintOf(certA), verifiedAt: Date.now() });
    expect(peerTrust(await verified.get('bob', 'alice'), b.remote)).to.equal('changed');
    expect(sdpFingerprint(alice.link.pc.localDescription!.sdp)).to.equal(await fingerprintOf(certA));
  });
});
