/**
 * `npm run bench:broker`: the backend under load, against bare Aedes (the
 * limit of this stack) and Debian's Mosquitto (a C broker with ACLs), in the
 * same run and with the same load.
 *
 * A separate load process opens N authenticated MQTT-over-WebSocket clients
 * (MQTT.js, MQTT 3.1.1), each subscribed to its inbox and to presence, then
 * sends inbox messages between random pairs. Each broker runs in its own
 * process, so its RSS is its own. Everything is on loopback, every phase is
 * bounded in count and time, and every child is killed at the end.
 *
 *   npm run bench:broker -- --clients 1000 [--messages 30000] [--window 1000]
 *     [--rate 500] [--duration 5] [--targets rtc-call,aedes,mosquitto] [--json out.json]
 *     [--profile dir]   (CPU profiles of the Node brokers, to find what costs)
 *     [--users seed|http]   (seed: written to the backend's users file before it starts,
 *                            one shared hash; http: /api/register each, O(N²) file writes)
 *     [--presence-clients K] (only K clients replay presence: K × N deliveries; 0 skips it)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { forkTs, killAll, nextMessage, stopChild } from './broker/processes.js';
import type {
  ConnectResult,
  LatencyResult,
  LoadCommand,
  LoadReply,
  LoadUser,
  PresenceResult,
  ThroughputResult,
} from './broker/protocol.js';
import { profileNodeBrokers, startBareAedes, startMosquitto, startProduct, type BrokerUnderTest, type Memory } from './broker/targets.js';
import { createUsers, seedUsers, type UserSource } from './broker/users.js';
import { writeResult, type Metric } from './support/stats.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    messages: { type: 'string' },
    window: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '5' },
    'connect-concurrency': { type: 'string', default: '100' },
    'presence-timeout': { type: 'string', default: '120' },
    'scrypt-cost': { type: 'string', default: '1024' },
    targets: { type: 'string', default: 'rtc-call,aedes,mosquitto' },
    json: { type: 'string' },
    profile: { type: 'string' },
    users: { type: 'string', default: 'seed' },
    'presence-clients': { type: 'string' },
  },
});

function wholeNumber(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got "${value}"`);
  return n;
}

const clients = wholeNumber('clients', values.clients, 2);
const messages = wholeNumber('messages', values.messages ?? String(Math.max(20_000, clients * 20)), 1);
const window = wholeNumber('window', values.window, 1);
const rate = wholeNumber('rate', values.rate, 1);
const durationMs = wholeNumber('duration', values.duration, 1) * 1000;
const connectConcurrency = wholeNumber('connect-concurrency', values['connect-concurrency'], 1);
const presenceTimeoutMs = wholeNumber('presence-timeout', values['presence-timeout'], 1) * 1000;
const scryptCost = wholeNumber('scrypt-cost', values['scrypt-cost'], 2);
const presenceClients = wholeNumber('presence-clients', values['presence-clients'] ?? String(clients), 0);
if (presenceClients > clients) throw new Error(`--presence-clients must be at most --clients (${clients})`);
if (values.users !== 'seed' && values.users !== 'http') throw new Error(`--users must be seed or http, got "${values.users}"`);
const seedUsersFile = values.users === 'seed';
const targets = values.targets.split(',').map((t) => t.trim());
for (const t of targets) if (!['rtc-call', 'aedes', 'mosquitto'].includes(t)) throw new Error(`unknown target "${t}"`);
if (!targets.includes('rtc-call')) throw new Error('--targets must include rtc-call: it creates the users');
if (values.profile) profileNodeBrokers(values.profile);

// Whole run bounded: if anything hangs, stop and kill every child.
const RUN_LIMIT_MS = 30 * 60_000;
setTimeout(() => {
  console.error(`broker-load: still running after ${RUN_LIMIT_MS / 60_000} min, giving up`);
  killAll();
  process.exit(1);
}, RUN_LIMIT_MS).unref();

interface TargetResult {
  name: string;
  connect: ConnectResult;
  connectPerSecond: number;
  presence: PresenceResult;
  before: Memory;
  /** After the connects (inbox subscriptions), and after the presence replay. */
  connected: Memory;
  after: Memory;
  bytesPerClient: number;
  connectedBytesPerClient: number;
  heapBytesPerClient?: number;
  throughput: ThroughputResult;
  latency: LatencyResult;
}

async function runLoad(broker: BrokerUnderTest, users: LoadUser[], presence: 'backend' | 'client'): Promise<TargetResult> {
  // Large heaps for 10 000 clients in one process.
  const load = forkTs(join(import.meta.dirname, 'broker', 'load-client.ts'), { execArgv: ['--max-old-space-size=8192'] });
  const ask = async <T extends LoadReply['type']>(command: LoadCommand, type: T, timeoutMs: number) => {
    load.send(command);
    const answer = await nextMessage(
      load,
      (m: LoadReply) => (m.type === type || m.type === 'error' ? m : undefined),
      timeoutMs,
      `load ${command.cmd}`,
    );
    if (answer.type === 'error') throw new Error(`load ${command.cmd}: ${answer.message}`);
    return answer as Extract<LoadReply, { type: T }>;
  };
  try {
    const before = await broker.memory();
    process.stdout.write(`  ${broker.name}: connecting ${users.length} clients…`);
    const { result: connect } = await ask(
      { cmd: 'connect', plan: { url: broker.url, users, presence, connectConcurrency } },
      'connect',
      10 * 60_000,
    );
    process.stdout.write(` ${connect.connected} in ${(connect.connectMs / 1000).toFixed(1)} s\n`);
    if (connect.failed > 0) console.log(`  ${broker.name}: ${connect.failed} clients failed to connect (first: ${connect.firstError})`);
    const connected = await broker.memory();
    let presenceResult: PresenceResult = { settled: false, ms: NaN, drainedMs: NaN, pairsSeen: 0, deliveries: 0 };
    if (presenceClients === 0) {
      process.stdout.write(`  ${broker.name}: presence replay skipped (--presence-clients 0)\n`);
    } else {
      const who = presenceClients === users.length ? 'every client subscribes' : `${presenceClients} of ${users.length} clients subscribe`;
      process.stdout.write(`  ${broker.name}: ${who} to presence/+…`);
      ({ result: presenceResult } = await ask(
        { cmd: 'presence', timeoutMs: presenceTimeoutMs, subscribers: presenceClients },
        'presence',
        2 * presenceTimeoutMs + 30_000,
      ));
      process.stdout.write(
        ` ${presenceResult.settled ? 'all' : 'NOT all'} ${presenceResult.pairsSeen} pairs seen in ${(presenceResult.ms / 1000).toFixed(1)} s`,
      );
      process.stdout.write(presenceResult.settled ? '\n' : `, deliveries stopped at ${(presenceResult.drainedMs / 1000).toFixed(1)} s\n`);
    }
    const after = await broker.memory();
    process.stdout.write(`  ${broker.name}: throughput (${messages} messages, window ${window})…`);
    const { result: throughput } = await ask({ cmd: 'throughput', messages, window, timeoutMs: 120_000 }, 'throughput', 130_000);
    process.stdout.write(` ${Math.round(throughput.perSecond)} msg/s\n`);
    process.stdout.write(`  ${broker.name}: latency at ${rate} msg/s for ${durationMs / 1000} s…`);
    const { result: latency } = await ask({ cmd: 'latency', ratePerSecond: rate, durationMs }, 'latency', durationMs + 30_000);
    process.stdout.write(` p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms\n`);
    await ask({ cmd: 'close' }, 'closed', 60_000);
    const n = connect.connected || 1;
    return {
      name: broker.name,
      connect,
      connectPerSecond: (connect.connected / connect.connectMs) * 1000,
      presence: presenceResult,
      before,
      connected,
      after,
      bytesPerClient: (after.rss - before.rss) / n,
      connectedBytesPerClient: (connected.rss - before.rss) / n,
      ...(after.heapUsed !== undefined && before.heapUsed !== undefined && { heapBytesPerClient: (after.heapUsed - before.heapUsed) / n }),
      throughput,
      latency,
    };
  } finally {
    await stopChild(load, () => load.disconnect());
  }
}

async function main(): Promise<void> {
  console.log(`broker-load: ${clients} clients, loopback, MQTT 3.1.1 over WebSocket (MQTT.js), load in its own process`);
  console.log(
    `  rtc-call backend: scrypt cost lowered to N=${scryptCost} for user creation (default 2^17); publish budget raised to 100000/s so the`,
  );
  console.log('  figure is the broker, not the budget (the budget check still runs on every message); every other hook as in production.');
  const results: TargetResult[] = [];
  const dataDir = await mkdtemp(join(tmpdir(), 'rtc-bench-data-'));
  let passwords: LoadUser[];
  try {
    const seedStart = performance.now();
    const source: UserSource = seedUsersFile ? { kind: 'seeded', users: await seedUsers(dataDir, clients, scryptCost) } : { kind: 'http' };
    const seedMs = performance.now() - seedStart;
    const product = await startProduct({
      dataDir,
      scryptCost,
      authRateMax: 1_000_000,
      loginFailuresPerAddress: 1_000_000,
      publishRate: 100_000,
      publishBurst: 100_000,
      userPublishRate: 100_000,
      userPublishBurst: 100_000,
    });
    try {
      const users = await createUsers(product.origin, clients, source);
      passwords = users.withPasswords;
      const created = seedUsersFile
        ? `seeded into the users file (one shared hash) in ${(seedMs / 1000).toFixed(1)} s`
        : `registered through /api/register in ${(users.registerMs / 1000).toFixed(1)} s`;
      console.log(`  rtc-call: ${clients} users ${created}, tokens from /api/login in ${(users.loginMs / 1000).toFixed(1)} s`);
      results.push(await runLoad(product, users.withTokens, 'backend'));
    } finally {
      await product.stop();
    }
    if (targets.includes('aedes')) {
      const bare = await startBareAedes();
      try {
        results.push(await runLoad(bare, passwords, 'client'));
      } finally {
        await bare.stop();
      }
    }
    if (targets.includes('mosquitto')) {
      const mosquitto = await startMosquitto(passwords);
      try {
        results.push(await runLoad(mosquitto, passwords, 'client'));
      } finally {
        await mosquitto.stop();
      }
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  await report(results);
}

async function report(results: TargetResult[]): Promise<void> {
  const [product, ...baselines] = results as [TargetResult, ...TargetResult[]];
  const replay = presenceClients === clients ? 'N²' : `${presenceClients}×N`;
  const rows: Array<[string, (r: TargetResult) => number, 'higher' | 'lower', number]> = [
    ['connect rate (clients/s, token checks incl.)', (r) => r.connectPerSecond, 'higher', 0],
    [`presence: ${replay} retained deliveries (msg/s)`, (r) => (r.presence.deliveries / r.presence.ms) * 1000, 'higher', 0],
    [
      `presence: every ${presenceClients === clients ? 'client' : 'subscriber'} saw every user (s)`,
      (r) => r.presence.ms / 1000,
      'lower',
      1,
    ],
    ['memory per client, connected (KB of RSS)', (r) => r.connectedBytesPerClient / 1024, 'lower', 1],
    ['memory per client, + presence of all (KB)', (r) => r.bytesPerClient / 1024, 'lower', 1],
    ['inbox throughput (delivered msg/s)', (r) => r.throughput.perSecond, 'higher', 0],
    [`latency p50 at ${rate} msg/s (ms)`, (r) => r.latency.p50, 'lower', 2],
    [`latency p99 at ${rate} msg/s (ms)`, (r) => r.latency.p99, 'lower', 2],
  ];
  const header = ['', ...results.map((r) => r.name), ...baselines.map((b) => `÷ ${b.name}`)];
  const table = rows.map(([label, get, , digits]) => [
    label,
    ...results.map((r) => get(r).toFixed(digits)),
    ...baselines.map((b) => `${(get(product) / get(b)).toFixed(2)}×`),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log();
  console.log(line(header));
  for (const row of table) console.log(line(row));
  console.log();
  for (const r of results) {
    const lost = r.throughput.sent - r.throughput.delivered + (r.latency.sent - r.latency.delivered);
    const heap = r.heapBytesPerClient !== undefined ? `, heap ${(r.heapBytesPerClient / 1024).toFixed(1)} KB/client` : '';
    console.log(
      `${r.name}: RSS ${(r.before.rss / 2 ** 20).toFixed(0)} → ${(r.after.rss / 2 ** 20).toFixed(0)} MiB${heap}; ` +
        `presence pairs seen ${r.presence.pairsSeen}/${Math.min(presenceClients, r.connect.connected) * clients} (${r.presence.deliveries} deliveries); undelivered ${lost}; ` +
        `disconnected during load ${r.throughput.disconnected + r.latency.disconnected}`,
    );
  }
  const aedes = results.find((r) => r.name === 'bare Aedes');
  if (aedes) {
    const ratio = product.throughput.perSecond / aedes.throughput.perSecond;
    console.log(`aim: throughput ≥ 0.8× bare Aedes — ${ratio.toFixed(2)}× ${ratio >= 0.8 ? 'met' : 'NOT met'}`);
  }
  const kb = product.bytesPerClient / 1024;
  console.log(`aim: ≤ 40 KB per connected client — ${kb.toFixed(1)} KB ${kb <= 40 ? 'met' : 'NOT met'}`);

  const metrics: Record<string, Metric> = {};
  for (const r of results) {
    metrics[`${r.name} KB per client`] = { kind: 'size', unit: 'bytes', value: Math.round(r.bytesPerClient) };
  }
  await writeResult(values.json, {
    bench: 'broker-load',
    notes: [`${clients} clients`, ...table.map((row) => row.join(' | '))],
    metrics,
  });
}

await main();
