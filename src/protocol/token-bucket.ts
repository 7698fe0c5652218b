/**
 * Token buckets with the clock passed in: the backend's publish and invite
 * budgets and the widget's budget for automatic replies use the same ones.
 */

/** `rate` tokens per second sustained, `burst` at once. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.#tokens = burst;
    this.#last = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now = Date.now()): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Refilled to the burst: it behaves exactly like a new bucket, so it can be forgotten. */
  isFull(now = Date.now()): boolean {
    this.#refill(now);
    return this.#tokens >= this.burst;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.burst, this.#tokens + (Math.max(0, now - this.#last) / 1000) * this.rate);
    this.#last = Math.max(this.#last, now);
  }
}

/**
 * One bucket per key (a user, a sender → recipient pair). Buckets that have
 * refilled are forgotten once per refill period, so the table only holds keys
 * used within about the last two periods, however many keys come and go.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #refillMs: number;
  #lastSweep: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.#refillMs = (burst / rate) * 1000;
    this.#lastSweep = now;
  }

  take(key: string, now = Date.now()): boolean {
    if (now - this.#lastSweep >= this.#refillMs) this.sweep(now);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.rate, this.burst, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  /** Forgets the buckets that have refilled (also run by `take` once per refill period). */
  sweep(now = Date.now()): void {
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
  }

  /** Keys held now. */
  get size(): number {
    return this.#buckets.size;
  }
}
