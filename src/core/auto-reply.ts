/**
 * A budget for the widget's automatic replies (`reject` with reason `busy`
 * to an invite that arrives during a call). Other people drive them, but they
 * spend this tab's publish budget at the broker, which disconnects a client
 * that overspends: a stranger sending invites could knock us offline. Past
 * this budget an invite gets no reply; its caller gives up at the ring
 * timeout, as with a callee that is not there.
 */
import { TokenBucket, TokenBuckets } from '../protocol/index.js';

/** Per sender: 2 at once, then one every 10 s. Legit callers ask once per call. */
export const AUTO_REPLY_SENDER_BURST = 2;
export const AUTO_REPLY_SENDER_REFILL_SECONDS = 10;
/** All senders together: 10 at once, then one a second, far under the broker's default 50/s and burst 200. */
export const AUTO_REPLY_TOTAL_BURST = 10;
export const AUTO_REPLY_TOTAL_PER_SECOND = 1;

export class AutoReplyBudget {
  readonly #perSender: TokenBuckets;
  readonly #total: TokenBucket;

  constructor(now = Date.now()) {
    this.#perSender = new TokenBuckets(1 / AUTO_REPLY_SENDER_REFILL_SECONDS, AUTO_REPLY_SENDER_BURST, now);
    this.#total = new TokenBucket(AUTO_REPLY_TOTAL_PER_SECOND, AUTO_REPLY_TOTAL_BURST, now);
  }

  /** Whether to send an automatic reply to `from` now; spends the budget when it does. */
  allow(from: string, now = Date.now()): boolean {
    // Per sender first: one sender's surplus must not spend what others' replies need.
    return this.#perSender.take(from, now) && this.#total.take(now);
  }
}
