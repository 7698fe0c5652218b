/**
 * Pure timing decisions of the signalling link: reconnect backoff and token
 * renewal scheduling. Kept apart so node unit tests cover them.
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
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
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
