/**
 * Backend auth latency at the DEFAULT scrypt cost (OWASP N=2^17, r=8, p=1),
 * against baselines measured in the same run:
 *   - one bare scrypt call at the same cost (the floor for register and login),
 *   - a bare Fastify route over HTTP (GET /healthz: the floor of any request).
 * Also the time to start the backend as a process (`tsx broker/main.ts`) until
 * it prints its URL, and that process's RSS once idle.
 *
 *   npx tsx bench/backend-auth.ts [--rounds 15]
 *
 * Talks only to 127.0.0.1; bounded in count.
 */
import { randomBytes, scrypt } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../broker/config.js';
import { startBackend } from '../broker/server.js';
import { startMainProcess } from '../test/support/test-backend.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' } } });
const ROUNDS = Math.max(3, Math.min(100, Number(values.rounds)));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function post(origin: string, path: string, json: unknown): Promise<number> {
  const res = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(json),
  });
  await res.arrayBuffer();
  return res.status;
}

function scryptOnce(N: number): Promise<void> {
  return new Promise((resolve, reject) =>
    scrypt('a benchmark password', randomBytes(16), 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 }, (e) => (e ? reject(e) : resolve())),
  );
}

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

const cost = loadConfig({}).scryptCost;
const dataDir = await mkdtemp(join(tmpdir(), 'rtc-call-bench-'));
try {
  const backend = await startBackend({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    scryptCost: cost,
    logLevel: 'silent',
    authRateMax: 1_000_000,
    loginFailuresPerEmail: 1_000_000,
    loginFailuresPerAddress: 1_000_000,
  });

  // Warm-up: JIT, connection pool, the dummy hash.
  await scryptOnce(cost);
  await post(backend.origin, '/api/register', { name: 'Warm', email: 'warm@bench.test', password: 'warm-up password' });
  await post(backend.origin, '/api/login', { email: 'warm@bench.test', password: 'warm-up password' });

  const scryptMs: number[] = [];
  const healthMs: number[] = [];
  const registerMs: number[] = [];
  const loginMs: number[] = [];
  const loginUnknownMs: number[] = [];
  // Interleaved, so drift on a shared machine hits baseline and subject alike.
  for (let i = 0; i < ROUNDS; i++) {
    scryptMs.push(await time(() => scryptOnce(cost)));
    healthMs.push(await time(() => fetch(`${backend.origin}/healthz`).then((r) => r.arrayBuffer())));
    const email = `bench${i}@bench.test`;
    registerMs.push(
      await time(async () => {
        const status = await post(backend.origin, '/api/register', { name: `Bench ${i}`, email, password: 'bench password' });
        if (status !== 201) throw new Error(`register ${status}`);
      }),
    );
    loginMs.push(
      await time(async () => {
        const status = await post(backend.origin, '/api/login', { email, password: 'bench password' });
        if (status !== 200) throw new Error(`login ${status}`);
      }),
    );
    loginUnknownMs.push(
      await time(() => post(backend.origin, '/api/login', { email: `nobody${i}@bench.test`, password: 'bench password' })),
    );
  }
  await backend.close();

  const procDir = await mkdtemp(join(tmpdir(), 'rtc-call-bench-proc-'));
  const starts: number[] = [];
  let idleRss = 0;
  for (let i = 0; i < 3; i++) {
    const proc = await startMainProcess({ dataDir: procDir, inheritStderr: true });
    starts.push(proc.ms);
    if (i === 0) {
      // Idle = after start-up work (the throwaway scrypt hash briefly holds 128 MiB): lowest of 10 samples over 5 s.
      const samples: number[] = [];
      for (let k = 0; k < 10; k++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        samples.push(await rssKiB(proc.child.pid!));
      }
      idleRss = Math.min(...samples);
    }
    await proc.stop();
  }
  await rm(procDir, { recursive: true, force: true });

  const s = median(scryptMs);
  const h = median(healthMs);
  const r = median(registerMs);
  const l = median(loginMs);
  const u = median(loginUnknownMs);
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(`backend auth, scrypt N=${cost} r=8 p=1, ${ROUNDS} rounds, medians`);
  console.log(`  baseline scrypt (one hash)        ${f(s)}`);
  console.log(`  baseline GET /healthz             ${f(h)}`);
  console.log(`  POST /api/register                ${f(r)}   ${(r / s).toFixed(2)}× scrypt`);
  console.log(`  POST /api/login                   ${f(l)}   ${(l / s).toFixed(2)}× scrypt`);
  console.log(`  POST /api/login (unknown email)   ${f(u)}   ${(u / l).toFixed(2)}× a known-email login`);
  console.log(`  overhead over scrypt + bare route register ${f(r - s - h)}, login ${f(l - s - h)}`);
  console.log(`  process start to listening (tsx)  ${f(median(starts))} (median of ${starts.length})`);
  console.log(`  RSS at idle                       ${(idleRss / 1024).toFixed(1)} MiB`);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
