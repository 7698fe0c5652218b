/**
 * Sessions (PROTOCOL.md §2): a sign-in starts a session family, renewals keep
 * it until SESSION_MAX_AGE after the sign-in, and a logout, a password reset
 * or an account deletion revokes it. The HTTP API and the broker both accept
 * a token only through `verify`, so a revoked token is refused everywhere.
 */
import type { RevocationStore, Revocations } from './store/revocation-store.js';
import { isRevoked } from './store/revocation-store.js';
import { newSessionFamily, type SessionFamily, type TokenClaims, type TokenService } from './tokens.js';

export interface SessionPolicy {
  tokenTtlSeconds: number;
  sessionMaxAgeSeconds: number;
}

/** Unix ms at which a session family ends for good. */
export function sessionEnd(family: SessionFamily, maxAgeSeconds: number): number {
  return family.authTime + maxAgeSeconds * 1000;
}

/**
 * Expiry (Unix seconds) of a token issued at `now` for `family`: one TTL
 * ahead, but never past the session's end nor `accountEnd` (Unix ms, a
 * guest's end); `null` once too little is left for a token (the visitor
 * signs in again).
 */
export function tokenExpiry(family: SessionFamily, now: number, policy: SessionPolicy, accountEnd = Infinity): number | null {
  const end = Math.min(now + policy.tokenTtlSeconds * 1000, sessionEnd(family, policy.sessionMaxAgeSeconds), accountEnd);
  const expiresAt = Math.floor(end / 1000);
  return expiresAt * 1000 > now ? expiresAt : null;
}

/** A user as sessions see it: a guest's account ends at `guest.expiresAt`, and its tokens with it. */
export interface SessionUser {
  id: string;
  name: string;
  /** Unix ms after which no token of this user is valid (guests). */
  endsAt?: number;
}

/**
 * Revokes every session of a user signed in until `now` (a password reset, an
 * account deletion). The admin CLI calls it too, without a token service.
 */
export function revokeUserSessions(store: RevocationStore, userId: string, maxAgeSeconds: number, now = Date.now()): Promise<void> {
  return store.revokeUserSessions({ userId, before: now, until: now + maxAgeSeconds * 1000 });
}

export class Sessions {
  readonly #listeners = new Set<() => void>();

  constructor(
    private readonly tokens: TokenService,
    private readonly revocations: RevocationStore,
    private readonly policy: SessionPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token of a new session family. Only an account that has ended (a guest's) gets none: that throws. */
  async signIn(user: SessionUser): Promise<string> {
    const family = newSessionFamily(this.now());
    const expiresAt = tokenExpiry(family, family.authTime, this.policy, user.endsAt);
    if (expiresAt === null) throw new Error(`the account of ${user.id} has ended`);
    return this.tokens.issue(user, family, expiresAt);
  }

  /** A fresh token of the same family, or `null` when the family is past its maximum age or the account's end. */
  async renew(claims: TokenClaims, user: SessionUser): Promise<string | null> {
    const expiresAt = tokenExpiry(claims, this.now(), this.policy, user.endsAt);
    return expiresAt === null ? null : this.tokens.issue(user, claims, expiresAt);
  }

  /** The claims of a valid token whose session is neither too old nor revoked; `null` otherwise. */
  async verify(token: string): Promise<TokenClaims | null> {
    const claims = await this.tokens.verify(token);
    if (!claims || !this.isLive(claims, await this.revocations.current())) return null;
    return claims;
  }

  /** Whether a verified session still stands: within SESSION_MAX_AGE and not revoked. */
  isLive(claims: Pick<TokenClaims, 'sub' | 'sid' | 'authTime'>, revocations: Revocations): boolean {
    return this.now() < sessionEnd(claims, this.policy.sessionMaxAgeSeconds) && !isRevoked(revocations, claims);
  }

  /** The revocations in force (also those another process wrote). */
  current(): Promise<Revocations> {
    return this.revocations.current();
  }

  /** Signs out one session family: this token and every token renewed from it. */
  async logout(claims: TokenClaims): Promise<void> {
    await this.revocations.revokeSession({
      sid: claims.sid,
      userId: claims.sub,
      until: sessionEnd(claims, this.policy.sessionMaxAgeSeconds),
    });
    this.#notify();
  }

  /** Revokes every session of a user signed in until now (password reset, account deletion). */
  async revokeUser(userId: string): Promise<void> {
    await revokeUserSessions(this.revocations, userId, this.policy.sessionMaxAgeSeconds, this.now());
    this.#notify();
  }

  /** Called after a revocation made in this process (others are seen by polling `current`). */
  onRevoked(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
