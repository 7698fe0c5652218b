/**
 * The embedded user store: registrations per second at 1k, 10k and 50k
 * existing users, with CONCURRENCY registrations in flight (no scrypt: the
 * store alone), for three ways of writing, measured in the same run:
 *   - lowdb (baseline): what the store did before — push, then lowdb's
 *     whole-file write (pretty JSON of every user) per registration, one
 *     registration at a time;
 *   - this store with maxBatch 1: one whole-file write per registration, but
 *     each user's JSON kept encoded, and fsynced;
 *   - this store as configured: registrations that arrive during a write
 *     share the next one (group commit).
 * Also, during each stream, the p99 of the event loop's delay (how long a
 * token check or MQTT connect could be held by a write's JSON encoding), and
 * for this store the p99 of a read (findById, as a token check does), which
 * waits behind no write now (the old store queued reads behind writes).
 *
 *   npx tsx bench/user-store.ts [--seconds 3] [--sizes 1000,10000,50000]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { USERS_FILE, generateUserId, openJsonUserStore } from '../broker/store/json-user-store.js';
import type { StoredUser } from '../broker/store/user-store.js';
import { percentile } from './support/stats.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, sizes: { type: 'string', default: '1000,10000,50000' } },
});
const SECONDS = Math.max(1, Math.min(60, Number(values.seconds)));
const SIZES = values.sizes.split(',').map(Number);
const CONCURRENCY = 32;
const HASH = 'scrypt$131072$8$1$YmVuY2ggc2FsdCBieXRlcw$YmVuY2gga2V5IGJ5dGVzIGJlbmNoIGtleSBieXRlcyEhIQ';

function seed(count: number): StoredUser[] {
  const createdAt = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => ({
    id: generateUserId(),
    name: `Seed ${i}`,
    email: `seed-${i}@bench.test`,
    passwordHash: HASH,
    createdAt,
  }));
}

interface Run {
  perSecond: number;
  /** ms */
  loopDelayP99: number;
  readP99?: number;
}

/** Runs `register` from CONCURRENCY workers for SECONDS; reads with `read` meanwhile if given. */
async function stream(register: (n: number) => Promise<unknown>, read?: () => Promise<unknown>): Promise<Run> {
  let next = 0;
  let done = 0;
  const stopAt = performance.now() + SECONDS * 1000;
  const start = performance.now();
  const worker = async () => {
    while (performance.now() < stopAt) {
      await register(next++);
      done += 1;
    }
  };
  const reads: number[] = [];
  let streaming = true;
  const reader = async () => {
    while (streaming) {
      const t = performance.now();
      await read!();
      reads.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const readerDone = read ? reader() : Promise.resolve();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  loop.disable();
  streaming = false;
  await readerDone;
  const elapsed = (performance.now() - start) / 1000;
  const sorted = reads.sort((a, b) => a - b);
  return {
    perSecond: done / elapsed,
    loopDelayP99: loop.percentile(99) / 1e6,
    ...(sorted.length > 0 && { readP99: percentile(sorted, 99) }),
  };
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-bench-store-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The old store's create: one at a time, push and lowdb's whole-file write. */
function lowdbBaseline(users: StoredUser[]): Promise<Run> {
  return withDir(async (dir) => {
    const db = new Low(new JSONFile<{ version: 1; users: StoredUser[] }>(join(dir, USERS_FILE)), { version: 1, users: [] });
    db.data = { version: 1, users: [...users] };
    await db.write();
    let queue: Promise<unknown> = Promise.resolve();
    return stream((n) => {
      const run = queue.then(async () => {
        db.data.users.push({
          id: generateUserId(),
          name: `New ${n}`,
          email: `new-${n}@bench.test`,
          passwordHash: HASH,
          createdAt: new Date().toISOString(),
        });
        await db.write();
      });
      queue = run;
      return run;
    });
  });
}

function store(users: StoredUser[], maxBatch?: number): Promise<Run> {
  return withDir(async (dir) => {
    await writeFile(join(dir, USERS_FILE), JSON.stringify({ version: 1, users }));
    const s = await openJsonUserStore(dir, maxBatch === undefined ? {} : { maxBatch });
    const run = await stream(
      (n) => s.create({ name: `New ${n}`, email: `new-${n}@bench.test`, passwordHash: HASH }),
      () => s.findById(users[Math.floor(Math.random() * users.length)]!.id),
    );
    await s.close();
    return run;
  });
}

const f = (x: number) => x.toFixed(1).padStart(8);
const ms = (x: number) => `${x.toFixed(1)} ms`.padStart(9);
console.log(`user store: registrations per second, ${CONCURRENCY} in flight, ${SECONDS} s each (no scrypt)`);
console.log(
  `  users    lowdb/s  batch1/s  group/s   group/lowdb  batch1/lowdb   event-loop delay p99: lowdb  batch1  group   read p99 (group)`,
);
for (const size of SIZES) {
  const users = seed(size);
  const old = await lowdbBaseline(users);
  const one = await store(users, 1);
  const group = await store(users);
  console.log(
    `  ${String(size).padStart(6)} ${f(old.perSecond)} ${f(one.perSecond)} ${f(group.perSecond)}   ${(group.perSecond / old.perSecond).toFixed(1).padStart(8)}×  ${(one.perSecond / old.perSecond).toFixed(1).padStart(10)}×  ` +
      `${ms(old.loopDelayP99)} ${ms(one.loopDelayP99)} ${ms(group.loopDelayP99)}   ${ms(group.readP99 ?? Number.NaN)}`,
  );
}
