/**
 * What session revocation adds to every authenticated request and CONNECT,
 * against a baseline measured in the same run:
 *   - baseline: the bare JWT check (`TokenService.verify`),
 *   - product: `Sessions.verify` (JWT check + max age + the revocation store's
 *     current snapshot) with `--revoked` families and users on record.
 * Also one sweep of the broker's live connections (`LiveSessions.closeRevoked`)
 * over `--live` fake connections, the work done every second per node.
 *
 *   npx tsx bench/session-revocation.ts [--rounds 2000] [--revoked 10000] [--live 10000]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from 'aedes';
import { LiveSessions } from '../broker/mqtt/live-sessions.js';
import { Sessions } from '../broker/sessions.js';
import { REVOCATIONS_FILE, openJsonRevocationStore } from '../broker/store/json-revocation-store.js';
import { TokenService, newSessionFamily } from '../broker/tokens.js';
import { summarize } from './support/stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2000' },
    revoked: { type: 'string', default: '10000' },
    live: { type: 'string', default: '10000' },
  },
});
const ROUNDS = Math.max(100, Math.min(100_000, Number(values.rounds)));
const REVOKED = Math.max(0, Math.min(1_000_000, Number(values.revoked)));
const LIVE = Math.max(1, Math.min(1_000_000, Number(values.live)));

/** Median µs per call of each, their batches interleaved so that load and JIT warm-up hit both alike. */
async function perCall(fns: Array<() => Promise<unknown>>): Promise<number[]> {
  const samples = fns.map(() => [] as number[]);
  for (let batch = 0; batch < 11; batch++) {
    for (const [i, fn] of fns.entries()) {
      const start = performance.now();
      for (let r = 0; r < ROUNDS; r++) await fn();
      if (batch > 0) samples[i]!.push(((performance.now() - start) * 1000) / ROUNDS); // batch 0 warms up
    }
  }
  return samples.map((xs) => summarize(xs).median);
}

const dir = await mkdtemp(join(tmpdir(), 'rtc-bench-sessions-'));
try {
  const tokens = new TokenService('a bench secret that is long enough for HS256');
  // Written as one file (through the store that would be one rewrite per record).
  const until = Date.now() + 3600_000;
  const sessionsOnRecord = Array.from({ length: REVOKED }, (_, i) => ({ sid: newSessionFamily().sid, userId: `user${i}`, until }));
  const usersOnRecord = Array.from({ length: Math.ceil(REVOKED / 10) }, (_, i) => ({ userId: `user${i * 10}`, before: Date.now(), until }));
  await writeFile(join(dir, REVOCATIONS_FILE), JSON.stringify({ version: 1, sessions: sessionsOnRecord, users: usersOnRecord }));
  const store = await openJsonRevocationStore(dir);
  const sessions = new Sessions(tokens, store, { tokenTtlSeconds: 3600, sessionMaxAgeSeconds: 7 * 24 * 3600 });
  const user = { id: 'benchuser01', name: 'Bench' };
  // And one logout through the store, as the backend writes it.
  await sessions.logout((await tokens.verify(await sessions.signIn(user)))!);
  const token = await sessions.signIn(user);

  const [baseline, product] = (await perCall([() => tokens.verify(token), () => sessions.verify(token)])) as [number, number];

  const live = new LiveSessions(sessions);
  for (let i = 0; i < LIVE; i++) {
    live.track({ closed: false, close() {} } as unknown as Client, { sub: `user${i}`, ...newSessionFamily() });
  }
  const revocations = await sessions.current();
  const sweeps: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    live.closeRevoked(revocations);
    sweeps.push(performance.now() - start);
  }
  const sweep = summarize(sweeps);

  console.log(`revocations on record: ${REVOKED + 1} families, ${Math.ceil(REVOKED / 10)} user cutoffs`);
  console.log(`JWT verify only (baseline):        ${baseline.toFixed(1)} µs per call`);
  console.log(`Sessions.verify (JWT + revocation): ${product.toFixed(1)} µs per call`);
  console.log(`ratio product/baseline:             ${(product / baseline).toFixed(2)}`);
  console.log(
    `sweep of ${LIVE} live connections:   ${sweep.median.toFixed(2)} ms median, ${sweep.max.toFixed(2)} ms max (once a second per node)`,
  );
  await store.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
