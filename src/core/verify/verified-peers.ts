/**
 * Who this browser has verified: per own account and peer account, the peer's certificate
 * fingerprint when both people read the same code. A later call with another fingerprint is
 * the warning that matters: someone may be in the middle (or they use a new browser).
 */
import type { Fingerprint } from './fingerprint.js';

export interface VerifiedPeer {
  fingerprint: Fingerprint;
  /** Date.now() of the verification. */
  verifiedAt: number;
}

/** Where verified people are kept: IndexedDB in the browser, memory in node tests and private mode. */
export interface VerifiedPeers {
  get(me: string, peer: string): Promise<VerifiedPeer | null>;
  set(me: string, peer: string, record: VerifiedPeer): Promise<void>;
}

/**
 * What we know of a peer's certificate in this call:
 * - `unverified`: never verified here;
 * - `verified`: verified, and this is the same certificate;
 * - `changed`: verified with another certificate: warn before trusting the call.
 */
export type PeerTrust = 'unverified' | 'verified' | 'changed';

export function peerTrust(record: VerifiedPeer | null, fingerprint: Fingerprint): PeerTrust {
  if (!record) return 'unverified';
  return record.fingerprint.toUpperCase() === fingerprint.toUpperCase() ? 'verified' : 'changed';
}

const key = (me: string, peer: string) => `${me}\n${peer}`;

export class MemoryVerifiedPeers implements VerifiedPeers {
  private readonly records = new Map<string, VerifiedPeer>();

  async get(me: string, peer: string): Promise<VerifiedPeer | null> {
    return this.records.get(key(me, peer)) ?? null;
  }

  async set(me: string, peer: string, record: VerifiedPeer): Promise<void> {
    this.records.set(key(me, peer), { ...record });
  }
}
