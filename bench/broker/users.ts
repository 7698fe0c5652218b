/**
 * Load users created through the real HTTP API (register, then a token from
 * /api/login), a bounded number of requests in flight.
 */
import { randomBytes } from 'node:crypto';
import { API_PATHS, type AuthResponse } from '../../src/protocol/index.js';
import type { LoadUser } from './protocol.js';

async function post(origin: string, path: string, body: unknown): Promise<AuthResponse> {
  const response = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as AuthResponse;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

export interface CreatedUsers {
  /** MQTT credentials for the product: id + JWT from /api/login. */
  withTokens: LoadUser[];
  /** The same ids with a plain generated password, for the baselines. */
  withPasswords: LoadUser[];
  registerMs: number;
  loginMs: number;
}

export async function createUsers(origin: string, count: number, concurrency = 16): Promise<CreatedUsers> {
  const run = `${Date.now().toString(36)}`;
  const password = 'load-benchmark-password';
  const ids: string[] = new Array(count);
  const tokens: string[] = new Array(count);

  async function inParallel(task: (i: number) => Promise<void>): Promise<number> {
    const start = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < count) await task(next++);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    return performance.now() - start;
  }

  const email = (i: number) => `load-${run}-${i}@bench.test`;
  const registerMs = await inParallel(async (i) => {
    ids[i] = (await post(origin, API_PATHS.register, { name: `Load ${i}`, email: email(i), password })).user.id;
  });
  const loginMs = await inParallel(async (i) => {
    tokens[i] = (await post(origin, API_PATHS.login, { email: email(i), password })).token;
  });
  return {
    withTokens: ids.map((id, i) => ({ id, password: tokens[i]! })),
    withPasswords: ids.map((id) => ({ id, password: randomBytes(12).toString('base64url') })),
    registerMs,
    loginMs,
  };
}
