/**
 * The budgets that outlive one connection (PROTOCOL.md §3): per user, shared
 * by all of a user's connections, and per sender → recipient pair for
 * invites. In memory (refilled buckets are forgotten, so they hold only
 * recently active keys); the scale-out store keeps them in Redis behind the
 * same `take`. The per-connection budget is a plain `TokenBucket` that goes
 * with its connection.
 */
import { TokenBuckets } from '../../src/protocol/index.js';
import type { Config } from '../config.js';

/** One budget per key; `take` spends one message and says whether there was one. */
export interface KeyedBudget {
  take(key: string): boolean;
}

export interface SharedBudgets {
  /** Keyed by user id. */
  user: KeyedBudget;
  /** Keyed by `inviteKey(from, to)`. */
  invites: KeyedBudget;
}

/** User ids never hold a newline (USER_ID_PATTERN). */
export const inviteKey = (from: string, to: string): string => `${from}\n${to}`;

export function createSharedBudgets(
  config: Pick<Config, 'userPublishRate' | 'userPublishBurst' | 'inviteBurst' | 'inviteRefillSeconds'>,
): SharedBudgets {
  return {
    user: new TokenBuckets(config.userPublishRate, config.userPublishBurst),
    invites: new TokenBuckets(1 / config.inviteRefillSeconds, config.inviteBurst),
  };
}
