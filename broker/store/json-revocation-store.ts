/**
 * RevocationStore in a JSON file: `revocations.json` in DATA_DIR, next to the user
 * store but in a file of its own, so a logout rewrites a few records rather
 * than every user. Writes go through one queue; every operation re-reads the
 * file when its size or mtime changed, so a running backend sees what the
 * admin CLI revoked. Records are pruned on each write once they can no longer
 * matter (their sessions are past SESSION_MAX_AGE). Like every file in
 * DATA_DIR it is 0600 and written atomically (private-file.ts).
 */
import path from 'node:path';
import { SerialQueue, fileFingerprint, readStoreFile } from './changing-file.js';
import { ensurePrivateDir, makePrivate, writePrivateFile } from './private-file.js';
import { unexpired, type RevocationStore, type Revocations, type SessionRevocation, type UserRevocation } from './revocation-store.js';

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

async function readRevocationsFile(file: string, fingerprint: string): Promise<Data> {
  return readStoreFile(file, fingerprint, { version: 1, sessions: [], users: [] }, isData, {
    kind: 'Revocation store',
    expected: '{"sessions": [...], "users": [...]}',
  });
}

/** Every revocation record in `dataDir`'s revocations.json (none when there is no file); `StoreError` on a corrupt one. */
export async function readJsonRevocations(dataDir: string): Promise<{ sessions: SessionRevocation[]; users: UserRevocation[] }> {
  const file = path.join(dataDir, REVOCATIONS_FILE);
  const { sessions, users } = await readRevocationsFile(file, fileFingerprint(file));
  return { sessions, users };
}

class JsonRevocationStore implements RevocationStore {
  #data: Data = { version: 1, sessions: [], users: [] };
  readonly #file: string;
  readonly #now: () => number;
  #snapshot: Revocations = snapshot({ version: 1, sessions: [], users: [] });
  readonly #queue = new SerialQueue(() => this.load());
  /** size:mtime of the file as we last read or wrote it. */
  #seen = '';

  constructor(file: string, now: () => number) {
    this.#file = file;
    this.#now = now;
  }

  /** Reads the file when it changed; never replaces an unreadable one. */
  async load(): Promise<void> {
    const fingerprint = fileFingerprint(this.#file);
    if (fingerprint === this.#seen) return;
    const data = await readRevocationsFile(this.#file, fingerprint);
    this.#data = data;
    this.#snapshot = snapshot(data);
    this.#seen = fingerprint;
  }

  /** Applies `change` to a pruned copy and writes it; memory follows only once it is on disk. */
  #write(change: (data: Data) => void): Promise<void> {
    return this.#queue.run(async () => {
      const now = this.#now();
      const next: Data = { version: 1, sessions: unexpired(this.#data.sessions, now), users: unexpired(this.#data.users, now) };
      change(next);
      await writePrivateFile(this.#file, Buffer.from(JSON.stringify(next)));
      this.#data = next;
      this.#seen = fileFingerprint(this.#file);
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
export async function openJsonRevocationStore(dataDir: string, now: () => number = Date.now): Promise<RevocationStore> {
  await ensurePrivateDir(dataDir);
  const file = path.join(dataDir, REVOCATIONS_FILE);
  await makePrivate(file);
  const store = new JsonRevocationStore(file, now);
  await store.load();
  return store;
}
