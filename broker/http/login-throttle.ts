/**
 * Throttles repeated FAILED logins per normalised email and per address.
 * @fastify/rate-limit does the windowed counting (one counter per key, only
 * incremented on a failure); this class remembers which keys are over their
 * limit so the next attempt is refused before any password work.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { normalizeEmail } from '../accounts.js';

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

const MAX_LOCKED_KEYS = 100_000;

export class FailedLoginThrottle {
  readonly #limiters: Limiter[];
  /** key → locked until (ms). */
  readonly #lockedUntil = new Map<string, number>();

  constructor(app: FastifyInstance, options: { perEmail: number; perAddress: number; windowSeconds: number }) {
    const timeWindow = options.windowSeconds * 1000;
    this.#limiters = [
      app.createRateLimit({ keyGenerator: (req) => emailKey(req), max: options.perEmail, timeWindow }),
      app.createRateLimit({ keyGenerator: (req) => addressKey(req), max: options.perAddress, timeWindow }),
    ];
  }

  isLocked(req: FastifyRequest): boolean {
    const now = Date.now();
    return [emailKey(req), addressKey(req)].some((key) => {
      const until = this.#lockedUntil.get(key);
      if (until === undefined) return false;
      if (until > now) return true;
      this.#lockedUntil.delete(key);
      return false;
    });
  }

  async recordFailure(req: FastifyRequest): Promise<void> {
    for (const limiter of this.#limiters) {
      const result = await limiter(req);
      if (!result.isAllowed && result.remaining === 0) {
        if (this.#lockedUntil.size >= MAX_LOCKED_KEYS) this.#prune();
        this.#lockedUntil.set(result.key, Date.now() + result.ttl);
      }
    }
  }

  #prune(): void {
    const now = Date.now();
    for (const [key, until] of this.#lockedUntil) if (until <= now) this.#lockedUntil.delete(key);
    // Still full under a flood: forget the oldest locks rather than grow without bound.
    for (const key of this.#lockedUntil.keys()) {
      if (this.#lockedUntil.size < MAX_LOCKED_KEYS) break;
      this.#lockedUntil.delete(key);
    }
  }
}

function emailKey(req: FastifyRequest): string {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  return `login-email:${typeof email === 'string' ? normalizeEmail(email) : ''}`;
}

function addressKey(req: FastifyRequest): string {
  return `login-address:${req.ip}`;
}
