/**
 * What one PUBLISH costs Redis as subscriptions grow, measured on a real
 * redis-server with Redis's own clock (INFO commandstats `usec_per_call`,
 * after CONFIG RESETSTAT) and from a client (pipelined publishes per second).
 *
 * mqemitter-redis turns every wildcard subscription of the Aedes broker into
 * a Redis PSUBSCRIBE: each client's `rtc/v1/inbox/<id>/+` becomes the pattern
 * `rtc/v1/inbox/<id>/*`, and Redis matches every pattern against every
 * published channel. The layouts compared, each with K subscribed clients:
 *
 * - `pattern per client`: K patterns (what mqemitter-redis does today);
 * - `pattern per node`: one `rtc/v1/inbox/*` per node (each node filters
 *   locally; every node receives every inbox message);
 * - `channel per client`: K exact channels `rtc/v1/inbox/<id>` (SUBSCRIBE: a
 *   hash lookup per publish; the bus would publish to the recipient's channel).
 */
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startRedis } from '../../test/support/redis-server.js';
import { INBOX_PREFIX } from '../../src/protocol/index.js';

export type Layout = 'pattern per client' | 'pattern per node' | 'channel per client';
export const LAYOUTS: readonly Layout[] = ['pattern per client', 'pattern per node', 'channel per client'];

export interface PatternResult {
  layout: Layout;
  clients: number;
  /** Redis's own time per PUBLISH (µs), from INFO commandstats. */
  usecPerPublish: number;
  /** Pipelined publishes per second seen by one client connection. */
  publishesPerSecond: number;
  /** ms to make the K subscriptions (PSUBSCRIBE/SUBSCRIBE, 1000 per command). */
  subscribeMs: number;
  /** Messages the subscriber connection(s) received, out of those published. */
  received: number;
  published: number;
}

const ids = (n: number) => Array.from({ length: n }, () => randomBytes(8).toString('hex'));

/** `usec_per_call` of one command in INFO commandstats. */
export function commandStats(info: string): Map<string, { calls: number; usec: number }> {
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
}

async function subscribe(sub: Redis, layout: Layout, users: string[]): Promise<void> {
  if (layout === 'pattern per node') {
    await sub.psubscribe(`${INBOX_PREFIX}*`);
    return;
  }
  // In batches: one command with 10 000 arguments is fine for Redis, but keeps the client busy.
  for (let i = 0; i < users.length; i += 1000) {
    const batch = users.slice(i, i + 1000);
    if (layout === 'pattern per client') await sub.psubscribe(...batch.map((id) => `${INBOX_PREFIX}${id}/*`));
    else await sub.subscribe(...batch.map((id) => `${INBOX_PREFIX}${id}`));
  }
}

/** One layout with `clients` subscribed: `messages` publishes to random recipients, pipelined 100 at a time. */
async function measure(url: string, layout: Layout, clients: number, messages: number): Promise<PatternResult> {
  const sub = new Redis(url, { lazyConnect: false });
  const pub = new Redis(url);
  try {
    const users = ids(Math.max(clients, 1));
    const subscribeStart = performance.now();
    if (clients > 0) await subscribe(sub, layout, users);
    const subscribeMs = performance.now() - subscribeStart;
    let received = 0;
    sub.on('message', () => (received += 1));
    sub.on('pmessage', () => (received += 1));
    const sender = randomBytes(8).toString('hex');
    const channel = (to: string) => (layout === 'channel per client' ? `${INBOX_PREFIX}${to}` : `${INBOX_PREFIX}${to}/${sender}`);
    const payload = randomBytes(200).toString('base64');
    await pub.config('RESETSTAT');
    const started = performance.now();
    for (let sent = 0; sent < messages; sent += 100) {
      const batch = pub.pipeline();
      for (let i = 0; i < 100 && sent + i < messages; i += 1) batch.publish(channel(users[(sent + i) % users.length]!), payload);
      await batch.exec();
    }
    const elapsed = performance.now() - started;
    const publish = commandStats(await pub.info('commandstats')).get('publish');
    // The last deliveries may still be on their way to the subscriber.
    for (let i = 0; i < 50 && clients > 0 && received < messages; i += 1) await new Promise((r) => setTimeout(r, 20));
    return {
      layout,
      clients,
      usecPerPublish: publish ? publish.usec / publish.calls : NaN,
      publishesPerSecond: (messages / elapsed) * 1000,
      subscribeMs,
      received,
      published: messages,
    };
  } finally {
    sub.disconnect();
    pub.disconnect();
  }
}

/**
 * Every layout at every subscriber count, each on a fresh redis-server: a
 * closed connection's patterns are freed by Redis after it went away, which
 * would otherwise land in the next measurement.
 */
export async function measurePatterns(counts: number[], messages: number): Promise<PatternResult[]> {
  const results: PatternResult[] = [];
  for (const clients of counts) {
    for (const layout of LAYOUTS) {
      if (clients === 0 && layout !== LAYOUTS[0]) continue;
      const redis = await startRedis();
      try {
        results.push(await measure(redis.url, layout, clients, messages));
      } finally {
        await redis.stop();
      }
    }
  }
  return results;
}

/** The table: one row per (layout, clients). */
export function patternTable(results: PatternResult[]): string[] {
  const lines = ['layout               clients   subscribing (ms)   µs/PUBLISH (Redis)   PUBLISH/s (1 conn, pipelined)   delivered'];
  for (const r of results) {
    lines.push(
      `${(r.clients === 0 ? 'no subscriber' : r.layout).padEnd(20)} ${String(r.clients).padStart(7)}   ${r.subscribeMs.toFixed(0).padStart(16)}   ${r.usecPerPublish.toFixed(2).padStart(18)}   ${Math.round(r.publishesPerSecond).toString().padStart(29)}   ${r.received}/${r.published}`,
    );
  }
  return lines;
}
