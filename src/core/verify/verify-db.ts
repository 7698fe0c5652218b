/**
 * The browser's own store for verification: this browser's DTLS certificate (an RTCCertificate
 * is structured-cloneable, so IndexedDB keeps the key pair itself) and the people verified here.
 * Null where IndexedDB cannot be opened (some private modes, blocked storage).
 */
import { idbRead, idbWrite, openIdb } from '../idb.js';
import type { VerifiedPeer, VerifiedPeers } from './verified-peers.js';

const DB_NAME = 'rtc-call-verify';
const CERTIFICATES = 'certificates';
const VERIFIED = 'verified';

/** Opens the store; null when this browser gives no IndexedDB. */
export async function openVerifyDb(name = DB_NAME): Promise<VerifyDb | null> {
  const db = await openIdb(name, [CERTIFICATES, VERIFIED]);
  return db ? new VerifyDb(db) : null;
}

export class VerifyDb implements VerifiedPeers {
  constructor(private readonly db: IDBDatabase) {}

  private read<T>(store: string, key: string): Promise<T | null> {
    return idbRead<T>(this.db, store, key);
  }

  private write(store: string, key: string, value: unknown): Promise<void> {
    return idbWrite(this.db, store, key, value);
  }

  certificate(): Promise<RTCCertificate | null> {
    return this.read<RTCCertificate>(CERTIFICATES, 'own');
  }

  saveCertificate(certificate: RTCCertificate): Promise<void> {
    return this.write(CERTIFICATES, 'own', certificate);
  }

  get(me: string, peer: string): Promise<VerifiedPeer | null> {
    return this.read<VerifiedPeer>(VERIFIED, `${me}\n${peer}`);
  }

  set(me: string, peer: string, record: VerifiedPeer): Promise<void> {
    return this.write(VERIFIED, `${me}\n${peer}`, { ...record });
  }

  close(): void {
    this.db.close();
  }
}
