/**
 * Helpers for the abuse suite: a tally of what was tried and refused (printed
 * at the end of each file), a legitimate pair of clients that keeps talking
 * while the abuse runs, live heap after a full GC, and raw MQTT over a
 * WebSocket for packets no well-behaved client would send.
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TestContext } from 'node:test';
import type { MqttClient } from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import WebSocket from 'ws';
import { MQTT_PATH, inboxTopic, inboxWildcard, type AuthResponse } from '../../src/protocol/index.js';
import { connectAs, register, request, subscribeGranted, type TestBackend } from '../broker/support.js';

/** What one abuse file tried; `crashes` counts a broker that stopped answering. */
export class Tally {
  /** 'refused' for attacks; 'held' for cases where the backend must keep a promise (nothing lost). */
  constructor(private readonly verb: 'refused' | 'held' = 'refused') {}

  tried = 0;
  refused = 0;
  crashes = 0;
  readonly #lines: string[] = [];

  /** One case: `refused` = the backend said no (or dropped the connection), as it must. */
  record(what: string, refused: boolean, detail = ''): void {
    this.tried += 1;
    if (refused) this.refused += 1;
    const failed = this.verb === 'refused' ? 'ACCEPTED' : 'BROKEN';
    this.#lines.push(`${refused ? this.verb : failed}: ${what}${detail ? ` (${detail})` : ''}`);
  }

  /** Adds `count` cases of one kind at once (fuzzing loops). */
  recordMany(what: string, count: number, refusedCount: number): void {
    this.tried += count;
    this.refused += refusedCount;
    this.#lines.push(`${refusedCount}/${count} ${this.verb}: ${what}`);
  }

  /** Healthz answers, or it counts as a crash. */
  async checkAlive(backend: { origin: string }): Promise<void> {
    try {
      const health = await request(backend, 'GET', '/healthz');
      if (health.status !== 200) this.crashes += 1;
    } catch {
      this.crashes += 1;
    }
  }

  report(t: TestContext): void {
    for (const line of this.#lines) t.diagnostic(line);
    const summary = `cases tried: ${this.tried}, ${this.verb}: ${this.refused}, crashes: ${this.crashes}`;
    t.diagnostic(summary);
    console.log(`abuse summary (${basename(process.argv[1] ?? t.name)}): ${summary}`);
  }
}

let gcFunction: (() => void) | undefined;

/** Live heap of this process (the in-process backend included) after a full GC. */
export async function liveHeapBytes(): Promise<number> {
  if (!gcFunction) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  // Let closed sockets finish their cleanup callbacks first.
  for (let i = 0; i < 3; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    gcFunction();
  }
  return process.memoryUsage().heapUsed;
}

/** Two real users exchanging inbox messages every few milliseconds for as long as the test runs. */
export interface LegitPair {
  a: AuthResponse;
  b: AuthResponse;
  /** Messages sent and received so far. */
  counts(): { sent: number; received: number };
  /** Stops sending and waits (bounded) for in-flight messages; every sent message must have arrived. */
  stop(): Promise<{ sent: number; received: number }>;
}

export async function startLegitPair(t: TestContext, backend: TestBackend, intervalMs = 20): Promise<LegitPair> {
  const a = await register(backend, { name: 'Legit A' });
  const b = await register(backend, { name: 'Legit B' });
  const clientA = await connectAs(t, backend, a, 'legit');
  const clientB = await connectAs(t, backend, b, 'legit');
  await subscribeGranted(clientA, [inboxWildcard(a.user.id)]);
  await subscribeGranted(clientB, [inboxWildcard(b.user.id)]);
  let sent = 0;
  let received = 0;
  const listen = (client: MqttClient, me: AuthResponse, peer: AuthResponse) =>
    client.on('message', (topic, payload) => {
      assert.equal(topic, inboxTopic(me.user.id, peer.user.id), 'the legit pair only hears each other');
      assert.equal((JSON.parse(payload.toString()) as { type: string }).type, 'chat');
      received += 1;
    });
  listen(clientA, a, b);
  listen(clientB, b, a);
  const send = (client: MqttClient, from: AuthResponse, to: AuthResponse) => {
    sent += 1;
    const message = { type: 'chat', id: `m${sent}`, text: `still here ${sent}`, ts: Date.now() };
    client.publish(inboxTopic(to.user.id, from.user.id), JSON.stringify(message), { qos: 0 });
  };
  const timer = setInterval(() => {
    send(clientA, a, b);
    send(clientB, b, a);
  }, intervalMs);
  let stopped: Promise<{ sent: number; received: number }> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      clearInterval(timer);
      const deadline = Date.now() + 3000;
      while (received < sent && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      return { sent, received };
    })();
    return stopped;
  };
  t.after(() => stop());
  return { a, b, stop, counts: () => ({ sent, received }) };
}

/** MQTT packet bytes, as MQTT.js would send them (mqtt-packet, protocol 4). */
export function packetBytes(packet: Partial<Packet> & { cmd: Packet['cmd'] }): Buffer {
  return mqttPacket.generate(packet as Packet, { protocolVersion: 4 });
}

export function connectPacket(user?: AuthResponse, clientId?: string): Buffer {
  return packetBytes({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 60,
    clientId: clientId ?? (user ? `${user.user.id}:raw-${Math.random().toString(36).slice(2, 8)}` : 'anonymous'),
    ...(user && { username: user.user.id, password: Buffer.from(user.token) }),
  });
}

/** A WebSocket speaking raw bytes to the broker; remembers what came back and when it closed. */
export class RawMqttSocket {
  readonly ws: WebSocket;
  readonly received: Buffer[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  closedAt: number | undefined;

  constructor(backend: TestBackend) {
    this.ws = new WebSocket(`${backend.origin.replace(/^http/, 'ws')}${MQTT_PATH}`, 'mqtt');
    this.ws.on('message', (data: Buffer) => this.received.push(data));
    this.ws.on('error', () => undefined);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      this.ws.once('close', () => {
        this.closedAt = Date.now();
        resolve();
      }),
    );
  }

  get isClosed(): boolean {
    return this.closedAt !== undefined;
  }

  send(bytes: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes);
  }

  /** Sends a CONNECT and waits for CONNACK; returns its return code. */
  async connect(user?: AuthResponse, timeoutMs = 5000): Promise<number | undefined> {
    await this.opened;
    this.send(connectPacket(user));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.isClosed) {
      const connack = this.packets().find((p) => p.cmd === 'connack');
      if (connack) return (connack as { returnCode?: number }).returnCode;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.packets().find((p) => p.cmd === 'connack') ? this.connack() : undefined;
  }

  connack(): number | undefined {
    return (this.packets().find((p) => p.cmd === 'connack') as { returnCode?: number } | undefined)?.returnCode;
  }

  /** Every packet the broker sent so far. */
  packets(): Packet[] {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const packets: Packet[] = [];
    parser.on('packet', (p) => packets.push(p));
    parser.on('error', () => undefined);
    for (const chunk of this.received) parser.parse(chunk);
    return packets;
  }

  /** Resolves true when the broker closed the socket within `ms`. */
  async closedWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const result = await Promise.race([this.closed.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }

  close(): void {
    this.ws.terminate();
  }
}
