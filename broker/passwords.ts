/**
 * Password hashing with node:crypto scrypt. The hash string carries its own
 * parameters and salt (`scrypt$N$r$p$salt$key`), so the cost can change later
 * without breaking existing accounts. Every derivation goes through a
 * `HashLimit`.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/**
 * Bounds how many scrypt derivations run at once; the rest wait in order.
 * scrypt runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE),
 * which also serves file I/O and WebCrypto (jose's token checks): eight
 * registrations at once filled it and stalled /api/me and MQTT connects for
 * seconds. `max` 0 = unbounded (the old behaviour, kept for the benchmark).
 */
export class HashLimit {
  #active = 0;
  #peak = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly max: number) {}

  get active(): number {
    return this.#active;
  }
  get waiting(): number {
    return this.#waiting.length;
  }
  /** Most derivations that ran at once. */
  get peak(): number {
    return this.#peak;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot to the next waiter, so `active` never goes over `max`.
    if (this.max > 0 && this.#active >= this.max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active += 1;
    this.#peak = Math.max(this.#peak, this.#active);
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active -= 1;
    }
  }
}

const UNBOUNDED = new HashLimit(0);

function derive(password: string, salt: Buffer, N: number, r: number, p: number, limit: HashLimit): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default maxmem (32 MiB) is below OWASP's N=2^17.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return limit.run(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
      }),
  );
}

export async function hashPassword(password: string, cost: number, limit = UNBOUNDED): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, cost, BLOCK_SIZE, PARALLELISM, limit);
  return ['scrypt', cost, BLOCK_SIZE, PARALLELISM, salt.toString('base64'), key.toString('base64')].join('$');
}

/** False for a wrong password or a hash this code cannot read. */
export async function verifyPassword(password: string, stored: string, limit = UNBOUNDED): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p), limit);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Verifies against a throwaway hash at the same cost, so a login for an
 * unknown email takes as long as one with a wrong password.
 */
export class DummyPassword {
  #hash: Promise<string> | undefined;
  constructor(
    private readonly cost: number,
    private readonly limit = UNBOUNDED,
  ) {}

  prepare(): Promise<string> {
    this.#hash ??= hashPassword(randomBytes(16).toString('hex'), this.cost, this.limit);
    return this.#hash;
  }

  async burn(password: string): Promise<void> {
    await verifyPassword(password, await this.prepare(), this.limit);
  }
}
