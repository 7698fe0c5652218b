/**
 * A throwaway rtc-call backend for a test run (`rtc-call/testing`):
 * the real backend (HTTP API + Aedes over WebSocket) on a free loopback port,
 * a temporary data folder removed on close, cheap password hashing and the
 * throttles out of the way, because a test registers and signs in many times
 * from one address. With `turn`, a local coturn too, for relay tests.
 *
 * It runs in the caller's process, importing the compiled backend
 * (dist/server/broker/server.js in an installed package): starting takes
 * milliseconds instead of a process launch, there is no port or output to
 * parse, one `close()` ends everything, and a crash shows in the test's own
 * stack. It needs only the package's regular dependencies (installed with
 * `--omit=dev` too).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../broker/config.js';
import { startBackend, type RunningBackend } from '../broker/server.js';
import { MQTT_PATH } from '../src/protocol/http.js';
import { registerTestUser, type TestUser } from './accounts.js';
import { TURNSERVER_PATH, startTurnServer, type RunningTurnServer, type TurnServerOptions } from './turn.js';

/** Something that runs clean-ups when it ends: a node:test `TestContext` (`t`), or anything with `after(fn)`. */
export interface Lifetime {
  after(fn: () => unknown): void;
}

/** Loopback, cheap hashing and relaxed sign-in throttles, unless the caller sets them. */
export const TEST_BACKEND_SETTINGS = {
  host: '127.0.0.1',
  // scrypt at OWASP cost takes ~100 ms per hash; tests hash hundreds of times.
  scryptCost: 1024,
  authRateMax: 100_000,
  loginFailuresPerEmail: 1_000,
  loginFailuresPerAddress: 100_000,
} satisfies Partial<Config>;

/** Publish budgets out of the way: a browser suite sends many messages from one backend. */
export const RELAXED_PUBLISH_LIMITS = {
  publishRate: 1_000,
  publishBurst: 10_000,
  userPublishRate: 1_000,
  userPublishBurst: 10_000,
} satisfies Partial<Config>;

export interface TestBackendOptions extends Partial<Config> {
  /** Closes the backend when this ends (pass node:test's `t`); otherwise call `close()`. */
  closeAfter?: Lifetime;
  /** RELAXED_PUBLISH_LIMITS (the default); false keeps the production budgets. */
  relaxPublishLimits?: boolean;
  /**
   * Also start a local coturn and hand out its credentials: `true`, or coturn
   * options (relay port range, binary). Needs `turnserver` (Debian: `coturn`);
   * see `turnAvailable()`. Pair with `<rtc-call relay-only>` to prove a relayed call.
   */
  turn?: boolean | Omit<TurnServerOptions, 'secret'>;
}

export interface TestBackend extends RunningBackend {
  /** http://127.0.0.1:<port>: the API, the widget script (`/rtc-call.js`) and the demo. */
  origin: string;
  /** The MQTT-over-WebSocket URL, e.g. ws://127.0.0.1:41234/mqtt. */
  wsUrl: string;
  /** The local coturn, when started with `turn`. */
  turn: RunningTurnServer | null;
  /** Registers an account through the real HTTP API (fresh e-mail and password unless given). */
  createUser(user?: Partial<Pick<TestUser, 'name' | 'email' | 'password'>>): Promise<TestUser>;
  /** Stops the backend (and coturn) and removes the temporary data folder. */
  close(): Promise<void>;
}

/** Whether coturn's `turnserver` is installed (at TURNSERVER_PATH), so `turn: true` can work. */
export function turnAvailable(binary: string = TURNSERVER_PATH): boolean {
  return existsSync(binary);
}

async function startTurnFor(turn: TestBackendOptions['turn']): Promise<RunningTurnServer | null> {
  if (!turn) return null;
  const options = turn === true ? {} : turn;
  if (!turnAvailable(options.binary)) {
    throw new Error(`turn: coturn is not installed (${options.binary ?? TURNSERVER_PATH}); install the coturn package or pass turn: false`);
  }
  // A small relay range: a test needs a handful of ports.
  return startTurnServer({ minPort: 40000, maxPort: 49999, ...options, secret: randomBytes(24).toString('hex') });
}

/**
 * Starts a backend with TEST_BACKEND_SETTINGS, RELAXED_PUBLISH_LIMITS and
 * `options` (any field of the backend's configuration: `port` to come back on
 * a known port, `dataDir` to keep the data, which the caller then removes,
 * `allowedOrigins`, `siteAccounts`, …).
 */
export async function startTestBackend({
  closeAfter,
  relaxPublishLimits = true,
  turn,
  ...config
}: TestBackendOptions = {}): Promise<TestBackend> {
  const ownDataDir = config.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'rtc-call-test-')) : undefined;
  const removeOwnDataDir = () => (ownDataDir ? rm(ownDataDir, { recursive: true, force: true }) : Promise.resolve());
  let coturn: RunningTurnServer | null = null;
  let backend: RunningBackend;
  try {
    coturn = await startTurnFor(turn);
    backend = await startBackend({
      port: 0,
      ...TEST_BACKEND_SETTINGS,
      ...(relaxPublishLimits && RELAXED_PUBLISH_LIMITS),
      ...(coturn && { turnUrls: coturn.urls, turnSecret: coturn.secret, stunUrls: [] }),
      ...config,
      dataDir: config.dataDir ?? ownDataDir,
    });
  } catch (error) {
    await coturn?.stop();
    await removeOwnDataDir();
    throw error;
  }
  let closing: Promise<void> | undefined;
  const testBackend: TestBackend = {
    ...backend,
    wsUrl: `${backend.origin.replace(/^http/, 'ws')}${MQTT_PATH}`,
    turn: coturn,
    createUser: (user = {}) => registerTestUser(backend.origin, user),
    close: () =>
      (closing ??= (async () => {
        await backend.close();
        await coturn?.stop();
        await removeOwnDataDir();
      })()),
  };
  closeAfter?.after(() => testBackend.close());
  return testBackend;
}
