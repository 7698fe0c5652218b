/**
 * Retained messages by parent topic, in Redis beside aedes-persistence-redis's own store, so that
 * a SUBSCRIBE to `<parent>/+` (a room's presence) reads that parent's messages only.
 *
 * aedes-persistence-redis 11 keeps every retained message of the deployment in one hash and
 * answers a wildcard SUBSCRIBE by scanning all of it (HSCAN with MATCH visits every field, ten at
 * a time): with 100,000 people online, each room a tab joins would cost Redis some 10,000 HSCAN
 * round trips, at every connection (docs/scaling.md). Here each parent has its own hash,
 * `retained:<parent>` (field: topic; value: `{q, p}`, the QoS and the payload in base64), written
 * with every retained message the broker stores and emptied with it. Filters on topics where
 * nothing is ever retained (every client's `inbox/<id>/+`) are not looked up at all.
 *
 * Messages retained before the index existed are copied in once, by the first node to start with
 * this version (`retained-index` marks it done); until then the index is not used.
 */
import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { INBOX_PREFIX, NOTICE_PREFIX } from '../../src/protocol/index.js';

/** Topics nothing is ever retained on: clients may not retain (access control), the backend retains presence and room calls only. */
const NEVER_RETAINED = [INBOX_PREFIX, NOTICE_PREFIX];

/** What Aedes hands the persistence and reads back: enough of a PUBLISH packet. */
export interface RetainedPacket {
  cmd: 'publish';
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

/** The parts of aedes-persistence-redis's (callback) persistence this wraps. */
interface RetainedStore {
  storeRetained(packet: RetainedPacket, cb?: (error: Error | null) => void): Promise<void> | void;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

/** `<parent>/+` with no other wildcard: its parent; else null. */
export function parentOf(pattern: string): string | null {
  if (!pattern.endsWith('/+')) return null;
  const parent = pattern.slice(0, -2);
  return parent.includes('+') || parent.includes('#') ? null : parent;
}

/** The topic's parent (everything before its last level). */
const parentOfTopic = (topic: string) => topic.slice(0, Math.max(0, topic.lastIndexOf('/')));

export class RetainedIndex {
  #ready = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  #key(parent: string): string {
    return `${this.prefix}retained:${parent}`;
  }

  /** Wraps `persistence` (in place) so that stores also go to the index and `<parent>/+` lookups read it. */
  wrap<P>(persistence: P): P {
    const store = persistence as unknown as RetainedStore;
    const storeRetained = store.storeRetained.bind(store);
    const lookUp = store.createRetainedStreamCombi.bind(store);
    store.storeRetained = (packet, cb) => {
      const stored = Promise.resolve(storeRetained(packet)).then(() => this.store(packet));
      if (!cb) return stored;
      stored.then(() => cb(null), cb);
    };
    store.createRetainedStreamCombi = (patterns) => {
      const indexed: string[] = [];
      const rest: string[] = [];
      for (const pattern of patterns) {
        if (NEVER_RETAINED.some((prefix) => pattern.startsWith(prefix))) continue;
        const parent = this.#ready ? parentOf(pattern) : null;
        if (parent === null) rest.push(pattern);
        else indexed.push(parent);
      }
      if (indexed.length === 0) return rest.length > 0 ? lookUp(rest) : Readable.from([]);
      return Readable.from(this.#matching(indexed, rest.length > 0 ? lookUp(rest) : null));
    };
    return persistence;
  }

  /**
   * Copies what `persistence` retained before this version into the index, once for the whole
   * deployment (the first node to get here), then uses the index. Other nodes wait for the copy.
   */
  async start(persistence: unknown, waitMs = 30_000): Promise<void> {
    const done = `${this.prefix}retained-index`;
    const copying = `${this.prefix}retained-index-copying`;
    const isDone = async () => (await this.redis.get(done)) !== null;
    if (!(await isDone()) && (await this.redis.set(copying, '1', 'PX', waitMs, 'NX')) === 'OK') {
      const all = (persistence as RetainedStore).createRetainedStreamCombi(['#']);
      for await (const packet of all as AsyncIterable<RetainedPacket>) {
        // Only fields not written meanwhile: a message stored during the copy is newer than the one read.
        await this.redis.hsetnx(this.#key(parentOfTopic(packet.topic)), packet.topic, encode(packet));
      }
      await this.redis.set(done, '1');
    }
    const deadline = Date.now() + waitMs;
    while (!(this.#ready = await isDone()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }

  async store(packet: RetainedPacket): Promise<void> {
    const key = this.#key(parentOfTopic(packet.topic));
    if (packet.payload.length === 0) await this.redis.hdel(key, packet.topic);
    else await this.redis.hset(key, packet.topic, encode(packet));
  }

  async *#matching(parents: string[], rest: Readable | null): AsyncGenerator<RetainedPacket> {
    const sent = new Set<string>();
    for (const parent of new Set(parents)) {
      const fields = await this.redis.hgetall(this.#key(parent));
      for (const [topic, value] of Object.entries(fields)) {
        const packet = decode(topic, value);
        if (packet && !sent.has(topic)) {
          sent.add(topic);
          yield packet;
        }
      }
    }
    if (!rest) return;
    for await (const packet of rest as AsyncIterable<RetainedPacket>) if (!sent.has(packet.topic)) yield packet;
  }
}

const encode = (packet: RetainedPacket) => JSON.stringify({ q: packet.qos, p: Buffer.from(packet.payload).toString('base64') });

function decode(topic: string, value: string): RetainedPacket | null {
  try {
    const { q, p } = JSON.parse(value) as { q: unknown; p: unknown };
    if ((q !== 0 && q !== 1 && q !== 2) || typeof p !== 'string') return null;
    return { cmd: 'publish', topic, payload: Buffer.from(p, 'base64'), qos: q, retain: true };
  } catch {
    return null;
  }
}
