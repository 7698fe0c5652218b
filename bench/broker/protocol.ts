/**
 * Messages between the load benchmark's processes (node IPC): the
 * orchestrator (bench/broker-load.ts), the broker under test (a child that
 * reports its own memory) and the load generator (a child with N clients).
 */

/** A broker child → orchestrator. */
export type BrokerChildMessage = { type: 'ready'; port: number } | { type: 'memory'; rss: number; heapUsed: number };

/** Orchestrator → broker child. */
export type BrokerChildCommand = { cmd: 'memory' } | { cmd: 'stop' };

export interface LoadUser {
  id: string;
  /** MQTT password: the JWT for the product, a generated password for Mosquitto, anything for bare Aedes. */
  password: string;
}

export interface LoadPlan {
  url: string;
  users: LoadUser[];
  /** 'backend': the broker publishes presence itself; 'client': each client publishes its own retained presence. */
  presence: 'backend' | 'client';
  connectConcurrency: number;
}

export interface ConnectResult {
  connected: number;
  failed: number;
  firstError?: string;
  /** From the first CONNECT to the last SUBACK of the inbox subscription. */
  connectMs: number;
}

/** Every client subscribes to presence/+ and must see every user's retained presence. */
export interface PresenceResult {
  settled: boolean;
  ms: number;
  /** When presence deliveries stopped (the backlog drained), if not settled in time. */
  drainedMs: number;
  /** Distinct (client, user) presence pairs seen, out of N². */
  pairsSeen: number;
  deliveries: number;
}

export interface ThroughputResult {
  sent: number;
  delivered: number;
  elapsedMs: number;
  perSecond: number;
  timedOut: boolean;
  disconnected: number;
}

export interface LatencyResult {
  offeredPerSecond: number;
  sent: number;
  delivered: number;
  p50: number;
  p99: number;
  max: number;
  disconnected: number;
}

/** Orchestrator → load child. */
export type LoadCommand =
  | { cmd: 'connect'; plan: LoadPlan }
  /** Only the first `subscribers` clients subscribe to presence/+ (the replay is subscribers × N deliveries). */
  | { cmd: 'presence'; timeoutMs: number; subscribers: number }
  | { cmd: 'throughput'; messages: number; window: number; timeoutMs: number }
  | { cmd: 'latency'; ratePerSecond: number; durationMs: number }
  | { cmd: 'close' };

/** Load child → orchestrator: one reply per command. */
export type LoadReply =
  | { type: 'connect'; result: ConnectResult }
  | { type: 'presence'; result: PresenceResult }
  | { type: 'throughput'; result: ThroughputResult }
  | { type: 'latency'; result: LatencyResult }
  | { type: 'closed' }
  | { type: 'error'; message: string };
