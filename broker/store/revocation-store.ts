/**
 * Revoked sessions, behind an interface like the user store: one
 * implementation per engine (a JSON file in DATA_DIR now, Redis for scale-out), so that every
 * backend node and the admin CLI see the same revocations and they survive a
 * restart.
 */

/** One session family (a sign-in and every token renewed from it) signed out. */
export interface SessionRevocation {
  sid: string;
  userId: string;
  /** Unix ms after which the family has passed SESSION_MAX_AGE anyway: the record can go. */
  until: number;
}

/** Every session of a user signed in before `before` (a password reset, an account deletion). */
export interface UserRevocation {
  userId: string;
  /** Unix ms. */
  before: number;
  /** Unix ms after which every session signed in before `before` has passed SESSION_MAX_AGE. */
  until: number;
}

/** The revocations in force, as one snapshot. */
export interface Revocations {
  /** Revoked session ids. */
  readonly sessions: ReadonlySet<string>;
  /** Per user, the latest cutoff: sessions signed in earlier are revoked. */
  readonly usersBefore: ReadonlyMap<string, number>;
}

export interface RevocationStore {
  /** Resolves once durably written. */
  revokeSession(revocation: SessionRevocation): Promise<void>;
  /** Resolves once durably written; a later cutoff replaces an earlier one. */
  revokeUserSessions(revocation: UserRevocation): Promise<void>;
  /** The current revocations, including those written by other processes (admin CLI, other nodes). */
  current(): Promise<Revocations>;
  /** Waits for pending writes. */
  close(): Promise<void>;
}

/** Whether a token of this session family has been revoked. */
export function isRevoked(revocations: Revocations, session: { sub: string; sid: string; authTime: number }): boolean {
  if (revocations.sessions.has(session.sid)) return true;
  const before = revocations.usersBefore.get(session.sub);
  return before !== undefined && session.authTime < before;
}

/** The records that can still matter at `now` (the others concern sessions past their maximum age). */
export function unexpired<T extends { until: number }>(records: readonly T[], now: number): T[] {
  return records.filter((r) => r.until > now);
}
