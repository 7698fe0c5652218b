/**
 * The user store through the running backend: concurrent registrations,
 * durability across restarts, corrupt files, the JWT secret file.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBackend } from '../../broker/server.js';
import { USERS_FILE } from '../../broker/store/lowdb-store.js';
import { StoreError } from '../../broker/store/user-store.js';
import { JWT_SECRET_FILE } from '../../broker/tokens.js';
import { RELAXED, request, startTestBackend, tempDir } from './support.js';

test('50 concurrent registrations with distinct emails all persist across a restart', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const first = await startBackend({ ...RELAXED, host: '127.0.0.1', port: 0, dataDir });
  const people = Array.from({ length: 50 }, (_, i) => ({ name: `Person ${i}`, email: `person${i}@example.test`, password: `password-${i}` }));
  const results = await Promise.all(people.map((json) => request(first, 'POST', '/api/register', { json })));
  assert.deepEqual(
    results.map((r) => r.status),
    people.map(() => 201),
  );
  const ids = new Set(results.map((r) => r.body.user.id));
  assert.equal(ids.size, 50);
  await first.close();

  const stored = JSON.parse(await readFile(join(dataDir, USERS_FILE), 'utf8'));
  assert.equal(stored.users.length, 50);
  for (const user of stored.users) {
    // Hashes only, never the password in clear.
    assert.match(user.passwordHash, /^scrypt\$\d+\$8\$1\$/);
    assert.ok(!JSON.stringify(user).includes('password-'));
  }

  const second = await startTestBackend(t, { dataDir });
  const logins = await Promise.all(
    people.map(({ email, password }) => request(second, 'POST', '/api/login', { json: { email, password } })),
  );
  assert.deepEqual(
    logins.map((r) => r.status),
    people.map(() => 200),
  );
  assert.deepEqual(new Set(logins.map((r) => r.body.user.id)), ids);
});

test('20 concurrent registrations of one email: exactly one 201, the rest 409', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend(t);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      request(backend, 'POST', '/api/register', {
        // Case and spaces vary too: still one email.
        json: { name: `Twin ${i}`, email: i % 2 ? ' same@example.test' : 'SAME@example.test', password: `password-${i}` },
      }),
    ),
  );
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [201, ...Array(19).fill(409)]);
  for (const r of results.filter((r) => r.status === 409)) assert.equal(r.body.error.code, 'email_taken');
  const stored = JSON.parse(await readFile(join(backend.config.dataDir, USERS_FILE), 'utf8'));
  assert.equal(stored.users.length, 1);
  // The winner's password is the one that logs in.
  const winner = results.findIndex((r) => r.status === 201);
  const login = await request(backend, 'POST', '/api/login', { json: { email: 'same@example.test', password: `password-${winner}` } });
  assert.equal(login.status, 200);
});

test('a corrupt store file stops start-up with a clear error and is left untouched', { timeout: 60_000 }, async (t) => {
  for (const content of ['{"users": [ {"id": "abc', '[]', '{"users": "nope"}', 'null', '']) {
    const dataDir = await tempDir(t);
    const file = join(dataDir, USERS_FILE);
    await writeFile(file, content);
    const before = await stat(file);
    await assert.rejects(
      startBackend({ ...RELAXED, host: '127.0.0.1', port: 0, dataDir }),
      (error: unknown) => {
        assert.ok(error instanceof StoreError, String(error));
        assert.match(error.message, new RegExp(file.replaceAll('/', '\\/')));
        assert.match(error.message, /untouched/);
        return true;
      },
      `content ${JSON.stringify(content)}`,
    );
    assert.equal(await readFile(file, 'utf8'), content);
    assert.equal((await stat(file)).mtimeMs, before.mtimeMs);
  }
});

test('the generated JWT secret is kept with mode 0600 and reused, so tokens survive a restart', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const first = await startBackend({ ...RELAXED, host: '127.0.0.1', port: 0, dataDir });
  const reg = await request(first, 'POST', '/api/register', { json: { name: 'Keeper', email: 'keep@example.test', password: 'keep my token' } });
  assert.equal(reg.status, 201);
  await first.close();
  const secretFile = join(dataDir, JWT_SECRET_FILE);
  const info = await stat(secretFile);
  assert.equal(info.mode & 0o777, 0o600);
  const secret = await readFile(secretFile, 'utf8');
  assert.ok(secret.length >= 43, 'at least 256 bits');

  const second = await startTestBackend(t, { dataDir });
  const me = await request(second, 'GET', '/api/me', { token: reg.body.token });
  assert.equal(me.status, 200);
  assert.equal(me.body.user.email, 'keep@example.test');
  assert.equal(await readFile(secretFile, 'utf8'), secret);
});

test('a configured JWT_SECRET is used instead of the file', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const jwtSecret = 'configured secret, long enough for HS256 use';
  const backend = await startTestBackend(t, { dataDir, jwtSecret });
  const reg = await request(backend, 'POST', '/api/register', { json: { name: 'C', email: 'c@example.test', password: 'configured' } });
  assert.equal(reg.status, 201);
  await assert.rejects(stat(join(dataDir, JWT_SECRET_FILE)), { code: 'ENOENT' });
  const { jwtVerify } = await import('jose');
  const { payload } = await jwtVerify(reg.body.token, new TextEncoder().encode(jwtSecret), { issuer: 'rtc-call', audience: 'rtc-call' });
  assert.equal(payload.sub, reg.body.user.id);
});
