/**
 * RevocationStore on lowdb: `revocations.json` in DATA_DIR, next to the user
 * store but in a file of its own, so a logout rewrites a few records rather
 * than every user. Writes go through one queue; every operation re-reads the
 * file when its size or mtime changed, so a running backend sees what the
 * admin CLI revoked. Records are pruned on each write once they can no longer
 * matter (their sessions are past SESSION_MAX_AGE).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { SerialQueue, fileFingerprint } from './changing-file.js';
import {
  unexpired,
  type RevocationStore,
  type Revocations,
  type SessionRevocation,
  type UserRevocation,
} from './revocation-store.js';
import { StoreError } from './user-store.js';

interface Data {
  version: 1;
  sessions: SessionRevocation[];
  users: UserRevocation[];
}

export const REVOCATIONS_FILE = 'revocations.json';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isData(value: unknown): value is Data {
  if (!isRecord(value) || !Array.isArray(value.sessions) || !Array.isArray(value.users)) return false;
  return (
    value.sessions.every((r) => isRecord(r) && typeof r.sid === 'string' && typeof r.userId === 'string' && typeof r.until === 'number') &&
    value.users.every((r) => isRecord(r) && typeof r.userId === 'string' && typeof r.before === 'number' && typeof r.until === 'number')
  );
}

function snapshot(data: Data): Revocations {
  const usersBefore = new Map<string, number>();
  for (const r of data.users) usersBefore.set(r.userId, Math.max(r.before, usersBefore.get(r.userId) ?? -Infinity));
  return { sessions: new Set(data.sessions.map((r) => r.sid)), usersBefore };
}

class LowdbRevocationStore implements RevocationStore {
  readonly #db: Low<Data>;
  readonly #file: string;
  readonly #now: () => number;
  #snapshot: Revocations = snapshot({ version: 1, sessions: [], users: [] });
  readonly #queue = new SerialQueue(() => this.load());
  /** size:mtime of the file as we last read or wrote it. */
  #seen = '';

  constructor(file: string, now: () => number) {
    this.#file = file;
    this.#now = now;
    this.#db = new Low<Data>(new JSONFile<Data>(file), { version: 1, sessions: [], users: [] });
  }

  /** Reads the file when it changed; never replaces an unreadable one. */
  async load(): Promise<void> {
    const fingerprint = await fileFingerprint(this.#file);
    if (fingerprint === this.#seen) return;
    let data: unknown = { version: 1, sessions: [], users: [] };
    try {
      if (fingerprint !== 'missing') data = await this.#db.adapter.read();
    } catch (error) {
      throw new StoreError(`Revocation store ${this.#file} cannot be read (${(error as Error).message}). It was left untouched: repair it or move it away, then start again.`);
    }
    if (!isData(data)) {
      throw new StoreError(`Revocation store ${this.#file} is not a revocation store (expected {"sessions": [...], "users": [...]}). It was left untouched: repair it or move it away, then start again.`);
    }
    this.#db.data = data;
    this.#snapshot = snapshot(data);
    this.#seen = fingerprint;
  }

  /** Applies `change` to a pruned copy and writes it; memory follows only once it is on disk. */
  #write(change: (data: Data) => void): Promise<void> {
    return this.#queue.run(async () => {
      const now = this.#now();
      const next: Data = { version: 1, sessions: unexpired(this.#db.data.sessions, now), users: unexpired(this.#db.data.users, now) };
      change(next);
      const previous = this.#db.data;
      this.#db.data = next;
      try {
        await this.#db.write();
      } catch (error) {
        this.#db.data = previous;
        throw error;
      }
      this.#seen = await fileFingerprint(this.#file);
      this.#snapshot = snapshot(next);
    });
  }

  revokeSession(revocation: SessionRevocation): Promise<void> {
    return this.#write((data) => {
      if (!data.sessions.some((r) => r.sid === revocation.sid)) data.sessions.push({ ...revocation });
    });
  }

  revokeUserSessions(revocation: UserRevocation): Promise<void> {
    return this.#write((data) => {
      const kept = data.users.filter((r) => r.userId !== revocation.userId || r.before > revocation.before);
      if (!kept.some((r) => r.userId === revocation.userId)) kept.push({ ...revocation });
      data.users = kept;
    });
  }

  current(): Promise<Revocations> {
    return this.#queue.run(() => this.#snapshot);
  }

  close(): Promise<void> {
    return this.#queue.idle();
  }
}

/** Opens (or creates on the first write) the revocations in `dataDir`. Throws `StoreError` on a corrupt file. */
export async function openLowdbRevocationStore(dataDir: string, now: () => number = Date.now): Promise<RevocationStore> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const store = new LowdbRevocationStore(path.join(dataDir, REVOCATIONS_FILE), now);
  await store.load();
  return store;
}
