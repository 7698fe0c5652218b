/**
 * Do-not-disturb and invisible of the users online on this node (PROTOCOL.md §7), read from the
 * user store at CONNECT and kept current by `POST /api/privacy`. A do-not-disturb with an end
 * turns itself off then: `expired` republishes the user's presence and tells their tabs.
 */
import type { PrivacySettings } from '../../src/protocol/index.js';

export const NO_PRIVACY: PrivacySettings = { dnd: false, dndUntil: null, invisible: false };

/** The settings as they stand at `now`: a do-not-disturb whose end has passed is off. */
export function effectivePrivacy(stored: PrivacySettings | undefined, now: number): PrivacySettings {
  if (!stored) return NO_PRIVACY;
  const dndOn = stored.dnd && (stored.dndUntil === null || stored.dndUntil > now);
  return { dnd: dndOn, dndUntil: dndOn ? stored.dndUntil : null, invisible: stored.invisible };
}

/** Timers past this are not armed (setTimeout's limit); a later end is checked on each read anyway. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class PrivacyBook {
  readonly #settings = new Map<string, PrivacySettings>();
  readonly #ends = new Map<string, NodeJS.Timeout>();

  /** `expired(userId)`: a do-not-disturb with an end just ended. */
  constructor(
    private readonly expired: (userId: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * At CONNECT: the settings as the store had them when the user was read, unless a change made
   * here since is already known (that read may be older than a `POST /api/privacy` that raced
   * it, and an invisible user must never be published on a stale read).
   */
  adopt(userId: string, stored: PrivacySettings | undefined): void {
    if (!this.#settings.has(userId)) this.set(userId, stored);
  }

  /** The user's settings as stored now (a change through `POST /api/privacy`). */
  set(userId: string, stored: PrivacySettings | undefined): void {
    const settings = effectivePrivacy(stored, this.now());
    this.#settings.set(userId, settings);
    clearTimeout(this.#ends.get(userId));
    this.#ends.delete(userId);
    if (settings.dnd && settings.dndUntil !== null) {
      const timer = setTimeout(() => this.#end(userId), Math.min(MAX_TIMER_MS, settings.dndUntil - this.now()));
      timer.unref();
      this.#ends.set(userId, timer);
    }
  }

  get(userId: string): PrivacySettings {
    return effectivePrivacy(this.#settings.get(userId), this.now());
  }

  dnd(userId: string): boolean {
    return this.get(userId).dnd;
  }

  invisible(userId: string): boolean {
    return this.get(userId).invisible;
  }

  close(): void {
    for (const timer of this.#ends.values()) clearTimeout(timer);
    this.#ends.clear();
  }

  #end(userId: string): void {
    this.#ends.delete(userId);
    const settings = this.#settings.get(userId);
    if (!settings) return;
    // A far end re-arms until it is reached.
    if (settings.dnd && settings.dndUntil !== null && settings.dndUntil > this.now()) return this.set(userId, settings);
    this.#settings.set(userId, effectivePrivacy(settings, this.now()));
    this.expired(userId);
  }
}
