/**
 * A real backend (HTTP API + Aedes over WebSocket) started in this process on
 * a free loopback port, with a temporary data folder, cheap password hashing
 * and throttles relaxed so that many sign-ins from one address in a run are
 * not refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend, type RunningBackend } from '../../../broker/server.js';
import type { Config } from '../../../broker/config.js';

export type TestBackend = RunningBackend;

/** Loopback, cheap hashing and relaxed throttles: a test run signs in many times from one address. */
export const TEST_BACKEND_SETTINGS = {
  host: '127.0.0.1',
  // scrypt at OWASP cost takes ~100 ms per hash; tests hash hundreds of times.
  scryptCost: 1024,
  authRateMax: 100_000,
  loginFailuresPerEmail: 1_000,
  loginFailuresPerAddress: 100_000,
  publishRate: 1_000,
  publishBurst: 10_000,
  userPublishRate: 1_000,
  userPublishBurst: 10_000,
} satisfies Partial<Config>;

export async function startTestBackend(overrides: Partial<Config> = {}): Promise<TestBackend> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rtc-call-e2e-'));
  try {
    const backend = await startBackend({
      port: 0,
      dataDir,
      ...TEST_BACKEND_SETTINGS,
      ...overrides,
    });
    return {
      ...backend,
      async close() {
        await backend.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
