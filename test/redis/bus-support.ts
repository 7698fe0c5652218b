/**
 * Backend nodes on one real redis-server, for the cluster tests of the MQTT
 * side (bus-, presence-, takeover-, redis-down-*.test.ts), and the presence
 * of one user as a queue a test awaits.
 */
import type { TestContext } from 'node:test';
import type { MqttClient } from 'mqtt';
import type { Config } from '../../broker/config.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { presenceTopic } from '../../src/protocol/index.js';
import { connectAs, register, startTestBackend, subscribeGranted, tempDir, type Received, type TestBackend } from '../broker/support.js';

export const JWT_SECRET = 'one secret that every node shares, long enough';

/** `count` in-process nodes on `redis` (a fresh redis-server when absent), each with `config` on top. */
export async function startNodes(
  t: TestContext,
  count: number,
  redis?: TestRedis,
  config: Partial<Config> = {},
): Promise<{ redis: TestRedis; nodes: TestBackend[] }> {
  const server = redis ?? (await startRedis(t));
  const nodes: TestBackend[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push(
      await startTestBackend({ closeAfter: t, redisUrl: server.url, jwtSecret: JWT_SECRET, dataDir: await tempDir(t), ...config }),
    );
  }
  return { redis: server, nodes };
}

/** Two nodes A and B with `names` registered alternately on them (A first). */
export async function twoNodes(t: TestContext, names: string[] = ['Alice', 'Bob']) {
  const { redis, nodes } = await startNodes(t, 2);
  const [a, b] = nodes as [TestBackend, TestBackend];
  const users = [];
  for (const [i, name] of names.entries()) users.push(await register(i % 2 ? b : a, { name }));
  return { redis, a, b, users };
}

/** Alice (registered on A) and Bob watching her legacy presence from B: the start of the presence tests. */
export async function aliceWatchedFromB(t: TestContext) {
  const { a, b, users } = await twoNodes(t);
  const [alice, bob] = users as [(typeof users)[0], (typeof users)[0]];
  const watcher = await connectAs(t, b, bob);
  const updates = messagesOn(watcher, presenceTopic(alice.user.id));
  await subscribeGranted(watcher, ['rtc/v1/presence/+']);
  return { a, b, alice, bob, watcher, updates };
}

/** The messages `client` gets on `topic`, in arrival order. */
export function messagesOn(client: MqttClient, topic: string) {
  const queue: Received[] = [];
  const waiters: Array<(m: Received) => void> = [];
  client.on('message', (got, payload, packet) => {
    if (got !== topic) return;
    const message = { topic: got, payload: payload.toString(), retain: packet.retain };
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  return {
    next(timeoutMs = 20_000): Promise<Received> {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing on ${topic} in ${timeoutMs} ms`)), timeoutMs);
        waiters.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
    },
    /** Skips messages until one matches (presence may be republished by more than one node). */
    async until(match: (m: Received) => boolean, timeoutMs = 20_000): Promise<Received> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const m = await this.next(Math.max(1, end - Date.now()));
        if (match(m)) return m;
      }
    },
  };
}

/** The presence payload's session count, or 0 for a retained delete. */
export function sessionsIn(message: Received): number {
  return message.payload === '' ? 0 : (JSON.parse(message.payload) as { sessions: number }).sessions;
}
