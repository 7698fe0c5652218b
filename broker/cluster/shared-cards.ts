/**
 * Who has been shown an invisible user's contact card (PROTOCOL.md §7), on Redis (REDIS_URL):
 * the card may go out from any node the user has a tab on, and must be taken back by whichever
 * node sees them go offline everywhere or turn visible. `contact-cards:<userId>` is the set of
 * people shown it; taking it back reads and deletes it in one step, so each is told once.
 */
import type { Redis } from 'ioredis';
import type { ShownCards } from '../history/inbox-watch.js';

export class SharedCards implements ShownCards {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  #key(userId: string): string {
    return `${this.prefix}contact-cards:${userId}`;
  }

  add(from: string, to: string): void {
    // Redis away: that card is not taken back by another node; this node's own list still has it.
    void this.redis.sadd(this.#key(from), to).catch(() => undefined);
  }

  async take(from: string): Promise<string[]> {
    const results = await this.redis.multi().smembers(this.#key(from)).del(this.#key(from)).exec();
    const members = results?.[0]?.[1];
    return Array.isArray(members) ? members.map(String) : [];
  }
}
