/**
 * UserStore on lowdb: one JSON file in DATA_DIR, written atomically (lowdb's
 * steno writes a temp file and renames it). Writes are serialised through one
 * queue so "is this email free?" and "insert" happen as one step.
 *
 * The admin CLI may change the file while the backend runs; each operation
 * re-reads the file when its size or mtime changed, so a user deleted from
 * the CLI is gone for the running backend too.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { fileFingerprint } from './changing-file.js';
import { EmailTakenError, StoreError, type NewUser, type StoredUser, type UserStore } from './user-store.js';

interface Data {
  version: 1;
  users: StoredUser[];
}

export const USERS_FILE = 'users.json';

/** 16 base64url characters: matches the protocol's id pattern and is unguessable. */
export function generateUserId(): string {
  return randomBytes(12).toString('base64url');
}

function isStoredUser(value: unknown): value is StoredUser {
  if (typeof value !== 'object' || value === null) return false;
  const u = value as Record<string, unknown>;
  return (
    typeof u.id === 'string' &&
    typeof u.name === 'string' &&
    typeof u.email === 'string' &&
    typeof u.passwordHash === 'string' &&
    typeof u.createdAt === 'string'
  );
}

class LowdbUserStore implements UserStore {
  readonly #db: Low<Data>;
  readonly #file: string;
  #byId = new Map<string, StoredUser>();
  #byEmail = new Map<string, StoredUser>();
  /** Tail of the serialised operation queue. */
  #queue: Promise<unknown> = Promise.resolve();
  /** size:mtime of the file as we last read or wrote it. */
  #seen = '';

  constructor(file: string) {
    this.#file = file;
    this.#db = new Low<Data>(new JSONFile<Data>(file), { version: 1, users: [] });
  }

  #fingerprint(): Promise<string> {
    return fileFingerprint(this.#file);
  }

  /** Reads the file; never replaces an unreadable one. */
  async load(): Promise<void> {
    const fingerprint = await this.#fingerprint();
    if (fingerprint === this.#seen) return;
    let data: unknown = { version: 1, users: [] };
    try {
      // No file yet: an empty store, created on the first write.
      if (fingerprint !== 'missing') data = await this.#db.adapter.read();
    } catch (error) {
      throw new StoreError(
        `User store ${this.#file} cannot be read (${(error as Error).message}). ` +
          'It was left untouched: repair it or move it away, then start again.',
      );
    }
    const users = (data as Partial<Data>)?.users;
    if (typeof data !== 'object' || data === null || !Array.isArray(users) || !users.every(isStoredUser)) {
      throw new StoreError(
        `User store ${this.#file} is not a user store (expected {"users": [...]}). ` +
          'It was left untouched: repair it or move it away, then start again.',
      );
    }
    this.#db.data = data as Data;
    this.#byId = new Map(users.map((u) => [u.id, u]));
    this.#byEmail = new Map(users.map((u) => [u.email, u]));
    this.#seen = fingerprint;
  }

  async #write(): Promise<void> {
    await this.#db.write();
    this.#seen = await this.#fingerprint();
  }

  /** Runs `op` after every earlier operation, with fresh data. */
  #serial<T>(op: () => T | Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      await this.load();
      return op();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  findById(id: string) {
    return this.#serial(() => this.#byId.get(id));
  }

  findByEmail(email: string) {
    return this.#serial(() => this.#byEmail.get(email));
  }

  list() {
    return this.#serial(() => [...this.#db.data.users]);
  }

  create(input: NewUser) {
    return this.#serial(async () => {
      if (this.#byEmail.has(input.email)) throw new EmailTakenError(input.email);
      let id = generateUserId();
      while (this.#byId.has(id)) id = generateUserId();
      const user: StoredUser = { id, ...input, createdAt: new Date().toISOString() };
      this.#db.data.users.push(user);
      this.#byId.set(id, user);
      this.#byEmail.set(user.email, user);
      try {
        await this.#write();
      } catch (error) {
        // Not on disk: not registered.
        this.#db.data.users = this.#db.data.users.filter((u) => u !== user);
        this.#byId.delete(id);
        this.#byEmail.delete(user.email);
        throw error;
      }
      return user;
    });
  }

  setPasswordHash(id: string, passwordHash: string) {
    return this.#serial(async () => {
      const user = this.#byId.get(id);
      if (!user) return false;
      const previous = user.passwordHash;
      user.passwordHash = passwordHash;
      try {
        await this.#write();
      } catch (error) {
        user.passwordHash = previous;
        throw error;
      }
      return true;
    });
  }

  delete(id: string) {
    return this.#serial(async () => {
      const user = this.#byId.get(id);
      if (!user) return false;
      const before = this.#db.data.users;
      this.#db.data.users = before.filter((u) => u !== user);
      try {
        await this.#write();
      } catch (error) {
        this.#db.data.users = before;
        throw error;
      }
      this.#byId.delete(id);
      this.#byEmail.delete(user.email);
      return true;
    });
  }

  async close(): Promise<void> {
    await this.#queue;
  }
}

/** Opens (or creates) the store in `dataDir`. Throws `StoreError` on a corrupt file. */
export async function openLowdbUserStore(dataDir: string): Promise<UserStore> {
  // Owner-only: the folder holds password hashes and the JWT secret.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const store = new LowdbUserStore(path.join(dataDir, USERS_FILE));
  await store.load();
  return store;
}
