/**
 * The user store interface. One implementation per engine (a JSON file
 * now: json-user-store.ts); the rest of the backend only sees this.
 */

/** A user as stored. The hash never leaves the backend (see `toPublicUser`). */
export interface StoredUser {
  id: string;
  name: string;
  /** Normalised: trimmed and lower-cased. */
  email: string;
  /** Self-describing scrypt hash (parameters, salt and key), see broker/passwords.ts. */
  passwordHash: string;
  createdAt: string;
}

export interface NewUser {
  name: string;
  email: string;
  passwordHash: string;
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
  /** Resolves once the user is durably written; rejects with `EmailTakenError` on a duplicate. */
  create(user: NewUser): Promise<StoredUser>;
  /** Returns false when no such user. */
  setPasswordHash(id: string, passwordHash: string): Promise<boolean>;
  /** Returns false when no such user. */
  delete(id: string): Promise<boolean>;
  /** Waits for pending writes. */
  close(): Promise<void>;
}
