/**
 * This browser's DTLS certificate, the same in every call so the people it verified can recognise
 * it. Made once (ECDSA P-256, what both browsers make fastest and offer by default), kept in
 * IndexedDB, and made again when it expires. Without IndexedDB each page makes its own: calls work,
 * but a verification only lasts for that page (`persistent: false` says so).
 */
import type { VerifyDb } from './verify-db.js';

export interface OwnCertificate {
  certificate: RTCCertificate;
  /** Kept across pages; false: a fresh certificate for this page only. */
  persistent: boolean;
}

/** A year: long enough to be stable, and the browsers cap what they accept anyway. */
const LIFETIME_MS = 365 * 24 * 3600 * 1000;
/** Renewed this long before it expires, so no call starts with a certificate that lapses mid-call. */
const RENEW_BEFORE_MS = 24 * 3600 * 1000;

function generate(): Promise<RTCCertificate> {
  return RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256', expires: LIFETIME_MS } as AlgorithmIdentifier);
}

export async function ownCertificate(db: VerifyDb | null, now = Date.now()): Promise<OwnCertificate> {
  if (db) {
    try {
      const kept = await db.certificate();
      if (kept && kept.expires - RENEW_BEFORE_MS > now) return { certificate: kept, persistent: true };
      const fresh = await generate();
      await db.saveCertificate(fresh);
      return { certificate: fresh, persistent: true };
    } catch {
      // Storage refused (quota, a browser that cannot clone certificates): fall through to a page-only one.
    }
  }
  return { certificate: await generate(), persistent: false };
}
