/**
 * Responsiveness while passwords are hashed: p99 (and median) of GET /api/me,
 * of an MQTT CONNECT → CONNACK and of a static file (GET /, the demo page),
 * measured while one address streams
 * registrations (8 at a time, within the default rate limit of 30 a minute)
 * at the default scrypt cost (OWASP N=2^17, 128 MiB each). The backend runs
 * as its own process (`broker/main.ts`), twice in the same run:
 *   - HASH_CONCURRENCY=0: unbounded, the old behaviour (baseline);
 *   - the default bound (config.ts `defaultHashConcurrency`).
 * Prints each p99 and the ratio unbounded/bounded, and how long the stream of
 * registrations took with each (the bound's cost in registration throughput).
 *
 *   npx tsx bench/password-hashing.ts [--registrations 24]
 *
 * Talks only to 127.0.0.1; bounded in count.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { defaultHashConcurrency } from '../broker/config.js';
import { API_PATHS, MQTT_PATH, type AuthResponse } from '../src/protocol/index.js';
import { startMainProcess } from '../test/support/test-backend.js';
import { percentile } from './support/stats.js';

const { values } = parseArgs({ options: { registrations: { type: 'string', default: '24' } } });
const REGISTRATIONS = Math.max(8, Math.min(29, Number(values.registrations)));
const IN_FLIGHT = 8;
const BOUND = defaultHashConcurrency(process.env);

async function register(origin: string, email: string): Promise<AuthResponse> {
  const response = await fetch(`${origin}${API_PATHS.register}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench', email, password: 'bench password' }),
  });
  const body = (await response.json()) as AuthResponse;
  if (response.status !== 201) throw new Error(`register ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function me(origin: string, token: string): Promise<void> {
  const response = await fetch(`${origin}${API_PATHS.me}`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`/api/me ${response.status}`);
}

async function staticFile(origin: string): Promise<void> {
  const response = await fetch(`${origin}/`);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`GET / ${response.status}`);
}

async function mqttConnect(origin: string, auth: AuthResponse, n: number): Promise<void> {
  const client = await mqtt.connectAsync(`${origin.replace(/^http/, 'ws')}${MQTT_PATH}`, {
    username: auth.user.id,
    password: auth.token,
    clientId: `${auth.user.id}:probe${n}`,
    reconnectPeriod: 0,
    connectTimeout: 30_000,
  });
  await client.endAsync();
}

/** Runs `probe` back to back until `until` settles; the latency of each. */
async function probeUntil(until: Promise<unknown>, probe: (n: number) => Promise<void>): Promise<number[]> {
  let running = true;
  void until.finally(() => (running = false));
  const samples: number[] = [];
  for (let n = 0; running; n++) {
    const start = performance.now();
    await probe(n);
    samples.push(performance.now() - start);
  }
  return samples;
}

interface Result {
  me: number[];
  connect: number[];
  static: number[];
  streamMs: number;
}

async function measure(hashConcurrency: number): Promise<Result> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rtc-call-bench-hashing-'));
  const backend = await startMainProcess({
    dataDir,
    env: { HASH_CONCURRENCY: String(hashConcurrency), LOG_LEVEL: 'silent' },
    inheritStderr: true,
  });
  try {
    const { origin } = backend;
    const probeUser = await register(origin, 'probe@bench.test');
    // Warm-up: JIT and connections, and the dummy hash done.
    for (let i = 0; i < 20; i++) await me(origin, probeUser.token);
    for (let i = 0; i < 5; i++) await mqttConnect(origin, probeUser, -i - 1);
    for (let i = 0; i < 5; i++) await staticFile(origin);

    const start = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < REGISTRATIONS) await register(origin, `stream-${next++}@bench.test`);
    };
    const stream = Promise.all(Array.from({ length: IN_FLIGHT }, worker)).then(() => performance.now() - start);
    const [meSamples, connectSamples, staticSamples, streamMs] = await Promise.all([
      probeUntil(stream, () => me(origin, probeUser.token)),
      probeUntil(stream, (n) => mqttConnect(origin, probeUser, n)),
      probeUntil(stream, () => staticFile(origin)),
      stream,
    ]);
    return { me: meSamples, connect: connectSamples, static: staticSamples, streamMs };
  } finally {
    await backend.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const unbounded = await measure(0);
const bounded = await measure(BOUND);

const p = (xs: number[], q: number) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    q,
  );
const ms = (x: number) => `${x.toFixed(1)} ms`.padStart(10);
console.log(`password hashing: ${REGISTRATIONS} registrations from one address, ${IN_FLIGHT} in flight, scrypt N=2^17`);
console.log(`                              unbounded (HASH_CONCURRENCY=0)   bounded (${BOUND})   unbounded/bounded`);
for (const [label, key] of [
  ['GET /api/me', 'me'],
  ['MQTT CONNECT → CONNACK', 'connect'],
  ['GET / (static file)', 'static'],
] as const) {
  const u = unbounded[key];
  const b = bounded[key];
  console.log(
    `  ${label.padEnd(24)} p99 ${ms(p(u, 99))} (n=${u.length})   p99 ${ms(p(b, 99))} (n=${b.length})   ${(p(u, 99) / p(b, 99)).toFixed(1)}×`,
  );
  console.log(`  ${''.padEnd(24)} p50 ${ms(p(u, 50))}          p50 ${ms(p(b, 50))}          ${(p(u, 50) / p(b, 50)).toFixed(1)}×`);
}
console.log(
  `  all ${REGISTRATIONS} registrations took     ${ms(unbounded.streamMs)}                  ${ms(bounded.streamMs)}   ${(unbounded.streamMs / bounded.streamMs).toFixed(2)}×`,
);
