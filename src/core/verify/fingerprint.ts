/**
 * DTLS certificate fingerprints as the SDP carries them (`a=fingerprint:sha-256 AB:CD:…`, RFC 8122),
 * and as a certificate's DER bytes give them. Only sha-256 counts: both browsers offer it, and a
 * description that names any other hash for its certificate is not one we can verify.
 */

/** A sha-256 fingerprint, normalised: 32 upper-case hex bytes joined by colons. */
export type Fingerprint = string;

const SHA256_LINE = /^a=fingerprint:sha-256 ((?:[0-9a-f]{2}:){31}[0-9a-f]{2})\s*$/i;

/**
 * The sha-256 fingerprint of a session description (session or media level). With bundling every
 * m-line shares one DTLS transport, so every line names the same certificate; a description whose
 * lines disagree, or that has none, gives null: the call cannot be verified from it.
 */
export function sdpFingerprint(sdp: string): Fingerprint | null {
  const found = new Set<string>();
  for (const line of sdp.split(/\r?\n/)) {
    if (!line.toLowerCase().startsWith('a=fingerprint:')) continue;
    const match = SHA256_LINE.exec(line);
    if (match) found.add(match[1]!.toUpperCase());
  }
  return found.size === 1 ? [...found][0]! : null;
}

/** The sha-256 fingerprint of a certificate's DER bytes (what `getRemoteCertificates()` gives). */
export async function derFingerprint(der: ArrayBuffer): Promise<Fingerprint> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', der));
  return [...digest].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/** Replaces every sha-256 fingerprint in `sdp` with `fingerprint` (what a man in the middle does; tests). */
export function withFingerprint(sdp: string, fingerprint: Fingerprint): string {
  return sdp.replace(/^a=fingerprint:sha-256 [0-9A-Fa-f:]+/gm, `a=fingerprint:sha-256 ${fingerprint}`);
}
