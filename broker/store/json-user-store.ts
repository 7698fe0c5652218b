/**
 * The embedded UserStore: one JSON file in DATA_DIR (`users.json`, mode 0600),
 * one user per line. It began on lowdb, whose whole-file rewrite per change
 * (pretty JSON of every user, ~42 ms at 20,000 users) made registrations and
 * token checks queue behind each other. Now:
 *
 * - Reads (token checks, logins, MQTT connects) answer from memory at once,
 *   never behind a write. They see only what is on disk: a registration is
 *   visible once its write finished.
 * - Changes are decided one at a time (so "is this email free?" and "insert"
 *   are one step) and then written together: every change that arrives while
 *   a write runs goes into the next write (group commit). Each change's
 *   promise resolves only after the write that includes it is on disk
 *   (atomic, fsynced; see private-file.ts), and a failed write fails every
 *   change not yet on disk.
 * - Each user's JSON is kept encoded, so a write joins bytes instead of
 *   stringifying every user on the event loop.
 *
 * The admin CLI may change the file while the backend runs; when the store is
 * idle, reads and changes re-read the file when its size or mtime changed, so
 * a user deleted from the CLI is gone for the running backend too.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { validatePrivacy, type PrivacySettings } from '../../src/protocol/history.js';
import { SerialQueue, fileFingerprint } from './changing-file.js';
import { ensurePrivateDir, makePrivate, writePrivateFile } from './private-file.js';
import {
  EmailTakenError,
  StoreError,
  guestUser,
  hasPrivacyOn,
  mayHavePassword,
  passwordUser,
  siteUserFrom,
  type NewGuest,
  type NewUser,
  type SiteUser,
  type StoredUser,
  type UserStore,
} from './user-store.js';

interface Data {
  version: 1;
  users: StoredUser[];
}

export const USERS_FILE = 'users.json';

export interface JsonUserStoreOptions {
  /**
   * Most changes per file write. Default: all that are waiting. 1 = one
   * whole-file write per change, the old behaviour (bench/user-store.ts
   * measures both).
   */
  maxBatch?: number;
  /** Replaces the atomic write (tests hold it to see what waits for it). */
  writeFile?: (file: string, data: Uint8Array) => Promise<void>;
}

/** 16 base64url characters: matches the protocol's id pattern and is unguessable. */
export function generateUserId(): string {
  return randomBytes(12).toString('base64url');
}

function isSiteAccount(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return (
    typeof s.iss === 'string' &&
    typeof s.sub === 'string' &&
    (s.rooms === undefined || (Array.isArray(s.rooms) && s.rooms.every((r) => typeof r === 'string')))
  );
}

function isGuestAccount(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const g = value as Record<string, unknown>;
  return typeof g.room === 'string' && typeof g.invite === 'string' && typeof g.expiresAt === 'number';
}

export function isStoredUser(value: unknown): value is StoredUser {
  if (typeof value !== 'object' || value === null) return false;
  const u = value as Record<string, unknown>;
  return (
    typeof u.id === 'string' &&
    typeof u.name === 'string' &&
    typeof u.email === 'string' &&
    typeof u.passwordHash === 'string' &&
    typeof u.createdAt === 'string' &&
    (u.site === undefined || isSiteAccount(u.site)) &&
    (u.guest === undefined || isGuestAccount(u.guest)) &&
    (u.privacy === undefined || validatePrivacy(u.privacy) !== null)
  );
}

/** Site accounts and guests have no email (`''`): they are never found by email, so no password path reaches them. */
const hasEmail = (user: StoredUser) => user.email !== '';

const encode = (user: StoredUser) => Buffer.from(JSON.stringify(user));
const SEPARATOR = Buffer.from(',\n');
const TAIL = Buffer.from('\n]}\n');

/** One decided change not yet on disk: the user's new state, or null for a deletion. */
interface Change {
  seq: number;
  id: string;
  user: StoredUser | null;
  resolve(): void;
  reject(error: unknown): void;
}

/** A pending value and the change that set it (so a write knows which ones it made durable). */
interface Pending<T> {
  value: T;
  seq: number;
}

class JsonUserStore implements UserStore {
  readonly #file: string;
  readonly #maxBatch: number;
  readonly #writeFile: (file: string, data: Uint8Array) => Promise<void>;

  // What is on disk. Map order = file order.
  #users = new Map<string, StoredUser>();
  #byEmail = new Map<string, StoredUser>();
  #encoded = new Map<string, Buffer>();
  /** The file's other top-level fields, written back as they were. */
  #rest: Record<string, unknown> = { version: 1 };

  // Decided but not yet on disk, in order; and the newest pending state per id and per email.
  #changes: Change[] = [];
  #pendingById = new Map<string, Pending<StoredUser | null>>();
  #pendingEmail = new Map<string, Pending<string | null>>();
  #seq = 0;
  #flushing: Promise<void> | undefined;

  /** Change decisions, one at a time, each on fresh data. */
  readonly #queue = new SerialQueue(() => this.#freshen());
  #reloading: Promise<void> | undefined;
  /** size:mtime of the file as we last read or wrote it. */
  #seen = '';

  constructor(file: string, options: JsonUserStoreOptions) {
    this.#file = file;
    this.#maxBatch = options.maxBatch ?? Number.POSITIVE_INFINITY;
    this.#writeFile = options.writeFile ?? writePrivateFile;
  }

  #fingerprint(): string {
    return fileFingerprint(this.#file);
  }

  /** Reads the file; never replaces an unreadable one. */
  async load(): Promise<void> {
    const fingerprint = this.#fingerprint();
    if (fingerprint === this.#seen) return;
    let data: unknown = { version: 1, users: [] };
    try {
      // No file yet: an empty store, created on the first write.
      if (fingerprint !== 'missing') data = JSON.parse(await readFile(this.#file, 'utf8'));
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
    const { users: _, ...rest } = data as Data;
    this.#rest = { ...rest, version: 1 };
    this.#users = new Map(users.map((u) => [u.id, u]));
    this.#byEmail = new Map(users.filter(hasEmail).map((u) => [u.email, u]));
    this.#encoded = new Map(users.map((u) => [u.id, encode(u)]));
    this.#seen = fingerprint;
  }

  /**
   * Re-reads the file if another process changed it, only while nothing of
   * ours is pending (then our own write may be what changed it). Undefined
   * when there is nothing to wait for: the common case costs one statSync.
   */
  #freshen(): Promise<void> | undefined {
    if (this.#reloading) return this.#reloading;
    if (this.#changes.length > 0 || this.#flushing || this.#fingerprint() === this.#seen) return undefined;
    this.#reloading = this.load().finally(() => (this.#reloading = undefined));
    return this.#reloading;
  }

  async #read<T>(get: () => T): Promise<T> {
    await this.#freshen();
    return get();
  }

  findById(id: string) {
    return this.#read(() => this.#users.get(id));
  }

  findByEmail(email: string) {
    return this.#read(() => (email === '' ? undefined : this.#byEmail.get(email)));
  }

  list() {
    return this.#read(() => [...this.#users.values()]);
  }

  withPrivacy() {
    return this.#read(() => [...this.#users.values()].filter(hasPrivacyOn));
  }

  // Lookups for decisions: pending state first, then the disk's.
  #current(id: string): StoredUser | undefined {
    const pending = this.#pendingById.get(id);
    return pending ? (pending.value ?? undefined) : this.#users.get(id);
  }

  #emailTaken(email: string): boolean {
    const pending = this.#pendingEmail.get(email);
    return pending ? pending.value !== null : this.#byEmail.has(email);
  }

  /**
   * Runs `decide` after every earlier decision (with fresh data), then waits
   * until the changes it recorded are on disk.
   */
  #change<T>(decide: (record: (id: string, user: StoredUser | null) => void) => T): Promise<T> {
    const durable: Promise<void>[] = [];
    const record = (id: string, user: StoredUser | null) => {
      const seq = ++this.#seq;
      const previous = this.#current(id);
      this.#pendingById.set(id, { value: user, seq });
      if (previous && hasEmail(previous) && previous.email !== user?.email) this.#pendingEmail.set(previous.email, { value: null, seq });
      if (user && hasEmail(user)) this.#pendingEmail.set(user.email, { value: id, seq });
      durable.push(new Promise<void>((resolve, reject) => this.#changes.push({ seq, id, user, resolve, reject })));
      this.#flushing ??= this.#flush();
    };
    const decided = this.#queue.run(() => decide(record));
    return decided.then(async (value) => {
      await Promise.all(durable);
      return value;
    });
  }

  /** Writes batches of pending changes until none are left. */
  async #flush(): Promise<void> {
    // Let the decisions already queued join the first write.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#changes.length > 0) {
      const batch = this.#changes.slice(0, this.#maxBatch);
      const upTo = batch.at(-1)!.seq;
      const next = new Map<string, StoredUser | null>();
      for (const change of batch) next.set(change.id, change.user);
      const encoded = new Map<string, Buffer>();
      for (const [id, user] of next) if (user) encoded.set(id, encode(user));

      const parts: Buffer[] = [Buffer.from(`${JSON.stringify(this.#rest).slice(0, -1)},"users":[\n`)];
      const add = (line: Buffer) => {
        if (parts.length > 1) parts.push(SEPARATOR);
        parts.push(line);
      };
      for (const [id, line] of this.#encoded) {
        if (!next.has(id)) add(line);
        else if (encoded.has(id)) add(encoded.get(id)!);
      }
      for (const [id, line] of encoded) if (!this.#users.has(id)) add(line);
      parts.push(TAIL);

      try {
        await this.#writeFile(this.#file, Buffer.concat(parts));
        this.#seen = this.#fingerprint();
      } catch (error) {
        // Not on disk: not done. Later changes may build on these, so they fail too.
        const failed = this.#changes;
        this.#changes = [];
        this.#pendingById.clear();
        this.#pendingEmail.clear();
        this.#flushing = undefined;
        for (const change of failed) change.reject(error);
        return;
      }

      for (const [id, user] of next) {
        const before = this.#users.get(id);
        if (before && hasEmail(before)) this.#byEmail.delete(before.email);
        if (user) {
          this.#users.set(id, user);
          if (hasEmail(user)) this.#byEmail.set(user.email, user);
          this.#encoded.set(id, encoded.get(id)!);
        } else {
          this.#users.delete(id);
          this.#encoded.delete(id);
        }
      }
      for (const [key, pending] of this.#pendingById) if (pending.seq <= upTo) this.#pendingById.delete(key);
      for (const [key, pending] of this.#pendingEmail) if (pending.seq <= upTo) this.#pendingEmail.delete(key);
      this.#changes = this.#changes.slice(batch.length);
      for (const change of batch) change.resolve();
    }
    this.#flushing = undefined;
  }

  #freeId(): string {
    let id = generateUserId();
    while (this.#current(id) || this.#users.has(id)) id = generateUserId();
    return id;
  }

  create(input: NewUser) {
    return this.#change((record) => {
      if (this.#emailTaken(input.email)) throw new EmailTakenError(input.email);
      const user = passwordUser(this.#freeId(), input);
      record(user.id, user);
      return user;
    });
  }

  createGuest(guest: NewGuest) {
    return this.#change((record) => {
      const user = guestUser(this.#freeId(), guest);
      record(user.id, user);
      return user;
    });
  }

  saveSiteUser(input: SiteUser) {
    return this.#change((record) => {
      const user = this.#current(input.id);
      const saved = siteUserFrom(user, input);
      if (saved !== user) record(input.id, saved);
      return saved;
    });
  }

  setPasswordHash(id: string, passwordHash: string) {
    return this.#change((record) => {
      const user = this.#current(id);
      if (!mayHavePassword(user)) return false;
      record(id, { ...user, passwordHash });
      return true;
    });
  }

  setPrivacy(id: string, privacy: PrivacySettings) {
    return this.#change((record) => {
      const user = this.#current(id);
      if (!user) return undefined;
      const saved: StoredUser = { ...user, privacy: { ...privacy } };
      record(id, saved);
      return saved;
    });
  }

  delete(id: string) {
    return this.#change((record) => {
      if (!this.#current(id)) return false;
      record(id, null);
      return true;
    });
  }

  async close(): Promise<void> {
    await this.#queue.idle();
    while (this.#flushing) await this.#flushing;
  }
}

/**
 * Opens (or creates) the store in `dataDir`, making the folder 0700 and the
 * file 0600 even if they existed with other modes. Throws `StoreError` on a
 * corrupt file.
 */
export async function openJsonUserStore(dataDir: string, options: JsonUserStoreOptions = {}): Promise<UserStore> {
  await ensurePrivateDir(dataDir);
  const file = path.join(dataDir, USERS_FILE);
  const store = new JsonUserStore(file, options);
  await store.load();
  await makePrivate(file);
  return store;
}
