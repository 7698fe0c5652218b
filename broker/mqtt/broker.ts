/**
 * Aedes over WebSocket at `/mqtt`, on the HTTP server that Fastify owns.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import {
  MAX_MQTT_PAYLOAD_BYTES,
  MQTT_PATH,
  inboxWildcard,
  roomCallTopic,
  type Notice,
  type PrivacySettings,
  type RoomCall,
} from '../../src/protocol/index.js';
import { CallRecorder, systemTimers } from '../history/call-recorder.js';
import { InboxWatch } from '../history/inbox-watch.js';
import { PrivacyBook } from '../history/privacy-book.js';
import type { CallHistoryStore } from '../store/call-history-store.js';
import type { MessagesAway } from '../messages/messages-away.js';
import { RoomCalls } from '../calls/room-calls.js';
import type { Config } from '../config.js';
import type { UserStore } from '../store/user-store.js';
import type { Sessions } from '../sessions.js';
import { createAccessControl } from './access-control.js';
import { LiveSessions } from './live-sessions.js';
import { PacketSizeGuard } from './packet-size-guard.js';
import { PresenceTracker } from './presence.js';
import { createSharedBudgets } from './publish-budget.js';
import { presenceTopicsOf } from './room-acl.js';
import { RoomRoster } from './room-roster.js';
import { SessionLimit } from './session-limit.js';
import type { Membership } from '../rooms/membership.js';

export interface MqttBroker {
  aedes: Aedes;
  presence: PresenceTracker;
  /** The session family of each connection, closed when revoked. */
  live: LiveSessions;
  /** The rooms of each online user, re-read on `Membership.changed`. */
  roster: RoomRoster;
  /** Publishes (retained) a room's group call, or clears it (null) once it ended. */
  publishRoomCall(roomId: string, call: RoomCall | null): void;
  /** Whether `sid` is a connection of `userId`'s now (to any node, with several). */
  isConnected(userId: string, sid: string): Promise<boolean>;
  /**
   * `POST /api/privacy` stored new settings (PROTOCOL.md §7): presence follows, and the user's tabs
   * are told unless `tell` is false (another node's change, which that node told them of).
   */
  privacyChanged(userId: string, stored: PrivacySettings, tell?: boolean): void;
  /** Tells `userId`'s own tabs something on their notice topic (PROTOCOL.md §7). */
  notify(userId: string, notice: Notice): void;
  /** Disconnects every client (clearing presence) and stops the broker. */
  close(): Promise<void>;
}

/** Nodes end a user's do-not-disturb within this of each other (their clocks and timers). */
const DND_END_CLAIM_MS = 10_000;

/** Room for the MQTT header and topic on top of the largest payload we accept. */
const WS_MAX_FRAME_BYTES = MAX_MQTT_PAYLOAD_BYTES + 4 * 1024;
/** A socket that has not sent a valid CONNECT by then holds a slot for nothing (Aedes' default is 30 s). */
export const MQTT_CONNECT_TIMEOUT_MS = 10_000;

export async function attachMqttBroker(
  server: Server,
  deps: {
    config: Config;
    store: UserStore;
    sessions: Sessions;
    membership: Membership;
    calls?: RoomCalls;
    history?: CallHistoryStore;
    messages?: MessagesAway;
  },
): Promise<MqttBroker> {
  const { config } = deps;
  // Several nodes on one Redis: the bus, retained messages, sessions and presence are shared (broker/cluster/).
  // Imported only then: a single-node backend loads none of ioredis, mqemitter-redis, aedes-persistence-redis.
  const cluster =
    config.redisUrl === undefined
      ? undefined
      : await (await import('../cluster/cluster.js')).joinCluster(config.redisUrl, { maxSessionsPerUser: config.maxSessionsPerUser });
  // Without the backend's own (tests of the broker alone): seats kept here, published by this broker.
  const calls =
    deps.calls ??
    new RoomCalls({
      limits: { video: config.maxCallSize, total: config.maxCallAudioSize },
      publish: (roomId, call) => publishRoomCall(roomId, call),
    });
  // The hooks need presence and presence needs the broker: bind it lazily.
  let aedes!: Aedes;
  // Presence and the roster need each other: presence goes to the rooms the roster holds.
  let roster!: RoomRoster;
  // Do-not-disturb and invisible shape presence; a do-not-disturb that ends republishes it.
  let watch!: InboxWatch;
  /** The user's tabs hear their settings as they stand (PROTOCOL.md §7). */
  const tellPrivacy = (userId: string) => watch.notify(userId, { type: 'privacy', privacy: privacy.get(userId) });
  const privacy = new PrivacyBook((userId) => {
    presence.moved(userId);
    // Several nodes: each keeps the settings and ends the do-not-disturb at the same moment; one tells the tabs.
    if (!cluster) return tellPrivacy(userId);
    void cluster.claimOnce(`privacy-ended:${userId}`, DND_END_CLAIM_MS).then(
      (mine) => mine && tellPrivacy(userId),
      () => tellPrivacy(userId),
    );
  });
  const presence = new PresenceTracker(
    (packet, callback) => aedes.publish(packet, callback),
    (userId) => {
      const member = roster.get(userId);
      return member ? presenceTopicsOf(member) : [];
    },
    privacy,
    cluster?.presence,
  );
  const history = deps.history;
  const recorder = history
    ? new CallRecorder({
        // The retention's clock (tests move it), so that entries are dated on the clock that expires them.
        ...(config.historyClock ? { timers: { ...systemTimers, now: config.historyClock } } : {}),
        ...(config.callLostGraceMs !== undefined ? { lostGraceMs: config.callLostGraceMs } : {}),
        nameOf: (userId) => presence.nameOf(userId),
        tabsOf: (userId) => roster.get(userId)?.clients.size ?? 0,
        // Several nodes: the others tell this one when the connections of a call it holds drop or come back.
        ...(cluster
          ? {
              watch: (call: string, sids: string[] | null) =>
                cluster.recorder.tell(sids ? { type: 'watch', call, sids } : { type: 'unwatch', call }),
            }
          : {}),
        save: (call) => {
          void history
            .add(call.entries)
            .then(() => [call.caller, call.callee].forEach((userId) => watch.notify(userId, { type: 'calls' })))
            .catch(() => {
              // The store refused the write (disk full): the call is not in the history; nothing else depends on it.
            });
        },
      })
    : null;
  watch = new InboxWatch({
    recorder,
    privacy,
    card: (userId) => presence.card(userId),
    tabsOf: (userId) => [...(roster.get(userId)?.clients ?? [])].map((client) => client.id),
    publish: (packet) => aedes.publish(packet, () => {}),
    ...(cluster ? { link: cluster.recorder, cards: cluster.cards } : {}),
  });
  roster = new RoomRoster(deps.membership, deps.store, (userId) => presence.moved(userId));
  const stopFollowingMembership = deps.membership.onChange(async (userId) => {
    await roster.refresh(userId);
    // Offline users' seats go by the lost-seat rule; an online user's go with the rooms they lost.
    const member = roster.get(userId);
    if (member) calls.roomsChanged(userId, (roomId) => member.rooms.has(roomId));
  });
  const live = new LiveSessions(deps.sessions);
  const access = createAccessControl({
    sessions: deps.sessions,
    live,
    store: deps.store,
    presence,
    calls,
    roster,
    publishRate: config.publishRate,
    publishBurst: config.publishBurst,
    budgets: createSharedBudgets(config),
    sessionLimit: cluster?.registry ?? new SessionLimit(config.maxSessionsPerUser),
    maxSubscriptionsPerClient: config.maxSubscriptionsPerClient,
    watch,
    privacy,
    maxFileBytes: config.maxFileBytes,
    sharedStateReachable: cluster?.reachable,
    refuseQos2: cluster !== undefined,
    acrossNodes: cluster !== undefined,
  });
  aedes = await Aedes.createBroker({
    authenticate: access.authenticate,
    authorizePublish: access.authorizePublish,
    authorizeSubscribe: access.authorizeSubscribe,
    authorizeForward: access.authorizeForward,
    // clientIds are `<userId>:<random>`, longer than MQTT 3.1's 23 characters.
    maxClientsIdLength: 128,
    maxTopicLevels: 8,
    connectTimeout: MQTT_CONNECT_TIMEOUT_MS,
    // No global cap on messages in flight (Aedes' default is 100). Past the cap mqemitter
    // queues, and when a slot frees it runs queued messages that match no subscriber
    // synchronously, one inside the other: a few thousand of them behind stalled deliveries
    // overflowed the stack and killed the backend (test/abuse/load-crash.test.ts). The cap
    // also let 100 messages to one slow reader stall every other client for up to the
    // drain timeout. Each connection still has one batch of publishes in flight at a time
    // (Aedes reads on once a batch is delivered), so the work in flight stays bounded.
    concurrency: 0,
    ...(cluster ? { id: cluster.nodeId, mq: cluster.mq, persistence: cluster.persistence } : {}),
  });
  await cluster?.start({
    refresh: (userId) => presence.refresh(userId),
    sessionsGone: (userId) => {
      presence.sessionsGone(userId);
      // A dead node's tabs: an invisible user's cards go if that was their last tab anywhere.
      if (!roster.get(userId)) watch.offlineHere(userId);
    },
    recorder: (event) => watch.heard(event),
  });
  aedes.on('clientReady', access.clientReady);
  aedes.on('clientDisconnect', access.clientGone);
  aedes.on('unsubscribe', access.unsubscribed);
  const { messages } = deps;
  if (messages) {
    messages.attach({
      publish: (topic, payload) =>
        aedes.publish(
          { cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(payload)), qos: 1, retain: false, dup: false },
          () => {},
        ),
      isOnline: (userId) => roster.get(userId) !== undefined,
    });
    // Messages kept while away go to a connection once its inbox subscription is in place (PROTOCOL.md §8),
    // to that connection only: Aedes' own per-client delivery (as for retained messages), through authorizeForward.
    aedes.on('subscribe', (subscriptions, client) => {
      const userId = client.id.slice(0, client.id.indexOf(':'));
      const inbox = subscriptions.find((s) => s.topic === inboxWildcard(userId) && (s.qos as number) !== 128);
      if (!inbox) return;
      const deliver = (client as unknown as { deliverQoS(packet: object, done: () => void): void }).deliverQoS;
      const send = (topic: string, payload: object) =>
        deliver(
          { cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(payload)), qos: inbox.qos, retain: false, dup: false },
          () => {},
        );
      void messages.deliverTo(userId, send).catch(() => undefined);
    });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_FRAME_BYTES });
  wss.on('connection', (ws, req: IncomingMessage) => {
    // Checked before the bytes reach Aedes' parser, which would buffer a declared huge packet.
    const guard = new PacketSizeGuard(WS_MAX_FRAME_BYTES);
    ws.on('message', (data: Buffer) => {
      if (!guard.accept(data)) ws.terminate();
    });
    const stream = createWebSocketStream(ws);
    // mqtt-packet writes one packet as several chunks between cork() and uncork(), and
    // ws' stream has no _writev: each chunk became a WebSocket frame of its own (four or
    // five per message, a writev syscall each, and as many frames for the browser to parse).
    // One frame per corked batch instead; MQTT over WebSocket allows any framing.
    stream._writev = (chunks, callback) => {
      const data = chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk as Buffer));
      stream._write(data, 'buffer' as BufferEncoding, callback);
    };
    const client = aedes.handle(stream, req);
    // A connection can end before Aedes registers the client; clean up either way.
    stream.on('close', () => access.clientGone(client));
    stream.on('error', () => stream.destroy());
  });

  const allowed = config.allowedOrigins;
  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    const origin = req.headers.origin;
    if (path !== MQTT_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    // Tokens, not cookies, authorise; the origin list still applies to browsers on other sites.
    if (allowed !== '*' && origin !== undefined && !allowed.includes(origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }
  server.on('upgrade', onUpgrade);
  live.start();

  async function close(): Promise<void> {
    server.off('upgrade', onUpgrade);
    calls.close();
    // Several nodes: the calls held here go on being recorded by another node, if one is up.
    if (cluster && (await cluster.othersListening())) watch.handOver((sid) => Boolean(aedesClients()[sid]));
    else recorder?.close();
    privacy.close();
    stopFollowingMembership();
    await live.stop();
    const clients = Object.values((aedes as unknown as { clients: Record<string, { close(cb: () => void): void }> }).clients);
    await Promise.all(clients.map((client) => new Promise<void>((resolve) => client.close(resolve))));
    await presence.settled();
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await cluster?.close();
  }

  function publishRoomCall(roomId: string, call: RoomCall | null): void {
    const payload = Buffer.from(call ? JSON.stringify(call) : '');
    aedes.publish({ cmd: 'publish', topic: roomCallTopic(roomId), payload, qos: 0, retain: true, dup: false }, () => {});
  }

  function aedesClients(): Record<string, unknown> {
    return (aedes as unknown as { clients: Record<string, unknown> }).clients;
  }

  // Aedes keeps its clients by id; CONNECT made sure an id starting with `<userId>:` is that user's.
  async function isConnected(userId: string, sid: string): Promise<boolean> {
    if (!sid.startsWith(`${userId}:`)) return false;
    if (aedesClients()[sid]) return true;
    return cluster ? cluster.registry.isConnected(userId, sid) : false;
  }

  function privacyChanged(userId: string, stored: PrivacySettings, tell = true): void {
    privacy.set(userId, stored);
    presence.moved(userId);
    // Visible again: the cards shown while invisible give way to presence in the rooms.
    if (!privacy.invisible(userId)) watch.hideCards(userId);
    if (tell) tellPrivacy(userId);
  }

  const notify = (userId: string, notice: Notice) => watch.notify(userId, notice);

  return { aedes, presence, live, roster, publishRoomCall, isConnected, privacyChanged, notify, close };
}
