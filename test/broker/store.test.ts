/**
 * The user store through the running backend: concurrent registrations,
 * durability across restarts, corrupt files, the JWT secret file, file modes.
 * And the store itself: reads never wait for writes, changes share writes
 * and answer only once on disk.
 */
import assert from 'node:assert/strict';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { USERS_FILE, openJsonUserStore } from '../../broker/store/json-user-store.js';
import { writePrivateFile } from '../../broker/store/private-file.js';
import { EmailTakenError, StoreError, type StoredUser } from '../../broker/store/user-store.js';
import { JWT_SECRET_FILE } from '../../broker/tokens.js';
import { request, startTestBackend, tempDir, jsonFilesOnly } from './support.js';

test('50 concurrent registrations with distinct emails all persist across a restart', { ...jsonFilesOnly, timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const first = await startTestBackend({ dataDir });
  const people = Array.from({ length: 50 }, (_, i) => ({
    name: `Person ${i}`,
    email: `person${i}@example.test`,
    password: `password-${i}`,
  }));
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

  const second = await startTestBackend({ closeAfter: t, dataDir });
  const logins = await Promise.all(
    people.map(({ email, password }) => request(second, 'POST', '/api/login', { json: { email, password } })),
  );
  assert.deepEqual(
    logins.map((r) => r.status),
    people.map(() => 200),
  );
  assert.deepEqual(new Set(logins.map((r) => r.body.user.id)), ids);
});

test('20 concurrent registrations of one email: exactly one 201, the rest 409', { ...jsonFilesOnly, timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
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

test('a corrupt store file stops start-up with a clear error and is left untouched', { ...jsonFilesOnly, timeout: 60_000 }, async (t) => {
  for (const content of ['{"users": [ {"id": "abc', '[]', '{"users": "nope"}', 'null', '']) {
    const dataDir = await tempDir(t);
    const file = join(dataDir, USERS_FILE);
    await writeFile(file, content);
    const before = await stat(file);
    await assert.rejects(
      startTestBackend({ dataDir }),
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

test(
  'the generated JWT secret is kept with mode 0600 and reused, so tokens survive a restart',
  { ...jsonFilesOnly, timeout: 60_000 },
  async (t) => {
    const dataDir = await tempDir(t);
    const first = await startTestBackend({ dataDir });
    const reg = await request(first, 'POST', '/api/register', {
      json: { name: 'Keeper', email: 'keep@example.test', password: 'keep my token' },
    });
    assert.equal(reg.status, 201);
    await first.close();
    const secretFile = join(dataDir, JWT_SECRET_FILE);
    const info = await stat(secretFile);
    assert.equal(info.mode & 0o777, 0o600);
    const secret = await readFile(secretFile, 'utf8');
    assert.ok(secret.length >= 43, 'at least 256 bits');

    const second = await startTestBackend({ closeAfter: t, dataDir });
    const me = await request(second, 'GET', '/api/me', { token: reg.body.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, 'keep@example.test');
    assert.equal(await readFile(secretFile, 'utf8'), secret);
  },
);

test('a configured JWT_SECRET is used instead of the file', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const jwtSecret = 'configured secret, long enough for HS256 use';
  const backend = await startTestBackend({ closeAfter: t, dataDir, jwtSecret });
  const reg = await request(backend, 'POST', '/api/register', { json: { name: 'C', email: 'c@example.test', password: 'configured' } });
  assert.equal(reg.status, 201);
  await assert.rejects(stat(join(dataDir, JWT_SECRET_FILE)), { code: 'ENOENT' });
  const { jwtVerify } = await import('jose');
  const { payload } = await jwtVerify(reg.body.token, new TextEncoder().encode(jwtSecret), { issuer: 'rtc-call', audience: 'rtc-call' });
  assert.equal(payload.sub, reg.body.user.id);
});

test(
  'DATA_DIR is 0700 and every file in it 0600, even when the folder existed as 0755 with a 0644 users.json',
  { ...jsonFilesOnly, timeout: 60_000 },
  async (t) => {
    const dataDir = await tempDir(t);
    await chmod(dataDir, 0o755);
    // A store written by an older version, before modes were enforced.
    await writeFile(join(dataDir, USERS_FILE), JSON.stringify({ version: 1, users: [] }), { mode: 0o644 });
    await chmod(join(dataDir, USERS_FILE), 0o644);
    const backend = await startTestBackend({ dataDir });
    const modes = async () => {
      const files = await readdir(dataDir);
      return {
        dir: (await stat(dataDir)).mode & 0o777,
        files: Object.fromEntries(await Promise.all(files.map(async (f) => [f, (await stat(join(dataDir, f))).mode & 0o777] as const))),
      };
    };
    const atStart = await modes();
    assert.equal(atStart.dir, 0o700);
    assert.equal(atStart.files[USERS_FILE], 0o600);
    const reg = await request(backend, 'POST', '/api/register', {
      json: { name: 'Private', email: 'private@example.test', password: 'private password' },
    });
    assert.equal(reg.status, 201);
    await backend.close();
    const after = await modes();
    assert.equal(after.dir, 0o700);
    assert.ok(
      Object.keys(after.files).includes(USERS_FILE) && Object.keys(after.files).includes(JWT_SECRET_FILE),
      Object.keys(after.files).join(),
    );
    for (const [file, mode] of Object.entries(after.files)) assert.equal(mode, 0o600, `${file} is ${mode.toString(8)}`);
  },
);

/** A store whose file writes wait for `release()`; `writes` lists the emails each finished write held. */
async function heldStore(t: TestContext) {
  const dataDir = await tempDir(t);
  let gate = Promise.resolve();
  let open = () => {};
  const writes: string[][] = [];
  const store = await openJsonUserStore(dataDir, {
    writeFile: async (file, data) => {
      await gate;
      await writePrivateFile(file, data);
      writes.push(JSON.parse(Buffer.from(data).toString('utf8')).users.map((u: StoredUser) => u.email));
    },
  });
  t.after(() => store.close());
  return {
    store,
    writes,
    dataDir,
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release: () => open(),
  };
}

const newUser = (email: string) => ({ name: email, email, passwordHash: 'scrypt$1024$8$1$c2FsdA$a2V5' });

test('store reads answer while a write is held; a registration counts only once its write is on disk', { timeout: 30_000 }, async (t) => {
  const { store, hold, release, writes } = await heldStore(t);
  const first = await store.create(newUser('first@example.test'));
  hold();
  let createdSecond = false;
  const second = store.create(newUser('second@example.test')).then((user) => ((createdSecond = true), user));
  // While the second user's write is held: reads answer (from what is on disk), the create does not.
  assert.equal((await store.findById(first.id))?.email, 'first@example.test');
  assert.equal((await store.findByEmail('first@example.test'))?.id, first.id);
  assert.equal(await store.findByEmail('second@example.test'), undefined);
  assert.deepEqual(
    (await store.list()).map((u) => u.email),
    ['first@example.test'],
  );
  // Still a duplicate while pending: uniqueness counts changes not yet on disk.
  await assert.rejects(store.create(newUser('second@example.test')), EmailTakenError);
  assert.equal(createdSecond, false);
  release();
  const user = await second;
  assert.ok(writes.at(-1)!.includes('second@example.test'), 'resolved after the write that holds it');
  assert.equal((await store.findById(user.id))?.email, 'second@example.test');
});

test('registrations arriving during a write share the next write, each answered after it', { timeout: 30_000 }, async (t) => {
  const { store, hold, release, writes, dataDir } = await heldStore(t);
  await store.create(newUser('zero@example.test'));
  hold();
  const emails = Array.from({ length: 20 }, (_, i) => `batch${i}@example.test`);
  const resolvedAfter: number[] = [];
  const created = emails.map((email) => store.create(newUser(email)).then((u) => (resolvedAfter.push(writes.length), u)));
  release();
  await Promise.all(created);
  // One write for the first registration, then at most two for the twenty (one may start before the rest arrived).
  assert.ok(writes.length <= 3, `${writes.length} writes`);
  for (const email of emails) assert.ok(writes.at(-1)!.includes(email));
  assert.ok(resolvedAfter.every((n) => n >= 2));
  const stored = JSON.parse(await readFile(join(dataDir, USERS_FILE), 'utf8'));
  assert.deepEqual(
    stored.users.map((u: StoredUser) => u.email),
    ['zero@example.test', ...emails],
  );
});

test('a failed write fails every change not yet on disk and keeps the file as it was', { timeout: 30_000 }, async (t) => {
  const dataDir = await tempDir(t);
  let fail = false;
  const store = await openJsonUserStore(dataDir, {
    writeFile: async (file, data) => {
      if (fail) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      await writePrivateFile(file, data);
    },
  });
  t.after(() => store.close());
  const kept = await store.create(newUser('kept@example.test'));
  const before = await readFile(join(dataDir, USERS_FILE), 'utf8');
  fail = true;
  const results = await Promise.allSettled([
    store.create(newUser('lost@example.test')),
    store.setPasswordHash(kept.id, 'scrypt$other'),
    store.delete(kept.id),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected', 'rejected'],
  );
  assert.equal(await readFile(join(dataDir, USERS_FILE), 'utf8'), before);
  assert.equal(await store.findByEmail('lost@example.test'), undefined);
  assert.equal((await store.findById(kept.id))?.passwordHash, kept.passwordHash);
  fail = false;
  // Nothing half-done is left behind: the email is free and the kept user intact.
  await store.create(newUser('lost@example.test'));
  assert.equal((await store.list()).length, 2);
});
