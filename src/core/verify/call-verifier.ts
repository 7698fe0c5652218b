/**
 * Verification for the calls of a session: the certificate new links use, what a connected
 * call's link says about both certificates (the code, the remembered person), and remembering
 * a person once both read the same code. The browser's kept store by default; memory in node.
 */
import type { CallVerification } from '../types.js';
import { ownCertificate, type OwnCertificate } from './certificate.js';
import { verificationCode } from './code.js';
import type { ExchangeProblem, Nonces } from './exchange.js';
import type { LinkIdentity } from './link-identity.js';
import { openVerifyDb } from './verify-db.js';
import { MemoryVerifiedPeers, peerTrust, type VerifiedPeers } from './verified-peers.js';

interface Kept {
  /** Null: each link lets the browser make its own (no WebRTC here, node tests). */
  certificate: OwnCertificate | null;
  peers: VerifiedPeers;
}

/**
 * The page's own kept store, opened once for every session of the page: two sessions made at
 * once on a first visit would otherwise each make and save a certificate of their own.
 */
let pageKept: Promise<Kept> | null = null;

async function openPageKept(): Promise<Kept> {
  const db = await openVerifyDb();
  return { certificate: await ownCertificate(db), peers: db ?? new MemoryVerifiedPeers() };
}

export class CallVerifier {
  private kept: Promise<Kept> | null = null;

  /** `load` runs once, at the first call: a page that never calls never opens IndexedDB. */
  constructor(
    private readonly load: () => Promise<Kept>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The browser's IndexedDB for the certificate and the people verified; memory and a page-only certificate without it. */
  static forBrowser(): CallVerifier {
    return new CallVerifier(() => (pageKept ??= openPageKept()));
  }

  /** No certificate of its own, people kept in memory (node tests, a page without WebRTC). */
  static inMemory(peers: VerifiedPeers = new MemoryVerifiedPeers(), now?: () => number): CallVerifier {
    return new CallVerifier(async () => ({ certificate: null, peers }), now);
  }

  private keep(): Promise<Kept> {
    this.kept ??= this.load().catch(() => ({ certificate: null, peers: new MemoryVerifiedPeers() }));
    return this.kept;
  }

  /** The certificate for a new link; null lets the browser make one (never fails a call). */
  async certificate(): Promise<RTCCertificate | null> {
    return (await this.keep()).certificate?.certificate ?? null;
  }

  /**
   * What `me` sees of the call with `peerId` over a link with `identity`, once the nonce exchange
   * gave both nonces (or failed: no code then, only what is remembered of the certificate).
   */
  async read(me: string, peerId: string, identity: LinkIdentity, exchange: Nonces | ExchangeProblem): Promise<CallVerification> {
    const { certificate, peers } = await this.keep();
    const record = await peers.get(me, peerId).catch(() => null);
    const code =
      typeof exchange === 'string'
        ? null
        : await verificationCode(
            { fingerprint: identity.local, nonce: exchange.own },
            { fingerprint: identity.remote, nonce: exchange.theirs },
          );
    return {
      code,
      ...(typeof exchange === 'string' ? { problem: exchange } : {}),
      remoteFingerprint: identity.remote,
      transportMatches: identity.transportMatches,
      trust: peerTrust(record, identity.remote),
      persistent: certificate?.persistent ?? false,
    };
  }

  /** Both read the same code: `peerId` is remembered with this call's certificate. Without a code nothing is. */
  async markVerified(me: string, peerId: string, verification: CallVerification): Promise<CallVerification> {
    if (verification.code === null || verification.transportMatches === false) return verification;
    const { peers } = await this.keep();
    await peers.set(me, peerId, { fingerprint: verification.remoteFingerprint, verifiedAt: this.now() });
    return { ...verification, trust: 'verified' };
  }
}
