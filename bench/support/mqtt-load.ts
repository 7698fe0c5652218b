/**
 * MQTT.js clients of the load benchmarks' load processes
 * (bench/broker/load-client.ts, bench/support/presence-load.ts): one
 * authenticated MQTT 3.1.1 connection that counts as open only once every
 * subscription it asked for was granted, and a fixed-rate latency phase.
 */
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import type { LatencyResult } from '../broker/protocol.js';
import { percentile } from './stats.js';

const SUBACK_REFUSED = 128;

export interface LoadConnection {
  url: string;
  /** MQTT username = the user id. */
  userId: string;
  password: string;
  clientId: string;
  /** Subscribed in one SUBSCRIBE right after the CONNACK, as the widget does. */
  topics: string[];
  onMessage(topic: string, payload: Buffer): void;
  /** The connection was lost after it opened. */
  onLost(): void;
}

/** Resolves once connected and every topic granted; rejects on a refusal, an error or a close before that. */
export function openSubscribed(c: LoadConnection): Promise<MqttClient> {
  const client = mqtt.connect(c.url, {
    protocolVersion: 4,
    clientId: c.clientId,
    username: c.userId,
    password: c.password,
    reconnectPeriod: 0,
    // Generous: a broker busy with a presence backlog answers late, and that is what is measured.
    connectTimeout: 120_000,
    keepalive: 600,
    resubscribe: false,
  });
  return new Promise((resolve, reject) => {
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before subscribed')));
    client.on('message', c.onMessage);
    client.once('connect', () => {
      client.subscribe(c.topics, { qos: 0 }, (error, granted) => {
        const refused = granted?.find((g) => g.qos === SUBACK_REFUSED);
        if (error || !granted || refused) return reject(error ?? new Error(`subscription refused: ${refused?.topic}`));
        client.removeAllListeners('error');
        client.removeAllListeners('close');
        client.on('error', () => undefined);
        client.once('close', c.onLost);
        resolve(client);
      });
    });
  });
}

export function closeClients(clients: readonly MqttClient[]): Promise<void> {
  return Promise.all(clients.map((c) => new Promise<void>((resolve) => c.end(true, {}, () => resolve())))).then(() => undefined);
}

export interface FixedRatePlan {
  ratePerSecond: number;
  durationMs: number;
  /** Sends message number `seq`, stamped with `performance.now()` as its `sentAt`. */
  send(seq: number): void;
  /** Routes each delivery's `sentAt` to `record` for the length of the phase; `undefined` ends it. */
  listen(record: ((sentAt: number) => void) | undefined): void;
  /** Connections lost so far, to report those lost during the phase. */
  lost(): number;
}

/**
 * Open loop at a fixed offered rate: the latency a person sees when the broker
 * is not saturated. Stragglers get two seconds; anything later counts as not
 * delivered.
 */
export function fixedRateLatency(plan: FixedRatePlan): Promise<LatencyResult> {
  const { ratePerSecond, durationMs } = plan;
  const lostBefore = plan.lost();
  const samples: number[] = [];
  const total = Math.floor((durationMs / 1000) * ratePerSecond);
  let sent = 0;
  const start = performance.now();
  plan.listen((sentAt) => samples.push(performance.now() - sentAt));
  return new Promise((resolve) => {
    const ticker = setInterval(() => {
      const due = Math.min(Math.floor(((performance.now() - start) / 1000) * ratePerSecond), total);
      while (sent < due) plan.send(sent++);
      if (sent < total) return;
      clearInterval(ticker);
      setTimeout(() => {
        plan.listen(undefined);
        const sorted = samples.sort((a, b) => a - b);
        const at = (p: number) => (sorted.length ? percentile(sorted, p) : NaN);
        resolve({
          offeredPerSecond: ratePerSecond,
          sent,
          delivered: sorted.length,
          p50: at(50),
          p99: at(99),
          max: sorted.length ? sorted[sorted.length - 1]! : NaN,
          disconnected: plan.lost() - lostBefore,
        });
      }, 2000);
    }, 10);
  });
}
