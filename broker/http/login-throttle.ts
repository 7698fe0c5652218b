/**
 * Brute-force protection for POST /api/login that cannot be turned against
 * the account's owner. Failures are counted per (email, address), per address
 * and per email, each in a fixed window:
 * - one address that keeps guessing one email is refused (429) for that email;
 * - one address that sprays many emails is refused (429) altogether;
 * - many addresses guessing one email only slow every attempt for that email
 *   down (a growing delay before the password check), never refuse it: the
 *   owner, from their own address, still gets in.
 * The decisions are pure and clock-injected; the counts are in memory (one
 * node) or in Redis (`SharedLoginThrottle`, every node); the HTTP route
 * applies the decision.
 */
import { normalizeEmail } from '../accounts.js';

export interface LoginThrottleOptions {
  /** Failures for one email from one address before that address is refused for it. */
  perEmail: number;
  /** Failures from one address (any email) before it is refused altogether. */
  perAddress: number;
  windowMs: number;
  /** The longest delay one attempt waits while its email is under attack. */
  slowdownMaxMs: number;
  now?: () => number;
}

export type LoginDecision = { refused: true; retryAfterMs: number } | { refused: false; delayMs: number };

/** The first delay once an email has had `perEmail` failures from all addresses; doubles per further failure. */
export const SLOWDOWN_BASE_MS = 250;

const MAX_KEYS = 100_000;

/** Fixed-window counts per key, bounded in size (failed logins here; guests made per address in rooms.ts). */
export class WindowCounter implements WindowCounts {
  readonly #entries = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Failures in the current window, and when it ends. */
  get(key: string): { count: number; resetAt: number } {
    const entry = this.#entries.get(key);
    if (!entry || entry.resetAt <= this.now()) return { count: 0, resetAt: this.now() };
    return entry;
  }

  add(key: string): void {
    const now = this.now();
    const entry = this.#entries.get(key);
    if (entry && entry.resetAt > now) {
      entry.count += 1;
      return;
    }
    this.#entries.delete(key);
    if (this.#entries.size >= MAX_KEYS) this.#prune(now);
    this.#entries.set(key, { count: 1, resetAt: now + this.windowMs });
  }

  take(key: string, limit: number): { taken: boolean; resetAt: number } {
    const { count } = this.get(key);
    if (count < limit) this.add(key);
    return { taken: count < limit, resetAt: this.get(key).resetAt };
  }

  giveBack(key: string): void {
    const entry = this.#entries.get(key);
    if (entry && entry.resetAt > this.now() && entry.count > 0) entry.count -= 1;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Entries are inserted when their window starts, so the Map's order is
   * expiry order: drop from the front what has expired and, under a flood of
   * distinct keys, the oldest too (a tenth at a time, so pruning stays rare).
   */
  #prune(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.resetAt > now && this.#entries.size <= MAX_KEYS * 0.9) break;
      this.#entries.delete(key);
    }
  }
}

/** A fixed-window counter: in memory (`WindowCounter`) or shared by every node (store/redis-window-counter.ts). */
export interface WindowCounts {
  get(key: string): { count: number; resetAt: number } | Promise<{ count: number; resetAt: number }>;
  add(key: string): void | Promise<void>;
  /** Counts one if fewer than `limit` are counted, in one step; `taken` false (nothing counted) otherwise. */
  take(key: string, limit: number): { taken: boolean; resetAt: number } | Promise<{ taken: boolean; resetAt: number }>;
  /** Uncounts one taken whose action did not happen after all. */
  giveBack(key: string): void | Promise<void>;
}

/** What app.ts asks of a throttle; answers may come from memory or from Redis. */
export interface FailedLogins {
  /** What to do with a login attempt, before any password work. */
  check(email: string, address: string): LoginDecision | Promise<LoginDecision>;
  /**
   * A sign-in without an email (a site token, POST /api/session): only the
   * per-address limit applies, counted together with failed logins.
   */
  checkAddress(address: string): LoginDecision | Promise<LoginDecision>;
  recordAddressFailure(address: string): void | Promise<void>;
  recordFailure(email: string, address: string): void | Promise<void>;
}

type Count = { count: number; resetAt: number };

/** The decision from the three counts of one attempt (shared by every engine). */
export function decideLogin(counts: { pair: Count; address: Count; email: Count }, options: Required<LoginThrottleOptions>): LoginDecision {
  const { perEmail, perAddress, slowdownMaxMs, now } = options;
  const locks = [
    { counter: counts.pair, limit: perEmail },
    { counter: counts.address, limit: perAddress },
  ].filter(({ counter, limit }) => counter.count >= limit);
  if (locks.length > 0) {
    return { refused: true, retryAfterMs: Math.max(...locks.map(({ counter }) => counter.resetAt)) - now() };
  }
  const over = counts.email.count - perEmail;
  if (over < 0) return { refused: false, delayMs: 0 };
  // 2^over overflows to Infinity for huge counts; min() still caps it.
  return { refused: false, delayMs: Math.min(slowdownMaxMs, SLOWDOWN_BASE_MS * 2 ** over) };
}

/** The decision for a sign-in without an email, from the address's count. */
export function decideAddress(counter: Count, options: Required<LoginThrottleOptions>): LoginDecision {
  if (counter.count >= options.perAddress) return { refused: true, retryAfterMs: counter.resetAt - options.now() };
  return { refused: false, delayMs: 0 };
}

export class LoginThrottle implements FailedLogins {
  readonly #options: Required<LoginThrottleOptions>;
  readonly #pairs: WindowCounter;
  readonly #addresses: WindowCounter;
  readonly #emails: WindowCounter;

  constructor(options: LoginThrottleOptions) {
    this.#options = { now: Date.now, ...options };
    const { windowMs, now } = this.#options;
    this.#pairs = new WindowCounter(windowMs, now);
    this.#addresses = new WindowCounter(windowMs, now);
    this.#emails = new WindowCounter(windowMs, now);
  }

  check(email: string, address: string): LoginDecision {
    const key = normalizeEmail(email);
    const counts = { pair: this.#pairs.get(pairKey(key, address)), address: this.#addresses.get(address), email: this.#emails.get(key) };
    return decideLogin(counts, this.#options);
  }

  checkAddress(address: string): LoginDecision {
    return decideAddress(this.#addresses.get(address), this.#options);
  }

  recordAddressFailure(address: string): void {
    this.#addresses.add(address);
  }

  recordFailure(email: string, address: string): void {
    const key = normalizeEmail(email);
    this.#pairs.add(pairKey(key, address));
    this.#addresses.add(address);
    this.#emails.add(key);
  }

  /** Keys held (for memory checks). */
  get size(): number {
    return this.#pairs.size + this.#addresses.size + this.#emails.size;
  }
}

/**
 * The same throttle on counters every node shares (REDIS_URL): failures counted through one
 * node hold on the others. `counter(name)` makes one counter per kind of key.
 */
export class SharedLoginThrottle implements FailedLogins {
  readonly #options: Required<LoginThrottleOptions>;
  readonly #pairs: WindowCounts;
  readonly #addresses: WindowCounts;
  readonly #emails: WindowCounts;

  constructor(options: LoginThrottleOptions, counter: (name: string, windowMs: number) => WindowCounts) {
    this.#options = { now: Date.now, ...options };
    this.#pairs = counter('failed-logins-pair', options.windowMs);
    this.#addresses = counter('failed-logins-address', options.windowMs);
    this.#emails = counter('failed-logins-email', options.windowMs);
  }

  async check(email: string, address: string): Promise<LoginDecision> {
    const key = normalizeEmail(email);
    const [pair, byAddress, byEmail] = await Promise.all([
      this.#pairs.get(pairKey(key, address)),
      this.#addresses.get(address),
      this.#emails.get(key),
    ]);
    return decideLogin({ pair, address: byAddress, email: byEmail }, this.#options);
  }

  async checkAddress(address: string): Promise<LoginDecision> {
    return decideAddress(await this.#addresses.get(address), this.#options);
  }

  async recordAddressFailure(address: string): Promise<void> {
    await this.#addresses.add(address);
  }

  async recordFailure(email: string, address: string): Promise<void> {
    const key = normalizeEmail(email);
    await Promise.all([this.#pairs.add(pairKey(key, address)), this.#addresses.add(address), this.#emails.add(key)]);
  }
}

/** An address never contains a newline, so the pair key is unambiguous. */
function pairKey(email: string, address: string): string {
  return `${address}\n${email}`;
}
