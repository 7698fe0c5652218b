/**
 * The load generator, run as its own process so that its CPU and memory are
 * not the broker's: N MQTT.js clients (MQTT 3.1.1 over WebSocket), each
 * subscribed to its inbox and to presence, driven by commands from the
 * orchestrator. Every phase is bounded in count and in time.
 */
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { PRESENCE_PREFIX, PRESENCE_WILDCARD, inboxTopic, inboxWildcard, presenceTopic } from '../../src/protocol/index.js';
import { closeClients, fixedRateLatency, openSubscribed } from '../support/mqtt-load.js';
import type { ConnectResult, LatencyResult, LoadCommand, LoadPlan, LoadReply, PresenceResult, ThroughputResult } from './protocol.js';

/** About the size of a chat message or a trickled ICE candidate. */
const FILLER = 'candidate:842163049 1 udp 1677729535 192.0.2.10 53501 typ srflx raddr 0.0.0.0 rport 0 generation 0';

interface LoadClient {
  index: number;
  userId: string;
  mqtt: MqttClient;
  /** Bit per user index: this client saw that user's presence. */
  seen: Uint8Array;
}

let clients: LoadClient[] = [];
let userIndex = new Map<string, number>();
let disconnected = 0;

let presencePairsSeen = 0;
let presenceDeliveries = 0;
let onPresenceProgress: (() => void) | undefined;

/** Inbox deliveries go to the phase that is running. */
let onInbox: ((phase: string, sentAt: number) => void) | undefined;

const reply = (message: LoadReply) => process.send?.(message);

/** `seen`: the receiving client's bits. */
function handleMessage(seen: Uint8Array, topic: string, payload: Buffer): void {
  if (topic.startsWith(PRESENCE_PREFIX)) {
    presenceDeliveries += 1;
    if (payload.length === 0) return;
    const index = userIndex.get(topic.slice(PRESENCE_PREFIX.length));
    if (index === undefined) return;
    const byte = index >> 3;
    const bit = 1 << (index & 7);
    if ((seen[byte]! & bit) === 0) {
      seen[byte]! |= bit;
      presencePairsSeen += 1;
      onPresenceProgress?.();
    }
    return;
  }
  const message = JSON.parse(payload.toString()) as { id: string; sentAt: number };
  onInbox?.(message.id.slice(0, message.id.indexOf('-')), message.sentAt);
}

async function openClient(plan: LoadPlan, index: number): Promise<LoadClient> {
  const user = plan.users[index]!;
  const seen = new Uint8Array(Math.ceil(plan.users.length / 8));
  const mqtt = await openSubscribed({
    url: plan.url,
    userId: user.id,
    password: user.password,
    clientId: `${user.id}:load${index}`,
    topics: [inboxWildcard(user.id)],
    onMessage: (topic, payload) => handleMessage(seen, topic, payload),
    onLost: () => (disconnected += 1),
  });
  if (plan.presence === 'client') {
    // Bare brokers have no backend: the client announces itself the way the backend would.
    const presence = JSON.stringify({ id: user.id, name: `Load ${index}`, status: 'available', sessions: 1 });
    mqtt.publish(presenceTopic(user.id), presence, { qos: 0, retain: true });
  }
  return { index, userId: user.id, seen, mqtt };
}

async function connectAll(plan: LoadPlan): Promise<ConnectResult> {
  const n = plan.users.length;
  userIndex = new Map(plan.users.map((u, i) => [u.id, i]));
  const opened: LoadClient[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const start = performance.now();
  // A bounded number of handshakes in flight, like a crowd arriving rather than one SYN flood.
  async function worker(): Promise<void> {
    while (next < n) {
      const index = next++;
      try {
        opened.push(await openClient(plan, index));
      } catch (error) {
        failed += 1;
        firstError ??= String(error);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(plan.connectConcurrency, n) }, worker));
  const connectMs = performance.now() - start;
  clients = opened.sort((a, b) => a.index - b.index);
  return { connected: opened.length, failed, ...(firstError !== undefined && { firstError }), connectMs };
}

/**
 * The first `subscribers` clients (all by default) subscribe to presence/+ and wait until
 * each has seen every user (subscribers × N retained deliveries, N² for all).
 */
async function subscribePresence(timeoutMs: number, subscribers: number): Promise<PresenceResult> {
  const start = performance.now();
  const watching = clients.slice(0, subscribers);
  const target = watching.length * userIndex.size;
  const settled = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      onPresenceProgress = undefined;
      resolve(false);
    }, timeoutMs);
    onPresenceProgress = () => {
      if (presencePairsSeen < target) return;
      clearTimeout(timer);
      onPresenceProgress = undefined;
      resolve(true);
    };
    onPresenceProgress();
  });
  for (const client of watching) client.mqtt.subscribe(PRESENCE_WILDCARD, { qos: 0 });
  const ok = await settled;
  const ms = performance.now() - start;
  // Not settled in time: let the backlog drain (bounded) so the next phase measures inbox
  // messages, not presence still in flight.
  const drainDeadline = performance.now() + timeoutMs;
  for (let last = -1; !ok && last !== presenceDeliveries && performance.now() < drainDeadline;) {
    last = presenceDeliveries;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return { settled: ok, ms, drainedMs: performance.now() - start, pairsSeen: presencePairsSeen, deliveries: presenceDeliveries };
}

let phaseCounter = 0;

/**
 * Sends one inbox message from client `from` to a random other client, stamped for latency in
 * `sentAt` (this process's performance clock; `ts` must be wall-clock time, the broker checks it).
 */
function sendInbox(phase: string, seq: number, from: LoadClient): void {
  let toIndex = Math.floor(Math.random() * (clients.length - 1));
  if (toIndex >= from.index) toIndex += 1;
  const to = clients[toIndex]!;
  const payload = `{"type":"chat","id":"${phase}-${seq}","text":"${FILLER}","ts":${Date.now()},"sentAt":${performance.now()}}`;
  from.mqtt.publish(inboxTopic(to.userId, from.userId), payload, { qos: 0 });
}

/** Closed loop: at most `window` messages in flight, so the figure is what the broker sustains. */
function throughput(messages: number, window: number, timeoutMs: number): Promise<ThroughputResult> {
  const phase = `t${++phaseCounter}`;
  const disconnectedBefore = disconnected;
  let sent = 0;
  let delivered = 0;
  let pumping = false;
  const start = performance.now();
  return new Promise((resolve) => {
    const finish = (timedOut: boolean) => {
      clearTimeout(timer);
      onInbox = undefined;
      const elapsedMs = performance.now() - start;
      resolve({
        sent,
        delivered,
        elapsedMs,
        perSecond: (delivered / elapsedMs) * 1000,
        timedOut,
        disconnected: disconnected - disconnectedBefore,
      });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    const pump = () => {
      pumping = false;
      while (sent < messages && sent - delivered < window) {
        sendInbox(phase, sent, clients[sent % clients.length]!);
        sent += 1;
      }
    };
    onInbox = (p) => {
      if (p !== phase) return;
      delivered += 1;
      if (delivered >= messages) return finish(false);
      if (!pumping && sent - delivered < window / 2) {
        pumping = true;
        setImmediate(pump);
      }
    };
    pump();
  });
}

/** Open loop at a fixed offered rate: the latency a user sees when the broker is not saturated. */
function latency(ratePerSecond: number, durationMs: number): Promise<LatencyResult> {
  const phase = `l${++phaseCounter}`;
  return fixedRateLatency({
    ratePerSecond,
    durationMs,
    send: (seq) => sendInbox(phase, seq, clients[seq % clients.length]!),
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

process.on('message', (command: LoadCommand) => {
  const run = async (): Promise<LoadReply> => {
    switch (command.cmd) {
      case 'connect':
        return { type: 'connect', result: await connectAll(command.plan) };
      case 'presence':
        return { type: 'presence', result: await subscribePresence(command.timeoutMs, command.subscribers) };
      case 'throughput':
        return { type: 'throughput', result: await throughput(command.messages, command.window, command.timeoutMs) };
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
