/**
 * Account rules shared by the HTTP API and the admin CLI: input validation
 * and normalisation (PROTOCOL.md §1), registration, password checks.
 */
import { EMAIL_MAX_LENGTH, UNNAMED, checkName, passwordProblem, sanitizeName, type PublicUser } from '../src/protocol/index.js';
import { DummyPassword, HashLimit, hashPassword, verifyPassword } from './passwords.js';
import type { StoredUser, UserStore } from './store/user-store.js';

/** Input that breaks a rule of the contract; the message says which. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

/** Trimmed and lower-cased, so case or spaces never make a second account (or dodge a throttle). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The shared rule (src/protocol/names.ts); returns the normalised name that gets stored. */
export function validateName(name: string): string {
  const result = checkName(name);
  if (!result.ok) throw new InvalidInputError(result.message);
  return result.name;
}

/**
 * The name the backend shows for a user (API answers, tokens, presence). Names
 * stored before the name rule existed are left as they are in the store and
 * sanitised here, so nobody loses an account and no old name can forge text.
 */
export function shownName(name: string): string {
  return sanitizeName(name) || UNNAMED;
}

export function validateEmail(email: string): string {
  const normalized = normalizeEmail(email);
  const parts = normalized.split('@');
  if (normalized.length > EMAIL_MAX_LENGTH || parts.length !== 2 || !parts[0] || !parts[1] || /\s|\p{Cc}/u.test(normalized)) {
    throw new InvalidInputError(`email must be one address (text@text), at most ${EMAIL_MAX_LENGTH} characters`);
  }
  return normalized;
}

export function validatePassword(password: string): string {
  const problem = passwordProblem(password);
  if (problem) throw new InvalidInputError(problem);
  return password;
}

/** The only user shape that leaves the backend; a guest's says so (PROTOCOL.md §4). */
export function toPublicUser(user: StoredUser): PublicUser {
  return { id: user.id, name: shownName(user.name), email: user.email, ...(user.guest && { guest: true }) };
}

export class Accounts {
  readonly #dummy: DummyPassword;
  /** Every hash and check of a password (register, login, reset) shares this bound. */
  readonly hashing: HashLimit;

  /** `hashConcurrency`: scrypt derivations at once, 0 = unbounded (see `HashLimit`). */
  constructor(
    readonly store: UserStore,
    private readonly scryptCost: number,
    hashConcurrency = 0,
  ) {
    this.hashing = new HashLimit(hashConcurrency);
    this.#dummy = new DummyPassword(scryptCost, this.hashing);
  }

  /** Starts hashing the throwaway password in the background. */
  prepareDummyPassword(): void {
    this.#dummy.prepare().catch(() => undefined); // a failure surfaces on the first use
  }

  /** Validates, hashes and stores; `EmailTakenError` when the email is registered. */
  async register(input: { name: string; email: string; password: string }): Promise<StoredUser> {
    const name = validateName(input.name);
    const email = validateEmail(input.email);
    const password = validatePassword(input.password);
    const passwordHash = await hashPassword(password, this.scryptCost, this.hashing);
    // The store checks uniqueness again inside its write queue: exactly one concurrent registration wins.
    return this.store.create({ name, email, passwordHash });
  }

  /** The user for a correct email and password, else `undefined` (same work either way). */
  async authenticate(email: string, password: string): Promise<StoredUser | undefined> {
    const user = await this.store.findByEmail(normalizeEmail(email));
    if (!user) {
      await this.#dummy.burn(password);
      return undefined;
    }
    return (await verifyPassword(password, user.passwordHash, this.hashing)) ? user : undefined;
  }

  /** The id of the user whose password was set; `undefined` when no user has that email. */
  async resetPassword(email: string, password: string): Promise<string | undefined> {
    const user = await this.store.findByEmail(validateEmail(email));
    if (!user) return undefined;
    const hash = await hashPassword(validatePassword(password), this.scryptCost, this.hashing);
    return (await this.store.setPasswordHash(user.id, hash)) ? user.id : undefined;
  }
}
