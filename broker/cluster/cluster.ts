/**
 * One backend node among several on one Redis (REDIS_URL, issue #15): what
 * the MQTT broker needs to behave as one broker across the nodes.
 *
 * - `mq`: Aedes' message bus on Redis pub/sub (mqemitter-redis), so a
 *   message published on one node reaches subscribers on every node, and so
 *   does Aedes' own `$SYS/<node>/new/clients`: the same clientId connecting
 *   on another node closes the old connection (takeover).
 * - `persistence`: Aedes' retained messages (presence, room calls) in Redis
 *   (aedes-persistence-redis 11, under `rtc-call:mqtt:`), so a subscriber on
 *   any node gets what any node retained; a room's `<parent>/+` reads them
 *   from an index by parent topic (retained-index.ts), not a scan of all.
 *   QoS 2 is not offered on Redis: broker/README.md, "QoS 2 on Redis", says why.
 * - `registry`: sessions per node and per user, heartbeats and the sweep of
 *   dead nodes (node-registry.ts); `presence`: counts and status across
 *   nodes (shared-presence.ts).
 * - `recorder`: the 1:1 call recorder's messages between nodes (shared-recorder.ts);
 *   `cards`: whom invisible users' contact cards were shown (shared-cards.ts).
 * - `reachable()`: false while the node's Redis connection is down; CONNECTs
 *   are then refused (CONNACK 3).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import { DEFAULT_KEY_PREFIX, redactedRedisUrl } from '../store/redis-connection.js';
import { StoreError } from '../store/user-store.js';
import { createBus } from './bus.js';
import { NodeRegistry, type NodeRegistryOptions, type SessionsChange } from './node-registry.js';
import { SharedPresence } from './shared-presence.js';
import { RetainedIndex } from './retained-index.js';
import { SharedCards } from './shared-cards.js';
import { SharedRecorder, type RecorderEvent } from './shared-recorder.js';

/** Aedes' persistence keys, under the deployment's prefix. */
const PERSISTENCE_PREFIX = 'mqtt:';

export interface ClusterOptions {
  maxSessionsPerUser: number;
  /** Tests shorten the heartbeat; production keeps NODE_HEARTBEAT_MS / NODE_TTL_MS. */
  heartbeatMs?: NodeRegistryOptions['heartbeatMs'];
  ttlMs?: NodeRegistryOptions['ttlMs'];
}

/** What the cluster tells the broker: users to republish, and users whose sessions ended elsewhere. */
export interface ClusterListener {
  refresh(userId: string): void;
  sessionsGone(userId: string): void;
  /** Another node told the call recorder something. */
  recorder(event: RecorderEvent): void;
}

export interface Cluster {
  nodeId: string;
  /** Aedes' `mq`. */
  mq: unknown;
  /** Aedes' `persistence`. */
  persistence: unknown;
  registry: NodeRegistry;
  presence: SharedPresence;
  recorder: SharedRecorder;
  cards: SharedCards;
  reachable(): boolean;
  /** Whether another node is up to take over what this one holds (it listens on the recorder's channel). */
  othersListening(): Promise<boolean>;
  /** True for the one node that claims `name` first within `ms` (what every node would do, done once). */
  claimOnce(name: string, ms: number): Promise<boolean>;
  /** Heartbeats, sweeps and the presence channel start; their news go to `listener`. */
  start(listener: ClusterListener): Promise<void>;
  /** After Aedes closed (which closes `mq`): the node leaves Redis and its connections close. */
  close(): Promise<void>;
}

/**
 * The cluster's own connections fail fast while Redis is away (no offline queue): a heartbeat, a
 * publish or a CONNECT's count is refused at once instead of waiting for retries, and a node stopped
 * meanwhile is not held up. ioredis reconnects them (and resubscribes) when Redis is back.
 */
async function connect(url: string, keyPrefix?: string): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5_000,
    enableOfflineQueue: false,
    // A command under way when the connection drops fails after one reconnection attempt, not twenty.
    maxRetriesPerRequest: 1,
    ...(keyPrefix ? { keyPrefix } : {}),
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new StoreError(`Redis at ${redactedRedisUrl(url)} cannot be reached (${(error as Error).message}).`);
  }
  return client;
}

export async function joinCluster(url: string, options: ClusterOptions): Promise<Cluster> {
  const clients: Redis[] = [];
  try {
    for (const keyPrefix of [undefined, undefined, undefined, undefined, DEFAULT_KEY_PREFIX + PERSISTENCE_PREFIX]) {
      clients.push(await connect(url, keyPrefix));
    }
  } catch (error) {
    clients.forEach((client) => client.disconnect());
    throw error;
  }
  return clusterOn(clients as [Redis, Redis, Redis, Redis, Redis], options);
}

function clusterOn(
  [client, pubConn, subConn, channel, persistenceConn]: [Redis, Redis, Redis, Redis, Redis],
  options: ClusterOptions,
): Cluster {
  const nodeId = randomUUID();
  const prefix = DEFAULT_KEY_PREFIX;
  const mq = createBus(pubConn, subConn);
  // mqemitter-redis closes with QUIT and waits for both connections to end, which never happens while
  // Redis is away (ioredis keeps the QUIT queued): a node stopped then would hang. Pub/sub needs no
  // graceful goodbye, so the connections are dropped and the local emitter closed at once.
  const bus = mq as unknown as {
    closing: boolean;
    state: { on(event: 'error', listener: () => void): void };
    close(cb: () => void): void;
    _close(cb: () => void): void;
  };
  // Its connection errors come as 'error' events (which would crash the process unheard): `reachable()` reports them.
  bus.state.on('error', () => undefined);
  bus.close = (cb) => {
    bus.closing = true;
    pubConn.disconnect();
    subConn.disconnect();
    bus._close(cb);
  };
  // Retained messages by parent topic beside the persistence's one hash (retained-index.ts).
  const retained = new RetainedIndex(client, prefix);
  const persistence = retained.wrap(aedesPersistenceRedis({ conn: persistenceConn }));
  const presence = new SharedPresence(client, prefix, nodeId);
  let listener: ClusterListener | undefined;
  // Counts and connections from the registry, made next; read only once the broker relays.
  const recorder = new SharedRecorder(client, prefix, nodeId, {
    count: (userId) => registry.count(userId),
    isConnected: (userId, sid) => registry.isConnected(userId, sid),
    claimOnce: (name, ms) => claimOnce(name, ms),
  });
  const registry = new NodeRegistry(client, {
    nodeId,
    prefix,
    maxSessionsPerUser: options.maxSessionsPerUser,
    heartbeatMs: options.heartbeatMs,
    ttlMs: options.ttlMs,
    onChange: (changes: SessionsChange[]) => changes.forEach(({ userId }) => listener?.sessionsGone(userId)),
  });

  async function start(to: ClusterListener): Promise<void> {
    listener = to;
    channel.on('message', (from: string, message: string) => {
      if (from === recorder.channel) {
        const event = recorder.heard(message);
        if (event) listener?.recorder(event);
        return;
      }
      const userId = presence.announced(message);
      if (userId) listener?.refresh(userId);
    });
    await channel.subscribe(presence.channel, recorder.channel);
    await retained.start(persistence);
    await registry.start();
  }

  async function close(): Promise<void> {
    await registry.stop();
    for (const connection of [client, pubConn, subConn, channel, persistenceConn]) connection.disconnect();
  }

  const reachable = () => [client, pubConn, subConn, persistenceConn].every((c) => c.status === 'ready');
  async function othersListening(): Promise<boolean> {
    try {
      const [, listeners] = (await client.pubsub('NUMSUB', recorder.channel)) as [string, number];
      return Number(listeners) > 1;
    } catch {
      return false;
    }
  }

  const claimOnce = async (name: string, ms: number) => (await client.set(`${prefix}once:${name}`, nodeId, 'PX', ms, 'NX')) === 'OK';
  const cards = new SharedCards(client, prefix);
  return { nodeId, mq, persistence, registry, presence, recorder, cards, reachable, othersListening, claimOnce, start, close };
}
