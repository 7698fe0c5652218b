/**
 * The browser's own store for verification: this browser's DTLS certificate (an RTCCertificate
 * is structured-cloneable, so IndexedDB keeps the key pair itself) and the people verified here.
 * Null where IndexedDB cannot be opened (some private modes, blocked storage).
 */
import type { VerifiedPeer, VerifiedPeers } from './verified-peers.js';

const DB_NAME = 'rtc-call-verify';
const CERTIFICATES = 'certificates';
const VERIFIED = 'verified';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** Opens the store; null when this browser gives no IndexedDB. */
export async function openVerifyDb(name = DB_NAME): Promise<VerifyDb | null> {
  if (typeof indexedDB === 'undefined') return null;
  try {
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore(CERTIFICATES);
      open.result.createObjectStore(VERIFIED);
    };
    return new VerifyDb(await request(open));
  } catch {
    return null;
  }
}

export class VerifyDb implements VerifiedPeers {
  constructor(private readonly db: IDBDatabase) {}

  private async read<T>(store: string, key: string): Promise<T | null> {
    const tx = this.db.transaction(store, 'readonly');
    return ((await request(tx.objectStore(store).get(key))) as T | undefined) ?? null;
  }

  private async write(store: string, key: string, value: unknown): Promise<void> {
    const tx = this.db.transaction(store, 'readwrite');
    tx.objectStore(store).put(value, key);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write failed'));
    });
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
