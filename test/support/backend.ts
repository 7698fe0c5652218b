/**
 * Browser-side helpers for tests that run against the real backend started by
 * web-test-runner (see web-test-runner.config.mjs and the testing kit's
 * testing/test-page.ts).
 */
import type { AuthResponse } from '../../src/protocol/index.js';
import { testBackendOrigin } from '../../testing/test-page.js';

/** Origin of the real backend for this test run, e.g. "http://127.0.0.1:41234" (the testing kit's plugin tells it). */
export const backendOrigin = testBackendOrigin;

let counter = 0;

export interface TestUser extends AuthResponse {
  email: string;
  password: string;
}

/** Registers a fresh user through the real HTTP API. */
export async function newUser(name = `Tester ${++counter}`): Promise<TestUser> {
  const email = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}@example.test`;
  const password = 'correct horse battery';
  const res = await fetch(`${backendOrigin()}/api/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, email, password }),
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as AuthResponse;
  return { ...body, email, password };
}
