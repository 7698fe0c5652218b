/**
 * Accounts for the browser benchmarks, made through the HTTP API before any
 * timing starts: only what a visitor waits for is timed.
 */
import { API_PATHS } from '../../src/protocol/index.js';
import type { Credentials } from '../../test/e2e/support/person.js';

/** Registers a new password account named after `label` ("alice" → "Alice") on the backend at `origin`. */
export async function createAccount(origin: string, label: string): Promise<Credentials> {
  const credentials = {
    name: `${label[0]!.toUpperCase()}${label.slice(1)}`,
    email: `${label}-${Date.now()}@bench.example`,
    password: `pw-${label}-bench-secret`,
  };
  const res = await fetch(`${origin}${API_PATHS.register}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (res.status !== 201) throw new Error(`register ${label}: HTTP ${res.status} ${await res.text()}`);
  return credentials;
}
