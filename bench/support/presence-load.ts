/**
 * Load child of bench/presence-rooms.ts, in its own process so that its CPU
 * and memory are not the backend's: N MQTT.js clients (MQTT 3.1.1 over
 * WebSocket), each subscribed at connect to its inbox and to the presence of
 * its room, as the widget does. It counts every presence message any client
 * receives, and sends fixed-rate inbox messages between members of a room.
 *
 * Commands come from the orchestrator over IPC (`PresenceLoadCommand`), one
 * reply each; every phase is bounded in time.
 */
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { PRESENCE_PREFIX, ROOMS_PREFIX, inboxTopic, inboxWildcard } from '../../src/protocol/index.js';
import type { LatencyResult } from '../broker/protocol.js';
import { closeClients, fixedRateLatency, openSubscribed } from './mqtt-load.js';

export interface PresenceLoadUser {
  id: string;
  /** A valid backend token for `id` (the MQTT password). */
  token: string;
  /** The one room this user is in; users of one room send each other inbox messages. */
  room: string;
  /** The presence subscription for that room (`rtc/v1/presence/+` for the lobby of old clients). */
  presenceFilter: string;
}

export interface ConnectPlan {
  url: string;
  users: PresenceLoadUser[];
  /** Handshakes in flight at once, like a crowd arriving rather than one SYN flood. */
  concurrency: number;
  /**
   * The connect phase ends this long after the first CONNECT even if not
   * everyone connected or saw their room: no new connection is started after it.
   */
  limitMs: number;
}

export interface ConnectResult {
  connected: number;
  failed: number;
  /** Not started: the phase's time limit came first. */
  notStarted: number;
  firstError?: string;
  /** First CONNECT → last SUBACK (inbox and presence subscribed). */
  connectMs: number;
  /** First CONNECT → every client saw every member of its room, or when deliveries stopped (not settled). */
  settledMs: number;
  settled: boolean;
  /**
   * Presence messages received by all clients from the first CONNECT until
   * they stopped coming (duplicates included: a retained message and a live one
   * can both reach a client that subscribes while the user connects).
   */
  deliveries: number;
  /** First CONNECT → the last of those deliveries. */
  drainedMs: number;
  /** Distinct (client, member of its room) pairs seen, out of `expectedPairs`. */
  pairsSeen: number;
  expectedPairs: number;
}

export type PresenceLoadCommand =
  { cmd: 'connect'; plan: ConnectPlan } | { cmd: 'latency'; ratePerSecond: number; durationMs: number } | { cmd: 'close' };

export type PresenceLoadReply =
  | { type: 'connect'; result: ConnectResult }
  | { type: 'latency'; result: LatencyResult }
  | { type: 'closed' }
  | { type: 'error'; message: string };

/** Deliveries stopped for this long with pairs still missing: the backend will not send them. */
const QUIET_MS = 3000;
/** Once everyone saw their room, deliveries still in flight (duplicates) are waited for until this long without one. */
const DRAINED_MS = 1000;
/** About the size of a chat message or a trickled ICE candidate. */
const FILLER = 'candidate:842163049 1 udp 1677729535 192.0.2.10 53501 typ srflx raddr 0.0.0.0 rport 0 generation 0';

interface LoadClient {
  index: number;
  user: PresenceLoadUser;
  mqtt: MqttClient;
  /** Indexes (into the plan's users) of this client's room members; it sends only to them. */
  members: number[];
  /** One bit per member position in `members`: that member's presence was seen. */
  seen: Uint8Array;
  /** The connected members of its room (itself included, at `matePosition`): whom it sends to. One array per room. */
  mates: LoadClient[];
  matePosition: number;
}

let clients: LoadClient[] = [];
let userIndex = new Map<string, number>();
/** Per user index, its position in its room's member list (for the `seen` bits). */
let positionInRoom: number[] = [];
let deliveries = 0;
let pairsSeen = 0;
let lastDeliveryAt = 0;
let disconnected = 0;
/** Inbox deliveries of the running latency phase. */
let onInbox: ((phase: string, sentAt: number) => void) | undefined;

const reply = (message: PresenceLoadReply) => process.send?.(message);

/** The user id at the end of a presence topic, legacy (`rtc/v1/presence/<id>`) or per room (`…/rooms/<room>/presence/<id>`). */
function presenceSubject(topic: string): string | undefined {
  if (topic.startsWith(PRESENCE_PREFIX)) return topic.slice(PRESENCE_PREFIX.length);
  if (topic.startsWith(ROOMS_PREFIX)) {
    const levels = topic.slice(ROOMS_PREFIX.length).split('/');
    if (levels.length === 3 && levels[1] === 'presence') return levels[2];
  }
  return undefined;
}

/** `seen`: the receiving client's bits. */
function handleMessage(seen: Uint8Array, topic: string, payload: Buffer): void {
  const subject = presenceSubject(topic);
  if (subject !== undefined) {
    deliveries += 1;
    lastDeliveryAt = performance.now();
    const index = userIndex.get(subject);
    if (payload.length === 0 || index === undefined) return;
    const position = positionInRoom[index]!;
    const byte = position >> 3;
    const bit = 1 << (position & 7);
    if ((seen[byte]! & bit) === 0) {
      seen[byte]! |= bit;
      pairsSeen += 1;
    }
    return;
  }
  const message = JSON.parse(payload.toString()) as { id: string; sentAt: number };
  onInbox?.(message.id.slice(0, message.id.indexOf('-')), message.sentAt);
}

async function openClient(plan: ConnectPlan, index: number, members: number[]): Promise<LoadClient> {
  const user = plan.users[index]!;
  const seen = new Uint8Array(Math.ceil(members.length / 8));
  const mqtt = await openSubscribed({
    url: plan.url,
    userId: user.id,
    password: user.token,
    clientId: `${user.id}:bench${index}`,
    topics: [inboxWildcard(user.id), user.presenceFilter],
    onMessage: (topic, payload) => handleMessage(seen, topic, payload),
    onLost: () => (disconnected += 1),
  });
  return { index, user, members, seen, mqtt, mates: [], matePosition: 0 };
}

/** Member lists per room, and each user's position in its own. */
function groupByRoom(users: PresenceLoadUser[]): number[][] {
  const rooms = new Map<string, number[]>();
  positionInRoom = new Array<number>(users.length);
  users.forEach((user, i) => {
    let members = rooms.get(user.room);
    if (!members) rooms.set(user.room, (members = []));
    positionInRoom[i] = members.length;
    members.push(i);
  });
  return users.map((user) => rooms.get(user.room)!);
}

/** Fills each client's `mates` (`members` is one array per room, shared by its members: the room's key). */
function groupMates(connected: LoadClient[]): void {
  const byRoom = new Map<number[], LoadClient[]>();
  for (const c of connected) {
    let mates = byRoom.get(c.members);
    if (!mates) byRoom.set(c.members, (mates = []));
    c.mates = mates;
    c.matePosition = mates.length;
    mates.push(c);
  }
}

async function connectAll(plan: ConnectPlan): Promise<ConnectResult> {
  const n = plan.users.length;
  userIndex = new Map(plan.users.map((u, i) => [u.id, i]));
  const membersOf = groupByRoom(plan.users);
  const opened: LoadClient[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  deliveries = 0;
  pairsSeen = 0;
  const start = performance.now();
  const deadline = start + plan.limitMs;
  async function worker(): Promise<void> {
    while (next < n && performance.now() < deadline) {
      const index = next++;
      try {
        opened.push(await openClient(plan, index, membersOf[index]!));
      } catch (error) {
        failed += 1;
        firstError ??= String(error);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, n) }, worker));
  const connectMs = performance.now() - start;
  clients = opened.sort((a, b) => a.index - b.index);
  groupMates(clients);
  // Each connected client sees every connected member of its room, itself included.
  const expectedPairs = clients.reduce((sum, c) => sum + c.mates.length, 0);
  // Settled: every connected client saw every member of its room (only when all connected),
  // or deliveries stopped (the rest will not come), or the time is up.
  const target = expectedPairs;
  lastDeliveryAt = Math.max(lastDeliveryAt, performance.now());
  let seenAllAt: number | undefined;
  for (;;) {
    const now = performance.now();
    if (seenAllAt === undefined && pairsSeen >= target) seenAllAt = now;
    const quiet = now - lastDeliveryAt;
    if ((seenAllAt !== undefined && quiet > DRAINED_MS) || quiet > QUIET_MS || now > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const settled = opened.length === n && seenAllAt !== undefined;
  const settledMs = (seenAllAt ?? Math.min(performance.now(), lastDeliveryAt)) - start;
  return {
    connected: opened.length,
    failed,
    notStarted: n - next,
    ...(firstError !== undefined && { firstError }),
    connectMs,
    settledMs,
    settled,
    deliveries,
    drainedMs: lastDeliveryAt - start,
    pairsSeen,
    expectedPairs,
  };
}

let phaseCounter = 0;

/** From `from` to a random other member of its room, stamped with this process's clock for latency. */
function sendInbox(phase: string, seq: number, from: LoadClient): boolean {
  if (from.mates.length < 2) return false;
  let pick = Math.floor(Math.random() * (from.mates.length - 1));
  if (pick >= from.matePosition) pick += 1;
  const to = from.mates[pick]!;
  const payload = `{"type":"chat","id":"${phase}-${seq}","text":"${FILLER}","ts":${Date.now()},"sentAt":${performance.now()}}`;
  from.mqtt.publish(inboxTopic(to.user.id, from.user.id), payload, { qos: 0 });
  return true;
}

/** Senders in turn, each to a random room-mate. */
function latency(ratePerSecond: number, durationMs: number): Promise<LatencyResult> {
  const phase = `l${++phaseCounter}`;
  let turn = 0;
  return fixedRateLatency({
    ratePerSecond,
    // Nobody to send to (every connection failed): nothing to measure.
    durationMs: clients.length < 2 ? 0 : durationMs,
    send(seq) {
      // Skips a sender alone in its room (connected alone, after a cut); the bound is a guard.
      for (let tries = 0; tries < clients.length && !sendInbox(phase, seq, clients[turn++ % clients.length]!); tries++);
    },
    listen(record) {
      onInbox = record && ((p, sentAt) => p === phase && record(sentAt));
    },
    lost: () => disconnected,
  });
}

async function closeAll(): Promise<void> {
  await closeClients(clients.map((c) => c.mqtt));
  clients = [];
}

process.on('message', (command: PresenceLoadCommand) => {
  const run = async (): Promise<PresenceLoadReply> => {
    switch (command.cmd) {
      case 'connect':
        return { type: 'connect', result: await connectAll(command.plan) };
      case 'latency':
        return { type: 'latency', result: await latency(command.ratePerSecond, command.durationMs) };
      case 'close':
        await closeAll();
        return { type: 'closed' };
    }
  };
  run().then(reply, (error: unknown) => reply({ type: 'error', message: String(error) }));
});
// The orchestrator gone means the run is over.
process.on('disconnect', () => process.exit(0));
