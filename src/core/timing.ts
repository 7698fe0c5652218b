/**
 * Pure timing decisions of the signalling link (reconnect backoff, token
 * renewal scheduling) and of a call's lost media link. Kept apart so node
 * unit tests cover them.
 */

export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  baseMs: number;
  /** Upper bound, in ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * Exponential backoff with jitter: attempt 0 waits about `baseMs`, each
 * further attempt doubles, capped at `maxMs`. The delay is in [cap/2, cap] so
 * many clients dropped at once (a broker restart) do not come back in lockstep.
 */
export function reconnectDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(0, Math.floor(attempt));
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(n, 30));
  return Math.round(cap / 2 + random() * (cap / 2));
}

export interface TokenTimes {
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

/** Reads `iat`/`exp` from a JWT without verifying it (the server verifies; we only schedule). */
export function readTokenTimes(token: string): TokenTimes | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '=');
    const claims = JSON.parse(atob(b64)) as Record<string, unknown>;
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number' || !(exp > iat)) return null;
    return { iat, exp };
  } catch {
    return null;
  }
}

/** Longest delay setTimeout accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * How long after receiving `token` to renew it: at `fraction` of its
 * lifetime, less the second `iat` may have been rounded down by. Measured from
 * receipt with the token's own lifetime (exp − iat), so a skewed client clock
 * does not matter. `null` when the token has no
 * readable lifetime.
 */
export function tokenRenewalDelayMs(token: string, fraction = 0.8): number | null {
  const times = readTokenTimes(token);
  if (!times) return null;
  // `iat` is whole seconds, so up to one second of the lifetime may be gone already.
  const ms = (times.exp - times.iat) * 1000 * fraction - 1000;
  return Math.min(MAX_TIMER_MS, Math.max(1_000, Math.round(ms)));
}

/** Whether ICE credentials fetched at `fetchedAt` with `ttlSeconds` should be refreshed before a call. */
export function iceServersNeedRefresh(fetchedAt: number, ttlSeconds: number, now: number, fraction = 0.8): boolean {
  return now - fetchedAt >= ttlSeconds * 1000 * fraction;
}

export interface LostLinkLimits {
  /** No packet for this long ends the call (issue #7: back within 10 s recovers, lost ends within 15 s). */
  lossLimitMs: number;
  /** How often a lost link's packets are looked at. */
  watchMs: number;
  /** A last packet at most this old means media flows again. */
  flowingMs: number;
}

export const LOST_LINK_LIMITS: LostLinkLimits = { lossLimitMs: 13_000, watchMs: 1_000, flowingMs: 1_500 };

export type LostLinkStep = { end: true } | { end: false; interrupted: boolean; checkInMs: number };

/**
 * One look at a link the browser reports lost, given how long ago its last
 * packet arrived (null: the statistics do not say). `due`: this look is a
 * scheduled re-check, so unknown silence has lasted the whole limit. Not
 * ended: whether to show the interruption, and when to look again (every
 * `watchMs`, and exactly when the limit would be reached).
 */
export function lostLinkStep(silenceMs: number | null, due: boolean, limits: LostLinkLimits = LOST_LINK_LIMITS): LostLinkStep {
  if (silenceMs === null) return due ? { end: true } : { end: false, interrupted: true, checkInMs: limits.lossLimitMs };
  // Timers fire a little early or late: within 50 ms of the limit is the limit.
  if (silenceMs >= limits.lossLimitMs - 50) return { end: true };
  return { end: false, interrupted: silenceMs > limits.flowingMs, checkInMs: Math.min(limits.watchMs, limits.lossLimitMs - silenceMs) };
}
