/**
 * Load users: created through the real HTTP API (register, then a token from
 * /api/login), a bounded number of requests in flight — or, for large N,
 * seeded straight into the backend's users file before it starts (each HTTP
 * registration rewrites the whole file: O(N²) bytes written), then logged in
 * through /api/login all the same.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashPassword } from '../../broker/passwords.js';
import { USERS_FILE, generateUserId } from '../../broker/store/json-user-store.js';
import type { StoredUser } from '../../broker/store/user-store.js';
import { API_PATHS, type AuthResponse } from '../../src/protocol/index.js';
import type { LoadUser } from './protocol.js';

const PASSWORD = 'load-benchmark-password';

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

/** Users to create: either through /api/register, or already written to the users file by `seedUsers`. */
export type UserSource = { kind: 'http' } | { kind: 'seeded'; users: SeededUser[] };

export interface SeededUser {
  id: string;
  email: string;
}

/**
 * Writes `count` users to `dataDir`'s users file in the store's own record
 * format, before the backend opens it. They share one scrypt hash of the bench
 * password (salted once), so seeding costs one hash, not N.
 */
export async function seedUsers(dataDir: string, count: number, scryptCost: number): Promise<SeededUser[]> {
  const run = Date.now().toString(36);
  const passwordHash = await hashPassword(PASSWORD, scryptCost);
  const createdAt = new Date().toISOString();
  const users: StoredUser[] = Array.from({ length: count }, (_, i) => ({
    id: generateUserId(),
    name: `Load ${i}`,
    email: `load-${run}-${i}@bench.test`,
    passwordHash,
    createdAt,
  }));
  await writeFile(join(dataDir, USERS_FILE), JSON.stringify({ version: 1, users }));
  return users.map(({ id, email }) => ({ id, email }));
}

export interface CreatedUsers {
  /** MQTT credentials for the product: id + JWT from /api/login. */
  withTokens: LoadUser[];
  /** The same ids with a plain generated password, for the baselines. */
  withPasswords: LoadUser[];
  registerMs: number;
  loginMs: number;
}

export async function createUsers(origin: string, count: number, source: UserSource, concurrency = 16): Promise<CreatedUsers> {
  const run = `${Date.now().toString(36)}`;
  const password = PASSWORD;
  const ids: string[] = source.kind === 'seeded' ? source.users.map((u) => u.id) : new Array(count);
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

  const email = (i: number) => (source.kind === 'seeded' ? source.users[i]!.email : `load-${run}-${i}@bench.test`);
  const registerMs =
    source.kind === 'seeded'
      ? 0
      : await inParallel(async (i) => {
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
