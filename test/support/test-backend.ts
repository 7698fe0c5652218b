/**
 * The one way tests and benchmarks start the backend (node side; the page
 * side of the element tests is ./backend.ts):
 *
 * - `startTestBackend`: the testing kit's (testing/backend.ts, shipped as
 *   `rtc-call/testing`): the real backend (HTTP API + Aedes over WebSocket)
 *   in this process on a free loopback port, with a temporary data folder
 *   (or the caller's), cheap password hashing and sign-in throttles out of
 *   the way, because a test run registers and signs in many times from one
 *   address.
 * - `startMainProcess`: `tsx broker/main.ts` as its own process, configured
 *   through the environment as in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startTestBackend as startKitBackend,
  type Lifetime,
  type TestBackend,
  type TestBackendOptions as KitBackendOptions,
} from '../../testing/backend.js';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** The backend's process as production runs it, for `spawn`/`spawnSync`. */
export const MAIN_COMMAND: readonly [string, ...string[]] = [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'broker', 'main.ts')];

export { RELAXED_PUBLISH_LIMITS, TEST_BACKEND_SETTINGS, type Lifetime, type TestBackend } from '../../testing/backend.js';

export interface TestBackendOptions extends KitBackendOptions {
  /** RELAXED_PUBLISH_LIMITS (browser suites); otherwise the production budgets, which backend tests check. */
  relaxPublishLimits?: boolean;
}

/**
 * The testing kit's `startTestBackend` (testing/backend.ts), except that the
 * production publish budgets stay unless `relaxPublishLimits`: the backend
 * tests check those budgets.
 */
export function startTestBackend({ relaxPublishLimits = false, ...options }: TestBackendOptions = {}): Promise<TestBackend> {
  return startKitBackend({ ...options, relaxPublishLimits });
}

export interface MainProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port>, as the process printed it. */
  origin: string;
  /** ms from spawn until it printed its URL. */
  ms: number;
  /** Everything it wrote so far (stdout and, unless inherited, stderr). */
  output(): string;
  /** SIGTERM (a graceful shutdown), resolved once it exited. */
  stop(): Promise<void>;
}

export interface MainProcessOptions {
  dataDir: string;
  /** Environment on top of `baseEnv`, HOST=127.0.0.1 and PORT=0 (a free port). */
  env?: Record<string, string>;
  /** The environment it starts from; this process's by default. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Another way to run the backend (the compiled one, `npx rtc-call` of a release) and where; MAIN_COMMAND in the repository by default. */
  command?: readonly [string, ...string[]];
  cwd?: string;
  /** Its own process group, killed as a whole by `closeAfter` (for a command that starts the backend as a child, like npx). */
  group?: boolean;
  /** SIGKILLs the process when this ends, if it still runs (pass the test's `t`). */
  closeAfter?: Lifetime;
  /** Let its stderr through to ours instead of collecting it (benchmarks). */
  inheritStderr?: boolean;
  /** How long it may take to print its URL. */
  timeoutMs?: number;
}

/** Starts `broker/main.ts` (or `options.command`) as its own process; resolves once it printed its URL. */
export async function startMainProcess(options: MainProcessOptions): Promise<MainProcess> {
  const started = performance.now();
  const [command, ...args] = options.command ?? MAIN_COMMAND;
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...(options.baseEnv ?? process.env), HOST: '127.0.0.1', PORT: '0', DATA_DIR: options.dataDir, ...options.env },
    stdio: ['ignore', 'pipe', options.inheritStderr ? 'inherit' : 'pipe'],
    detached: options.group ?? false,
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  options.closeAfter?.after(() => {
    if (!running()) return;
    if (options.group) process.kill(-child.pid!, 'SIGKILL');
    else child.kill('SIGKILL');
  });
  let output = '';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the backend did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+?)[\s(]/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the backend exited (${code}) before listening:\n${output}`));
    });
  });
  const ms = performance.now() - started;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!running()) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { child, origin, ms, output: () => output, stop };
}

/**
 * `pid` and its descendants, parents first (Linux /proc): the backend may run
 * below a launcher (npx → sh → node, or tsx's CLI → node), a browser has its
 * renderers and services. A process that ends during the walk counts without
 * children.
 */
export function processTree(pid: number): number[] {
  let children: number[];
  try {
    children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    children = [];
  }
  return [pid, ...children.flatMap((child) => processTree(child))];
}
