/**
 * The admin CLI (`tsx broker/admin.ts`), run as a child process on the same
 * DATA_DIR as a running backend.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOMS_FILE } from '../../broker/store/json-room-store.js';
import { USERS_FILE } from '../../broker/store/json-user-store.js';
import { API_PATHS, inboxTopic, inviteJoinPath, type AuthResponse } from '../../src/protocol/index.js';
import {
  SITE_ACCOUNTS,
  closedWithin,
  collect,
  connectAs,
  publish,
  register,
  request,
  runAdmin,
  siteSignIn,
  startTestBackend,
  tempDir,
  jsonFilesOnly,
} from './support.js';

const admin = (dataDir: string, args: string[], stdin?: string) => runAdmin({ DATA_DIR: dataDir }, args, stdin);

const login = (backend: { origin: string }, email: string, password: string) =>
  request(backend, 'POST', '/api/login', { json: { email, password } });

test('add, list, reset-password and delete work on the store a running backend uses', { ...jsonFilesOnly, timeout: 180_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const backend = await startTestBackend({ closeAfter: t, dataDir });

  const empty = await admin(dataDir, ['list']);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /no users/);

  const added = await admin(dataDir, ['add', '--name', 'Dora Admin', '--email', ' Dora@Example.test', '--password', 'first password']);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /added \S+\tDora Admin\tdora@example\.test/);
  // The running backend sees the new user at once.
  const first = await login(backend, 'dora@example.test', 'first password');
  assert.equal(first.status, 200);

  // Password from standard input when --password is left out.
  const piped = await admin(dataDir, ['add', '--name', 'Piped', '--email', 'piped@example.test'], 'piped password\n');
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal((await login(backend, 'piped@example.test', 'piped password')).status, 200);
  // A user registered over HTTP shows up too.
  await register(backend, { name: 'Via Http', email: 'http@example.test' });

  const listed = await admin(dataDir, ['list']);
  assert.equal(listed.code, 0);
  const lines = listed.stdout.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(listed.stdout, /dora@example\.test/);
  assert.match(listed.stdout, /http@example\.test/);
  assert.doesNotMatch(listed.stdout, /scrypt|password/i);

  const reset = await admin(dataDir, ['reset-password', '--email', 'DORA@example.test', '--password', 'second password']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal((await login(backend, 'dora@example.test', 'first password')).status, 401);
  assert.equal((await login(backend, 'dora@example.test', 'second password')).status, 200);
  const token = (await login(backend, 'dora@example.test', 'second password')).body.token;

  const deleted = await admin(dataDir, ['delete', '--email', 'dora@example.test']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal((await login(backend, 'dora@example.test', 'second password')).status, 401);
  // The deleted user's token is refused by the running backend.
  assert.equal((await request(backend, 'GET', '/api/me', { token })).status, 401);

  const stored = JSON.parse(await readFile(join(dataDir, USERS_FILE), 'utf8'));
  assert.deepEqual(stored.users.map((u: { email: string }) => u.email).sort(), ['http@example.test', 'piped@example.test']);
});

test('reset-password and delete sign the user out everywhere: tokens refused, live connections closed', { timeout: 180_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const backend = await startTestBackend({ closeAfter: t, dataDir });
  const dora = await register(backend, { name: 'Dora', email: 'dora@example.test', password: 'first password' });
  const renewed = (await request(backend, 'POST', API_PATHS.token, { token: dora.token })).body.token as string;
  const bystander = await register(backend, { name: 'Bystander' });
  const doraTab = await connectAs(t, backend, { ...dora, token: renewed });
  const bystanderTab = await connectAs(t, backend, bystander);

  const reset = await admin(dataDir, ['reset-password', '--email', 'dora@example.test', '--password', 'second password']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /signed out everywhere/);
  t.diagnostic(`reset: connection closed ${await closedWithin(doraTab, Date.now(), 2000)} ms after the CLI finished`);
  for (const token of [dora.token, renewed]) {
    assert.equal((await request(backend, 'GET', API_PATHS.me, { token })).status, 401);
    assert.equal((await request(backend, 'POST', API_PATHS.token, { token })).status, 401);
  }
  assert.equal(bystanderTab.connected, true, 'other users stay connected');

  // Signed in again with the new password, connected, then deleted: that connection goes too and stops publishing.
  const again = (await login(backend, 'dora@example.test', 'second password')).body;
  assert.equal((await request(backend, 'GET', API_PATHS.me, { token: again.token })).status, 200);
  const newTab = await connectAs(t, backend, again);
  const received = collect(bystanderTab);
  await new Promise<void>((resolve, reject) =>
    bystanderTab.subscribe(inboxTopic(bystander.user.id, '+'), (error) => (error ? reject(error) : resolve())),
  );
  const deleted = await admin(dataDir, ['delete', '--email', 'dora@example.test']);
  assert.equal(deleted.code, 0, deleted.stderr);
  const since = Date.now();
  // Keeps trying to publish until the broker closes the connection.
  const spam = setInterval(() => void publish(newTab, inboxTopic(bystander.user.id, again.user.id), '{"type":"chat"}'), 50);
  try {
    t.diagnostic(`delete: connection closed ${await closedWithin(newTab, since, 2000)} ms after the CLI finished`);
  } finally {
    clearInterval(spam);
  }
  const afterClose = received.length;
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(received.length, afterClose, 'nothing more from the deleted user');
  assert.equal((await request(backend, 'GET', API_PATHS.me, { token: again.token })).status, 401);
});

test('clear errors, non-zero exit, nothing changed', { ...jsonFilesOnly, timeout: 180_000 }, async (t) => {
  const dataDir = await tempDir(t);
  assert.equal((await admin(dataDir, ['add', '--name', 'Eve', '--email', 'eve@example.test', '--password', 'eve password'])).code, 0);
  const before = await readFile(join(dataDir, USERS_FILE), 'utf8');

  const cases: Array<[string[], RegExp]> = [
    [['frobnicate'], /unknown command "frobnicate"/],
    [['add', '--email', 'x@example.test', '--password', 'long enough'], /missing --name/],
    [['add', '--name', 'X', '--password', 'long enough'], /missing --email/],
    [['add', '--name', 'Eve Again', '--email', 'EVE@example.test', '--password', 'long enough'], /already registered/],
    [['add', '--name', 'Bad', '--email', 'not-an-email', '--password', 'long enough'], /email/],
    [['add', '--name', 'Short', '--email', 's@example.test', '--password', 'short'], /password must be 8/],
    [['reset-password', '--email', 'nobody@example.test', '--password', 'long enough'], /no user with email nobody@example\.test/],
    [['delete', '--email', 'nobody@example.test'], /no user with email/],
    [['delete'], /delete needs --email or --id/],
    [['delete', '--email', 'eve@example.test', '--id', 'abcdefgh'], /delete needs --email or --id/],
    [['delete', '--id', 'nobody000000'], /no user with id nobody000000/],
    // Ids are base64url and may start with "-": `--id=<id>` takes them.
    [['delete', '--id=-nobody00000'], /no user with id -nobody00000/],
    [['list', '--colour'], /Unknown option '--colour'/],
  ];
  for (const [args, message] of cases) {
    const result = await admin(dataDir, args);
    assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(await readFile(join(dataDir, USERS_FILE), 'utf8'), before);
});

test('a corrupt store is reported and left as it is', { ...jsonFilesOnly, timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const file = join(dataDir, USERS_FILE);
  await writeFile(file, '{ not json');
  const result = await admin(dataDir, ['add', '--name', 'X', '--email', 'x@example.test', '--password', 'long enough']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cannot be read/);
  assert.equal(await readFile(file, 'utf8'), '{ not json');
});

test(
  'delete --id: a site account or a guest (no email); rooms they made go, rooms they joined lose them',
  { ...jsonFilesOnly, timeout: 180_000 },
  async (t) => {
    const dataDir = await tempDir(t);
    const backend = await startTestBackend({ closeAfter: t, dataDir, ...SITE_ACCOUNTS });
    const changed: string[] = [];
    backend.membership.onChange((id) => changed.push(id));
    const sita = await siteSignIn(backend, 's-1', { name: 'Sita Site' });
    const bob = await register(backend, { name: 'Bob' });
    const made = await request(backend, 'POST', API_PATHS.rooms, { token: sita.token, json: { name: 'Sita room' } });
    assert.equal(made.status, 201);
    assert.equal((await request(backend, 'POST', inviteJoinPath(made.body.invite.code), { token: bob.token })).status, 200);
    const gia = (await request<AuthResponse>(backend, 'POST', API_PATHS.guest, { json: { invite: made.body.invite.code, name: 'Gia' } }))
      .body;
    const bobsRoom = await request(backend, 'POST', API_PATHS.rooms, { token: bob.token, json: { name: 'Bob room' } });
    const gus = (
      await request<AuthResponse>(backend, 'POST', API_PATHS.guest, { json: { invite: bobsRoom.body.invite.code, name: 'Gus' } })
    ).body;
    assert.equal((await request(backend, 'POST', inviteJoinPath(bobsRoom.body.invite.code), { token: sita.token })).status, 200);

    const listed = await admin(dataDir, ['list']);
    assert.ok(listed.stdout.includes(`${gus.user.id}\tGus\t(guest until 20`), listed.stdout);

    const roomsOf = async (token: string) =>
      (await request(backend, 'GET', API_PATHS.rooms, { token })).body.rooms.map((r: { name: string }) => r.name);
    assert.deepEqual(await roomsOf(bob.token), ['Lobby', 'Bob room', 'Sita room']);
    changed.length = 0;
    const deleted = await admin(dataDir, ['delete', `--id=${sita.user.id}`]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.ok(deleted.stdout.includes(`deleted ${sita.user.id}\t(site https://site.test); signed out everywhere`), deleted.stdout);
    assert.equal((await request(backend, 'GET', API_PATHS.me, { token: sita.token })).status, 401);
    // The running backend reads the room store again within a second and tells the membership.
    for (let i = 0; i < 40 && !changed.includes(bob.user.id); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    // Bob left Sita's room; Gia, Sita's guest, lost it (her room is on her account, not among the members).
    for (let i = 0; i < 40 && !changed.includes(gia.user.id); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(new Set(changed), new Set([sita.user.id, bob.user.id, gia.user.id]));
    assert.deepEqual(await roomsOf(gia.token), []);
    assert.deepEqual(await roomsOf(bob.token), ['Lobby', 'Bob room']);
    const rooms = JSON.parse(await readFile(join(dataDir, ROOMS_FILE), 'utf8'));
    assert.deepEqual(
      rooms.rooms.map((r: { name: string; members: string[] }) => [r.name, r.members]),
      [['Bob room', [bob.user.id]]],
    );
    assert.ok(rooms.invites.every((i: { createdBy: string }) => i.createdBy === bob.user.id));

    const guestDeleted = await admin(dataDir, ['delete', `--id=${gus.user.id}`]);
    assert.equal(guestDeleted.code, 0, guestDeleted.stderr);
    assert.equal((await request(backend, 'GET', API_PATHS.me, { token: gus.token })).status, 401);
    const users = JSON.parse(await readFile(join(dataDir, USERS_FILE), 'utf8')).users.map((u: { id: string }) => u.id);
    assert.deepEqual(users, [bob.user.id, gia.user.id]);
  },
);
