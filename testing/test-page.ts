/**
 * What a test page (web-test-runner) knows of the run's backend: its origin,
 * told by `testBackendPlugin()` as `window.RTC_TEST_BACKEND`, and fresh
 * accounts on it. Free of @open-wc/testing, so page code of any framework
 * (and node-side code that only imports it) can use it.
 */
import { registerTestUser, type TestUser } from './accounts.js';

declare global {
  interface Window {
    RTC_TEST_BACKEND?: string | null;
  }
}

/** The origin of the run's test backend, e.g. "http://127.0.0.1:41234". */
export function testBackendOrigin(): string {
  const origin = window.RTC_TEST_BACKEND;
  if (!origin) throw new Error('RTC_TEST_BACKEND is not set: add testBackendPlugin() from rtc-call/testing to web-test-runner.config.mjs');
  return origin;
}

/** A fresh account on the test backend (through its HTTP API). */
export function newTestUser(user: Partial<Pick<TestUser, 'name' | 'email' | 'password'>> = {}): Promise<TestUser> {
  return registerTestUser(testBackendOrigin(), user);
}
