/**
 * Starts the whole backend in-process: user store, HTTP API, static files and
 * the MQTT broker on one port. Used by broker/main.ts and by tests.
 *
 * What only a backend on Redis (REDIS_URL) uses is imported when it starts on
 * Redis, not at the top: a single-node backend never loads ioredis and the
 * cluster's packages (test/broker/lazy-redis.test.ts).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Accounts } from './accounts.js';
import { loadConfig, validateConfig, type Config } from './config.js';
import { createHttpApp } from './http/app.js';
import { attachMqttBroker, type MqttBroker } from './mqtt/broker.js';
import { RoomCalls } from './calls/room-calls.js';
import { GuestSweeper } from './rooms/guest-sweeper.js';
import { madeRoomsFrom } from './rooms/made-rooms.js';
import { Membership } from './rooms/membership.js';
import { Sessions } from './sessions.js';
import { openStores } from './store/open-stores.js';
import { NO_NODE_EVENTS } from './store/node-events.js';
import type { MembersChange } from './store/room-store.js';
import type { Notice, PrivacySettings, RoomCall } from '../src/protocol/index.js';
import { MessagesAway } from './messages/messages-away.js';
import { TokenService, resolveJwtSecret } from './tokens.js';

export interface RunningBackend {
  /** http://<host>:<port> */
  origin: string;
  port: number;
  config: Config;
  /** Who is in which room: tests listen to `onChange` to see whose rooms changed. */
  membership: Membership;
  close(): Promise<void>;
}

/** Defaults = loadConfig() (the environment) merged with `overrides`; port 0 = a free port. */
export async function startBackend(overrides: Partial<Config> = {}): Promise<RunningBackend> {
  const config = validateConfig({ ...loadConfig(), ...overrides });
  // JSON files in dataDir, or Redis with REDIS_URL (then shared by every node).
  const stores = await openStores(config);
  const { users: store, revocations, rooms, history, messages: messageStore } = stores;
  const tokens = new TokenService(await resolveJwtSecret(config.jwtSecret, config.dataDir));
  const sessions = new Sessions(tokens, revocations, config);
  const accounts = new Accounts(store, config.scryptCost, config.hashConcurrency);
  // Ready before the first unknown-email login, so that one is not slower than the rest.
  accounts.prepareDummyPassword();
  // On Redis, what other nodes keep in memory and must hear of (rooms re-checked, guests' ends, privacy).
  const nodeEvents = stores.redis ? await (await import('./store/redis-node-events.js')).openRedisNodeEvents(stores.redis) : NO_NODE_EVENTS;
  const membership = new Membership({ lobby: config.lobby, events: nodeEvents });
  membership.useMadeRooms(madeRoomsFrom(rooms));
  const guestSweeper = new GuestSweeper({ store, sessions, membership, events: nodeEvents });
  // The broker publishes the calls' state and knows the connections; it is attached after the app.
  let mqtt: MqttBroker | undefined;
  const callOptions = {
    limits: { video: config.maxCallSize, total: config.maxCallAudioSize },
    publish: (roomId: string, call: RoomCall | null) => mqtt?.publishRoomCall(roomId, call),
  };
  // On Redis the seats are handed out from one place for every node.
  const calls = stores.redis
    ? await (await import('./calls/shared-room-calls.js')).SharedRoomCalls.open(callOptions, stores.redis)
    : new RoomCalls(callOptions);
  const isConnected = async (userId: string, sid: string) => (await mqtt?.isConnected(userId, sid)) ?? false;
  const historyRoutes = {
    history,
    privacyChanged: (userId: string, privacy: PrivacySettings) => {
      mqtt?.privacyChanged(userId, privacy);
      void nodeEvents.tell({ type: 'privacy-changed', userId, privacy }).catch(() => undefined);
    },
    notify: (userId: string, notice: Notice) => mqtt?.notify(userId, notice),
  };
  const messages = new MessagesAway({ store: messageStore, users: store, membership, config, now: config.messagesClock });
  const app = await createHttpApp({
    config,
    accounts,
    sessions,
    membership,
    rooms,
    guestSweeper,
    calls,
    isConnected,
    history: historyRoutes,
    messages,
    redis: stores.redis,
  });
  // Joins, and deletions the admin CLI wrote: the broker re-checks each user whose rooms changed.
  rooms.onMembersChanged((change) => void tellMembership(change).catch((error: unknown) => app.log.error(error)));
  async function tellMembership({ userIds, removedRooms }: MembersChange): Promise<void> {
    // Every node hears of the room store's changes by itself: re-checked here only.
    await Promise.all(userIds.map((id) => membership.changedHere(id)));
    if (removedRooms.length === 0) return;
    // A guest's room is on its account: find the guests of the rooms that went.
    const gone = new Set(removedRooms);
    for (const user of await store.list()) if (user.guest && gone.has(user.guest.room)) await membership.changedHere(user.id);
  }
  const broker = await attachMqttBroker(app.server, { config, store, sessions, membership, calls, history, messages });
  mqtt = broker;
  nodeEvents.on((event) => {
    // The node that took the change told the user's tabs (they hear it on any node): not again from each node.
    if (event.type === 'privacy-changed') broker.privacyChanged(event.userId, event.privacy, false);
  });
  const closeStores = async () => {
    await guestSweeper.stop();
    await nodeEvents.close();
    await stores.close();
  };
  try {
    // Guests that ended while the backend was down go before anyone can use them.
    await guestSweeper.start();
    // Another node may pass an invite to someone whose tabs are elsewhere: learn who has do-not-disturb or invisible on.
    if (stores.redis) for (const user of await store.withPrivacy()) broker.privacyChanged(user.id, user.privacy!, false);
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    await broker.close();
    await closeStores();
    throw error;
  }
  const port = (app.server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    // Stop accepting first, then let clients go (presence cleared), then flush the store.
    closing ??= (async () => {
      const stopped = app.close();
      await broker.close();
      await cutConnectionsAfterGrace(app.server, stopped);
      await closeStores();
    })();
    return closing;
  }

  return { origin: `http://${host}:${port}`, port, config: { ...config, port }, membership, close };
}

/** How long requests in flight get to finish when the backend stops. */
export const CLOSE_GRACE_MS = 2_000;

/**
 * Waits for the HTTP server to close, cutting whatever connections are left
 * after CLOSE_GRACE_MS. Closing the server waits for every connection, and
 * Fastify ends only the idle ones: a connection a browser opened ahead of need
 * and never sent a request on (Chromium does) is not idle, and would hold the
 * shutdown until the browser dropped it, which can be never.
 */
async function cutConnectionsAfterGrace(server: Server, stopped: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, CLOSE_GRACE_MS);
  });
  try {
    await Promise.race([stopped, grace]);
    await stopped;
  } finally {
    clearTimeout(timer);
  }
}
