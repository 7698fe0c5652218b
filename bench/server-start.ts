/**
 * The backend's start and idle memory, from TypeScript through tsx (before
 * #18: `npm start` and the old systemd unit ran `tsx broker/main.ts`) against
 * the compiled release (`node dist/server/broker/main.js`, what the
 * `rtc-call` bin runs), measured alternately in the same run:
 *   - start → listening: from spawn until the process printed its URL;
 *   - idle RSS: VmRSS of the backend's own process after `--idle` seconds
 *     with nothing connected (tsx runs it as a child of its CLI, whose own
 *     memory is printed apart).
 *
 *   npx tsx bench/server-start.ts [--runs 5] [--idle 5]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { REPO_ROOT, processTree, startMainProcess } from '../test/support/test-backend.js';
import { summarize } from './support/stats.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, idle: { type: 'string', default: '5' } } });
const RUNS = Math.max(1, Math.min(50, Number(values.runs)));
const IDLE_MS = Math.max(0, Math.min(60, Number(values.idle))) * 1000;
const COMPILED_MAIN = join(REPO_ROOT, 'dist', 'server', 'broker', 'main.js');

const WAYS = {
  'tsx broker/main.ts': [join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), 'broker/main.ts'],
  'node dist/server/broker/main.js': [process.execPath, COMPILED_MAIN],
} as const satisfies Record<string, readonly [string, ...string[]]>;
type Way = keyof typeof WAYS;

interface Sample {
  ms: number;
  /** The backend's own process. */
  rssMiB: number;
  /** Launcher processes above it (tsx's CLI), 0 when none. */
  launcherMiB: number;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]) / 1024;
}

async function measure(way: Way): Promise<Sample> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rtc-bench-start-'));
  try {
    const backend = await startMainProcess({ dataDir, command: WAYS[way], group: true });
    try {
      await sleep(IDLE_MS);
      const [launcher, ...below] = processTree(backend.child.pid!);
      // The backend is the last process of the tree: the launcher itself when there is none below it.
      const server = below.at(-1) ?? launcher!;
      const launchers = [launcher!, ...below.slice(0, -1)].filter((pid) => pid !== server);
      const launcherMiB = (await Promise.all(launchers.map(rssMiB))).reduce((a, b) => a + b, 0);
      return { ms: backend.ms, rssMiB: await rssMiB(server), launcherMiB };
    } finally {
      await backend.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (!existsSync(COMPILED_MAIN)) {
  console.log('dist/server/ is missing: npm run build:server');
  if (spawnSync('npm', ['run', '--silent', 'build:server'], { cwd: REPO_ROOT, stdio: 'inherit' }).status !== 0) process.exit(1);
}

const samples: Record<Way, Sample[]> = { 'tsx broker/main.ts': [], 'node dist/server/broker/main.js': [] };
for (let run = 0; run < RUNS; run++) {
  // Alternated, so load on the machine hits both alike.
  for (const way of Object.keys(WAYS) as Way[]) samples[way].push(await measure(way));
}

const summary = (way: Way, field: keyof Sample) => summarize(samples[way].map((s) => s[field]));
const median = (way: Way, field: keyof Sample) => summary(way, field).median;
/** The median, then the range over the runs: on 2 shared cores one run can be twice another. */
const figure = (way: Way, field: keyof Sample, unit: string, digits: number) => {
  const { median, min, max } = summary(way, field);
  return `${median.toFixed(digits)} ${unit} (${min.toFixed(digits)}–${max.toFixed(digits)})`;
};
console.log(`backend start → listening and idle RSS after ${IDLE_MS / 1000} s, median (range) of ${RUNS} runs each`);
for (const way of Object.keys(WAYS) as Way[]) {
  const launcher = median(way, 'launcherMiB');
  console.log(
    `  ${way.padEnd(32)} ${figure(way, 'ms', 'ms', 0).padEnd(22)} ${figure(way, 'rssMiB', 'MiB', 1)}` +
      (launcher > 0 ? `  + ${launcher.toFixed(1)} MiB in tsx's launcher process` : ''),
  );
}
const [before, after] = Object.keys(WAYS) as [Way, Way];
console.log(
  `  compiled / tsx: start ${(median(after, 'ms') / median(before, 'ms')).toFixed(2)}×, ` +
    `idle RSS ${(median(after, 'rssMiB') / median(before, 'rssMiB')).toFixed(2)}× (backend process)`,
);
