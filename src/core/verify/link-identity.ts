/**
 * The two certificates of a connected call: ours and theirs, as the descriptions name them, and
 * whether the certificate DTLS really got from the other side is the one their description named.
 * The browser already refuses a DTLS certificate that does not match the remote fingerprint; the
 * check catches a browser that did not, and says so rather than showing a code for the wrong thing.
 */
import { derFingerprint, sdpFingerprint, type Fingerprint } from './fingerprint.js';

export interface LinkIdentity {
  local: Fingerprint;
  remote: Fingerprint;
  /**
   * The peer's DTLS certificate matches `remote`: true or false when the browser can tell
   * (`getRemoteCertificates()`, else the `certificate` statistics), null when it cannot.
   */
  transportMatches: boolean | null;
  /** How the browser told us the peer's certificate; null: it did not. */
  checkedBy: 'remote-certificates' | 'statistics' | null;
}

interface RemoteCertificates {
  fingerprints: Fingerprint[];
  checkedBy: 'remote-certificates' | 'statistics';
}

/** The DTLS transport in use (bundled: one for every m-line). */
function dtlsTransport(pc: RTCPeerConnection): RTCDtlsTransport | null {
  for (const s of pc.getSenders()) if (s.transport) return s.transport;
  for (const r of pc.getReceivers()) if (r.transport) return r.transport;
  return null;
}

/** The peer's certificate fingerprints as DTLS got them; null when the browser does not say. */
async function remoteCertificates(pc: RTCPeerConnection): Promise<RemoteCertificates | null> {
  const transport = dtlsTransport(pc) as (RTCDtlsTransport & { getRemoteCertificates?: () => ArrayBuffer[] }) | null;
  const ders = transport?.getRemoteCertificates?.();
  if (ders && ders.length > 0) {
    return { fingerprints: await Promise.all(ders.map((der) => derFingerprint(der))), checkedBy: 'remote-certificates' };
  }
  const fromStats = await statsRemoteFingerprints(pc);
  return fromStats ? { fingerprints: fromStats, checkedBy: 'statistics' } : null;
}

/** From `getStats()`: the certificate the transport names as remote (Firefox has no getRemoteCertificates). */
export async function statsRemoteFingerprints(pc: RTCPeerConnection): Promise<Fingerprint[] | null> {
  const report = await pc.getStats();
  const ids = new Set<string>();
  report.forEach((s: Record<string, unknown>) => {
    if (s.type === 'transport' && typeof s.remoteCertificateId === 'string') ids.add(s.remoteCertificateId);
  });
  const found: Fingerprint[] = [];
  for (const id of ids) {
    const cert = report.get(id) as { fingerprint?: string; fingerprintAlgorithm?: string } | undefined;
    if (cert?.fingerprint && cert.fingerprintAlgorithm === 'sha-256') found.push(cert.fingerprint.toUpperCase());
  }
  return found.length > 0 ? found : null;
}

/** The identity of a link whose descriptions are both set; null before that or when one names no sha-256 certificate. */
export async function readLinkIdentity(pc: RTCPeerConnection): Promise<LinkIdentity | null> {
  const local = sdpFingerprint(pc.currentLocalDescription?.sdp ?? pc.localDescription?.sdp ?? '');
  const remote = sdpFingerprint(pc.currentRemoteDescription?.sdp ?? pc.remoteDescription?.sdp ?? '');
  if (!local || !remote) return null;
  const got = await remoteCertificates(pc).catch(() => null);
  return { local, remote, transportMatches: got ? got.fingerprints.includes(remote) : null, checkedBy: got?.checkedBy ?? null };
}
