/**
 * What presence costs with rooms (PROTOCOL.md §4) against today's global
 * presence, in the same run on the same machine: N clients (default 10,000)
 *
 * - global: everyone in the lobby, subscribed to the legacy `rtc/v1/presence/+`
 *   (everyone sees everyone: the behaviour before rooms);
 * - small rooms: N/10 site rooms of 10 (`rtc/v1/rooms/<id>/presence/+`);
 * - large rooms: 10 site rooms of N/10.
 *
 * Each scenario gets a fresh backend (`broker/main.ts` in its own process,
 * configured through the environment as in production, so its RSS is its
 * own) over a users file seeded with N accounts, and a load process of N
 * MQTT.js clients whose tokens are minted here with the backend's
 * JWT_SECRET. Each client subscribes at connect to its inbox and its room's
 * presence, as the widget does. Measured per scenario: presence messages
 * received by all clients from the first connect until they stop ÷
 * connects, connects per second, backend RSS growth ÷ clients, and the
 * inbox latency at a fixed rate between members of a room, once connected.
 *
 * Global presence at N is N² deliveries (10^8 at 10,000: hours on a 2-core
 * machine), so each scenario's connect phase is cut at a time limit; a cut
 * scenario is marked † and its figures are bounds, and the notes say what a
 * complete run would cost at that run's rate.
 *
 *   npx tsx bench/presence-rooms.ts [--clients 10000] [--scenarios global,small-rooms,large-rooms]
 *     [--rate 500] [--duration 10] [--connect-concurrency 100] [--connect-limit 240] [--global-limit 60] [--json out.json]
 *
 * BENCH_PRESENCE_CLIENTS sets the default of --clients (quick runs).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hashPassword } from '../broker/passwords.js';
import { siteUserId } from '../broker/site-tokens.js';
import { USERS_FILE, generateUserId } from '../broker/store/json-user-store.js';
import type { StoredUser } from '../broker/store/user-store.js';
import { TokenService, newSessionFamily } from '../broker/tokens.js';
import { LOBBY_ROOM_ID, MQTT_PATH, PRESENCE_WILDCARD, roomPresenceWildcard } from '../src/protocol/index.js';
import { startMainProcess, type MainProcess } from '../test/support/test-backend.js';
import { forkTs, killAll, nextMessage, stopChild } from './broker/processes.js';
import type { LatencyResult } from './broker/protocol.js';
import type { ConnectResult, PresenceLoadCommand, PresenceLoadReply, PresenceLoadUser } from './support/presence-load.js';
import { writeResult, type Metric } from './support/stats.js';

const SCENARIOS = ['global', 'small-rooms', 'large-rooms'] as const;
type ScenarioKey = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: process.env.BENCH_PRESENCE_CLIENTS ?? '10000' },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '10' },
    'connect-concurrency': { type: 'string', default: '100' },
    'connect-limit': { type: 'string', default: '240' },
    'global-limit': { type: 'string', default: '60' },
    json: { type: 'string' },
  },
});

function wholeNumber(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got "${value}"`);
  return n;
}

const clients = wholeNumber('clients', values.clients, 20);
const rate = wholeNumber('rate', values.rate, 1);
const durationMs = wholeNumber('duration', values.duration, 1) * 1000;
const connectConcurrency = wholeNumber('connect-concurrency', values['connect-concurrency'], 1);
const connectLimitMs = wholeNumber('connect-limit', values['connect-limit'], 1) * 1000;
/** Global presence is N² deliveries (10^8 at 10,000, hours here): its figures at the cut are the baseline's bounds. */
const globalLimitMs = wholeNumber('global-limit', values['global-limit'], 1) * 1000;
const chosen = values.scenarios.split(',').map((s) => s.trim());
for (const s of chosen)
  if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario "${s}" (${SCENARIOS.join(', ')})`);
if (!chosen.includes('global')) throw new Error('--scenarios must include global: it is the baseline of the ratios');

// Whole run bounded: if anything hangs, stop and kill every child.
const RUN_LIMIT_MS = 20 * 60_000;
setTimeout(() => {
  console.error(`presence-rooms: still running after ${RUN_LIMIT_MS / 60_000} min, giving up`);
  killAll();
  process.exit(1);
}, RUN_LIMIT_MS).unref();

/** Known secrets of the bench's backends: the bench mints their session tokens itself. */
const JWT_SECRET = randomBytes(32).toString('base64url');
const SITE_ISSUER = 'https://site.bench.test';

const count = (n: number) => n.toLocaleString('en-US');

interface Scenario {
  key: ScenarioKey;
  label: string;
  roomSize: number;
  /** The connect phase (connects, then presence settling) is cut after this long. */
  limitMs: number;
}

/** Room sizes from N: the lobby of everyone, rooms of 10, and 10 rooms (N/10 each). */
function scenario(key: ScenarioKey): Scenario {
  const large = Math.floor(clients / 10);
  switch (key) {
    case 'global':
      return { key, label: `global (lobby of ${count(clients)})`, roomSize: clients, limitMs: globalLimitMs };
    case 'small-rooms':
      return { key, label: `${count(Math.ceil(clients / 10))} rooms of 10`, roomSize: 10, limitMs: connectLimitMs };
    case 'large-rooms':
      return { key, label: `${count(Math.ceil(clients / large))} rooms of ${count(large)}`, roomSize: large, limitMs: connectLimitMs };
  }
}

interface SeededUser {
  stored: StoredUser;
  room: string;
  presenceFilter: string;
}

/**
 * The users of a scenario in the store's own record format. Global: password
 * accounts (every one in the lobby, the drop-in case). Rooms: site accounts
 * whose latest site token granted one room; user i is in room i mod rooms, so
 * every room fills while the crowd arrives, as people would.
 */
async function usersFor(s: Scenario): Promise<SeededUser[]> {
  const createdAt = new Date().toISOString();
  if (s.key === 'global') {
    // Never used to sign in (the bench mints tokens): one cheap hash for all.
    const passwordHash = await hashPassword(randomBytes(12).toString('base64url'), 1024);
    return Array.from({ length: clients }, (_, i) => ({
      stored: { id: generateUserId(), name: `Bench ${i}`, email: `bench-${i}@bench.test`, passwordHash, createdAt },
      room: LOBBY_ROOM_ID,
      // An old, rooms-unaware client: what every client subscribed to before rooms.
      presenceFilter: PRESENCE_WILDCARD,
    }));
  }
  const rooms = Math.ceil(clients / s.roomSize);
  return Array.from({ length: clients }, (_, i) => {
    const sub = `bench-${i}`;
    const room = `bench-room-${i % rooms}`;
    return {
      stored: {
        id: siteUserId(SITE_ISSUER, sub),
        name: `Bench ${i}`,
        email: '',
        passwordHash: '',
        createdAt,
        site: { iss: SITE_ISSUER, sub, rooms: [room] },
      },
      room,
      presenceFilter: roomPresenceWildcard(room),
    };
  });
}

async function mintTokens(users: SeededUser[]): Promise<PresenceLoadUser[]> {
  const tokens = new TokenService(JWT_SECRET);
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  return Promise.all(
    users.map(async ({ stored, room, presenceFilter }) => ({
      id: stored.id,
      token: await tokens.issue(stored, newSessionFamily(), expiresAt),
      room,
      presenceFilter,
    })),
  );
}

/**
 * The same production configuration for every scenario. No limit needs raising: each user holds one
 * session and two subscriptions, no sign-in goes through HTTP, and the offered inbox rate spread over
 * at least 20 clients stays within each connection's publish budget.
 */
const BACKEND_ENV: Record<string, string> = {
  JWT_SECRET,
  ACCOUNTS: 'both',
  SITE_JWT_SECRET: randomBytes(32).toString('base64url'),
  SITE_JWT_ISSUER: SITE_ISSUER,
  LOG_LEVEL: 'error',
  // Room for a global presence backlog of N² messages in the backend's heap.
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=8192`.trim(),
};

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]) * 1024;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM (a graceful shutdown), SIGKILL if it takes more than 10 s (a presence backlog to clear). */
async function stopBackend(backend: MainProcess | undefined): Promise<void> {
  if (!backend) return;
  const exited = backend.stop();
  const timer = setTimeout(() => backend.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

interface ScenarioResult {
  scenario: Scenario;
  connect: ConnectResult;
  latency: LatencyResult;
  rssBefore: number;
  rssAfter: number;
  bytesPerClient: number;
  deliveriesPerConnect: number;
  connectsPerSecond: number;
}

async function runScenario(s: Scenario): Promise<ScenarioResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rtc-bench-presence-'));
  let backend: MainProcess | undefined;
  const killBackend = () => backend?.child.kill('SIGKILL');
  process.once('exit', killBackend);
  const load = forkTs(join(import.meta.dirname, 'support', 'presence-load.ts'), { execArgv: ['--max-old-space-size=8192'] });
  const ask = async <T extends PresenceLoadReply['type']>(command: PresenceLoadCommand, type: T, timeoutMs: number) => {
    load.send(command);
    const answer = await nextMessage(
      load,
      (m: PresenceLoadReply) => (m.type === type || m.type === 'error' ? m : undefined),
      timeoutMs,
      `load ${command.cmd}`,
    );
    if (answer.type === 'error') throw new Error(`load ${command.cmd}: ${answer.message}`);
    return answer as Extract<PresenceLoadReply, { type: T }>;
  };
  try {
    const seeded = await usersFor(s);
    await writeFile(join(dataDir, USERS_FILE), JSON.stringify({ version: 1, users: seeded.map((u) => u.stored) }));
    const users = await mintTokens(seeded);
    backend = await startMainProcess({ dataDir, env: BACKEND_ENV, inheritStderr: true, timeoutMs: 60_000 });
    const pid = backend.child.pid!;
    await pause(1000);
    const rssBefore = await rssOf(pid);
    process.stdout.write(`  ${s.label}: connecting ${count(clients)} clients…`);
    const url = `${backend.origin.replace(/^http/, 'ws')}${MQTT_PATH}`;
    const { result: connect } = await ask(
      { cmd: 'connect', plan: { url, users, concurrency: connectConcurrency, limitMs: s.limitMs } },
      'connect',
      s.limitMs + 5 * 60_000,
    );
    process.stdout.write(
      ` ${count(connect.connected)} in ${(connect.connectMs / 1000).toFixed(1)} s, ${connect.settled ? 'everyone saw their room at' : 'cut before everyone saw their room, at'} ${(connect.settledMs / 1000).toFixed(1)} s, ` +
        `${count(connect.deliveries)} presence deliveries until ${(connect.drainedMs / 1000).toFixed(1)} s\n`,
    );
    if (connect.connected < 2) {
      // A backend without rooms (before PROTOCOL.md §4) refuses the per-room subscriptions.
      throw new Error(`${connect.connected} of ${count(clients)} clients connected and subscribed (first error: ${connect.firstError})`);
    }
    if (connect.failed > 0) console.log(`  ${s.label}: ${connect.failed} clients failed to connect (first: ${connect.firstError})`);
    if (connect.notStarted > 0)
      console.log(`  ${s.label}: ${count(connect.notStarted)} clients not started: the ${s.limitMs / 1000} s connect limit came first`);
    await pause(1000);
    const rssAfter = await rssOf(pid);
    process.stdout.write(`  ${s.label}: inbox latency at ${rate} msg/s for ${durationMs / 1000} s…`);
    const { result: latency } = await ask({ cmd: 'latency', ratePerSecond: rate, durationMs }, 'latency', durationMs + 60_000);
    process.stdout.write(` p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms\n`);
    await ask({ cmd: 'close' }, 'closed', 60_000);
    const n = connect.connected || 1;
    return {
      scenario: s,
      connect,
      latency,
      rssBefore,
      rssAfter,
      bytesPerClient: (rssAfter - rssBefore) / n,
      deliveriesPerConnect: connect.deliveries / n,
      connectsPerSecond: (connect.connected / connect.connectMs) * 1000,
    };
  } finally {
    await stopChild(load, () => load.disconnect());
    await stopBackend(backend);
    process.off('exit', killBackend);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A Markdown table: the first row is the header. */
function printTable(table: string[][]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(table[0]!));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of table.slice(1)) console.log(line(r));
}

async function report(results: ScenarioResult[]): Promise<void> {
  const global = results.find((r) => r.scenario.key === 'global')!;
  const rooms = results.filter((r) => r !== global);
  const rows: Array<[string, (r: ScenarioResult) => number, number]> = [
    ['presence deliveries per connect', (r) => r.deliveriesPerConnect, 1],
    ['connect rate (connections/s)', (r) => r.connectsPerSecond, 0],
    ['everyone saw their whole room after (s)', (r) => r.connect.settledMs / 1000, 1],
    ['memory per client (KB of backend RSS)', (r) => r.bytesPerClient / 1024, 1],
    [`inbox latency p50 at ${rate} msg/s (ms)`, (r) => r.latency.p50, 2],
    [`inbox latency p99 at ${rate} msg/s (ms)`, (r) => r.latency.p99, 2],
  ];
  const label = (r: ScenarioResult) => `${r.scenario.label}${r.connect.settled ? '' : ' †'}`;
  const header = ['', ...results.map(label), ...rooms.map((r) => `${label(r)} ÷ global`)];
  const table = rows.map(([label, get, digits]) => [
    label,
    ...results.map((r) => get(r).toFixed(digits)),
    ...rooms.map((r) => `${(get(r) / get(global)).toFixed(3)}×`),
  ]);
  console.log(`\n### Presence with rooms vs global, ${count(clients)} clients (${new Date().toISOString().slice(0, 10)})\n`);
  printTable([header, ...table]);
  console.log();
  for (const r of results) {
    const c = r.connect;
    console.log(
      `- ${r.scenario.label}: ${count(c.connected)}/${count(clients)} connected; presence pairs seen ${count(c.pairsSeen)}/${count(c.expectedPairs)}` +
        `${c.settled ? '' : ' (NOT settled)'}; ${count(c.deliveries)} presence deliveries; RSS ${(r.rssBefore / 2 ** 20).toFixed(0)} → ${(r.rssAfter / 2 ** 20).toFixed(0)} MiB; ` +
        `inbox ${count(r.latency.delivered)}/${count(r.latency.sent)} delivered (max ${r.latency.max.toFixed(1)} ms); ${r.latency.disconnected} disconnected`,
    );
  }
  if (results.some((r) => !r.connect.settled)) {
    console.log(
      `- † cut at its connect limit (--global-limit ${globalLimitMs / 1000} s, --connect-limit ${connectLimitMs / 1000} s; not everyone connected, or not everyone saw their whole room): its figures are bounds ` +
        '(deliveries per connect and memory per client too low, connect rate too high), so a ratio against a cut global understates what rooms save.',
    );
  }
  for (const r of results.filter((r) => !r.connect.settled && r.connect.pairsSeen > 0 && r.connect.drainedMs > 0)) {
    // Each client must see every member of its room once: what a complete run costs at least,
    // and with this run's duplicates (a retained and a live copy) at this run's delivery rate.
    const { deliveries, pairsSeen, drainedMs } = r.connect;
    const perPresence = deliveries / pairsSeen;
    const perSecond = deliveries / (drainedMs / 1000);
    const complete = clients * r.scenario.roomSize * perPresence;
    console.log(
      `- ${r.scenario.label} †: complete, it is at least ${count(r.scenario.roomSize)} deliveries per connect; with this run's ` +
        `${perPresence.toFixed(2)} deliveries per presence seen and ${count(Math.round(perSecond))} deliveries/s, ` +
        `~${count(Math.round(complete))} deliveries in ~${count(Math.round(complete / perSecond))} s`,
    );
  }
  // The aim is for rooms; the global baseline is what they replace.
  for (const r of rooms) {
    const met = r.connect.settled && r.latency.p99 < 20;
    console.log(
      `- aim, ${r.scenario.label}: p99 inbox latency under 20 ms with ${count(clients)} clients connected and settled — ` +
        `${r.latency.p99.toFixed(2)} ms${r.connect.settled ? '' : ' (not settled)'}, ${met ? 'met' : 'NOT met'}`,
    );
  }

  const metrics: Record<string, Metric> = {};
  for (const r of results)
    metrics[`${r.scenario.key} bytes per client`] = { kind: 'size', unit: 'bytes', value: Math.round(r.bytesPerClient) };
  await writeResult(values.json, {
    bench: 'presence-rooms',
    notes: [`${clients} clients`, ...table.map((row) => row.join(' | '))],
    metrics,
  });
}

async function main(): Promise<void> {
  console.log(
    `presence-rooms: ${count(clients)} clients per scenario, loopback, MQTT 3.1.1 over WebSocket (MQTT.js) in a load process, ` +
      `the backend (broker/main.ts) in its own; production settings (ACCOUNTS=both for the site accounts), tokens minted with its JWT_SECRET`,
  );
  const results: ScenarioResult[] = [];
  const failed: string[] = [];
  // The baseline first, then the rooms: each on a fresh backend.
  for (const key of SCENARIOS) {
    if (!chosen.includes(key)) continue;
    const s = scenario(key);
    try {
      results.push(await runScenario(s));
    } catch (error) {
      console.log(`\n  ${s.label}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
      failed.push(s.label);
    }
  }
  if (!results.some((r) => r.scenario.key === 'global')) throw new Error('the global baseline failed: no ratios to print');
  await report(results);
  if (failed.length > 0) {
    console.log(`- FAILED (see above): ${failed.join('; ')}`);
    process.exitCode = 1;
  }
}

await main();
