/**
 * The user store interface. One implementation per engine (a JSON file
 * now: json-user-store.ts); the rest of the backend only sees this.
 */
import type { PrivacySettings } from '../../src/protocol/history.js';

/** A user as stored. The hash never leaves the backend (see `toPublicUser`). */
export interface StoredUser {
  id: string;
  name: string;
  /** Normalised: trimmed and lower-cased. `''` for a site account (never looked up by email). */
  email: string;
  /** Self-describing scrypt hash (parameters, salt and key), see broker/passwords.ts. `''` for a site account. */
  passwordHash: string;
  createdAt: string;
  /** A site account (signs in with the site's JWT only, PROTOCOL.md §1); absent for password accounts. */
  site?: SiteAccount;
  /** A guest (PROTOCOL.md §4): no email, no password, one room, a fixed end. */
  guest?: GuestAccount;
  /** Do-not-disturb and invisible (PROTOCOL.md §7); absent: both off. */
  privacy?: PrivacySettings;
}

/** What a guest account may reach, and until when. */
export interface GuestAccount {
  /** The room of the invite the guest came by. */
  room: string;
  /** That invite's code. */
  invite: string;
  /** Unix ms: the guest's tokens, session and account end then. */
  expiresAt: number;
}

/** Who a site account is on its site, and what its latest token granted. */
export interface SiteAccount {
  iss: string;
  sub: string;
  /** The `rooms` claim of the latest token; kept for rooms, not enforced yet. */
  rooms?: string[];
}

/** A site account as its latest token describes it; `id` is derived from `iss` and `sub`. */
export interface SiteUser {
  id: string;
  name: string;
  site: SiteAccount;
}

export interface NewUser {
  name: string;
  email: string;
  passwordHash: string;
}

/** A guest as `POST /api/guest` makes it: a name and what it may reach; no email, no password. */
export interface NewGuest {
  name: string;
  guest: GuestAccount;
}

/** The store file cannot be read or is not a user store: start-up must stop. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** `create` found the email already registered. */
export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
  constructor(email: string) {
    super(`email already registered: ${email}`);
  }
}

export interface UserStore {
  findById(id: string): Promise<StoredUser | undefined>;
  /** `email` must be normalised. */
  findByEmail(email: string): Promise<StoredUser | undefined>;
  list(): Promise<StoredUser[]>;
  /**
   * Users whose do-not-disturb or invisible is on as stored: a backend node that starts reads
   * them, since an invite is checked on the node it passes, not the callee's.
   */
  withPrivacy(): Promise<StoredUser[]>;
  /** Resolves once the user is durably written; rejects with `EmailTakenError` on a duplicate. */
  create(user: NewUser): Promise<StoredUser>;
  /**
   * Creates the site account `id`, or updates its name and site fields when
   * they changed; resolves with the stored user once durable. Rejects with
   * `StoreError` when `id` is a password account.
   */
  saveSiteUser(user: SiteUser): Promise<StoredUser>;
  /** A new guest account (`email` and `passwordHash` are `''`, so no password path reaches it); resolves once durable. */
  createGuest(guest: NewGuest): Promise<StoredUser>;
  /** Returns false when no such user, or it is a site account or a guest (which have no password). */
  setPasswordHash(id: string, passwordHash: string): Promise<boolean>;
  /** Returns false when no such user. */
  delete(id: string): Promise<boolean>;
  /** Stores `privacy` for `id` once durable; the user as stored now, or undefined when no such user. */
  setPrivacy(id: string, privacy: PrivacySettings): Promise<StoredUser | undefined>;
  /** Waits for pending writes. */
  close(): Promise<void>;
}

// Decisions both engines make the same way, on the user as it is now.

/** A new password account. */
export function passwordUser(id: string, input: NewUser): StoredUser {
  return { id, ...input, createdAt: new Date().toISOString() };
}

/** A new guest account: `email` and `passwordHash` are `''`, so no password path reaches it. */
export function guestUser(id: string, { name, guest }: NewGuest): StoredUser {
  return { id, name, email: '', passwordHash: '', createdAt: new Date().toISOString(), guest: { ...guest } };
}

/**
 * The site account `input` describes, made or updated from `existing`;
 * `existing` itself when nothing changed. `StoreError` when `existing` is a
 * password account.
 */
export function siteUserFrom(existing: StoredUser | undefined, { id, name, site }: SiteUser): StoredUser {
  if (existing && !existing.site) throw new StoreError(`user ${id} is a password account, not a site account`);
  if (existing && existing.name === name && JSON.stringify(existing.site) === JSON.stringify(site)) return existing;
  return existing ? { ...existing, name, site } : { id, name, email: '', passwordHash: '', createdAt: new Date().toISOString(), site };
}

/** A site account signs in through its site only, a guest by its link only: a password would be a second way in. */
export function mayHavePassword(user: StoredUser | undefined): user is StoredUser {
  return user !== undefined && !user.site && !user.guest;
}

/** Whether `user` stored a do-not-disturb or invisible that is on (a do-not-disturb's end is checked where it is read). */
export const hasPrivacyOn = (user: StoredUser): boolean => Boolean(user.privacy && (user.privacy.dnd || user.privacy.invisible));
