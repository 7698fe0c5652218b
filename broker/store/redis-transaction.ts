/**
 * Optimistic transactions on Redis (WATCH, read, decide, MULTI/EXEC): a
 * change is decided in JavaScript on what Redis holds, and written only if
 * none of the keys it read changed meanwhile, from any process; otherwise it
 * is decided again on the new data. This is what makes "is this email free?"
 * and "take it" one step across backend nodes, like the JSON stores' one
 * queue does within one process.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { SerialQueue } from './changing-file.js';
import { StoreError } from './user-store.js';

/** Attempts before giving up: only reached if other processes change the same keys without pause. */
const MAX_ATTEMPTS = 100;

/** What one attempt decided: its answer, and the writes that make it so (none: nothing to write). */
export interface Decision<T> {
  value: T;
  write?: (multi: ChainableCommander) => void;
}

/** One connection for watched changes, used by one change at a time (WATCH is per connection). */
export class RedisTransactions {
  readonly #queue = new SerialQueue(() => undefined);

  constructor(readonly redis: Redis) {}

  /**
   * Runs `attempt` (which WATCHes with `watch` before each read it decides
   * on) until its writes go through untouched. A throw from `attempt` writes
   * nothing and is passed on.
   */
  run<T>(attempt: (watch: (...keys: string[]) => Promise<void>) => Promise<Decision<T>>): Promise<T> {
    return this.#queue.run(async () => {
      const watch = async (...keys: string[]) => {
        if (keys.length > 0) await this.redis.watch(...keys);
      };
      for (let i = 0; i < MAX_ATTEMPTS; i += 1) {
        let decision: Decision<T>;
        try {
          decision = await attempt(watch);
        } catch (error) {
          await this.redis.unwatch();
          throw error;
        }
        if (!decision.write) {
          await this.redis.unwatch();
          return decision.value;
        }
        const multi = this.redis.multi();
        decision.write(multi);
        const results = await multi.exec();
        // null: a watched key changed; decide again on the new data.
        if (results === null) continue;
        const failed = results.find(([error]) => error);
        if (failed) throw new StoreError(`Redis refused a write: ${failed[0]!.message}`);
        return decision.value;
      }
      throw new StoreError(`a change was retried ${MAX_ATTEMPTS} times: its keys kept changing`);
    });
  }

  /** Resolves once every change begun has settled. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }
}

/** What copying records into Redis did (or, in a dry run, would do). */
export interface CopyCount {
  copied: number;
  /** Already in Redis exactly as copied: a second run copies nothing. */
  alreadyThere: number;
  /** Records Redis holds differently (or an email another account has): nothing of theirs is written. */
  conflicts: string[];
}

/** Records copied per transaction. */
const COPY_CHUNK = 200;

/**
 * Copies `records` in chunks, each one transaction in which `chunk` reads
 * (watched) what Redis holds and says what it would write. A dry run, or a
 * chunk with a conflict, writes nothing; the counts add up over the chunks.
 */
export async function copyInChunks<T>(
  tx: RedisTransactions,
  records: readonly T[],
  dryRun: boolean,
  chunk: (records: readonly T[], watch: (...keys: string[]) => Promise<void>) => Promise<Decision<CopyCount>>,
): Promise<CopyCount> {
  const total: CopyCount = { copied: 0, alreadyThere: 0, conflicts: [] };
  for (let i = 0; i < records.length; i += COPY_CHUNK) {
    const count = await tx.run(async (watch) => {
      const decision = await chunk(records.slice(i, i + COPY_CHUNK), watch);
      return dryRun || decision.value.conflicts.length > 0 ? { value: decision.value } : decision;
    });
    total.copied += count.copied;
    total.alreadyThere += count.alreadyThere;
    total.conflicts.push(...count.conflicts);
  }
  return total;
}
