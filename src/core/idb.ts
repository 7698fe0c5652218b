/**
 * The widget's one small IndexedDB helper (verification certificates, kept conversations): a
 * request as a promise, a database opened with its object stores, and one-key reads and writes.
 * Null where IndexedDB cannot be opened (some private modes, blocked storage): callers then work
 * without keeping anything.
 */

export function idbRequest<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** Opens database `name` (version 1) with `stores`; null when this browser gives no IndexedDB. */
export async function openIdb(name: string, stores: readonly string[]): Promise<IDBDatabase | null> {
  if (typeof indexedDB === 'undefined') return null;
  try {
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => {
      for (const store of stores) open.result.createObjectStore(store);
    };
    return await idbRequest(open);
  } catch {
    return null;
  }
}

export async function idbRead<T>(db: IDBDatabase, store: string, key: string): Promise<T | null> {
  const tx = db.transaction(store, 'readonly');
  return ((await idbRequest(tx.objectStore(store).get(key))) as T | undefined) ?? null;
}

/** Puts `value` under `key` (deletes the key when `value` is undefined); resolves once committed. */
export async function idbWrite(db: IDBDatabase, store: string, key: string, value: unknown): Promise<void> {
  const tx = db.transaction(store, 'readwrite');
  if (value === undefined) tx.objectStore(store).delete(key);
  else tx.objectStore(store).put(value, key);
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write failed'));
  });
}
