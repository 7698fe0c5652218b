/**
 * Loaded with `--import` by scripts/test-broker-redis.sh: before each test of the file, the
 * Redis of REDIS_URL is emptied, so each test starts as it does on fresh JSON files (its own
 * accounts, and counts of rate limits and throttles of its own: every test comes from 127.0.0.1).
 */
import { beforeEach } from 'node:test';
import { Redis } from 'ioredis';

const url = process.env.REDIS_URL;
if (url) {
  beforeEach(async () => {
    const redis = new Redis(url, { lazyConnect: true });
    try {
      await redis.connect();
      await redis.flushdb();
    } finally {
      redis.disconnect();
    }
  });
}
