/**
 * Rooms and invites over HTTP (PROTOCOL.md §4, "HTTP") on the real backend:
 * every route, every refusal code, the limits, invite expiry (through the
 * backend's test-only `roomsClock`), uses, revocation, pruning, the rooms
 * of password, site and guest users, and the membership's change notices.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Config } from '../../broker/config.js';
import { ROOMS_FILE } from '../../broker/store/json-room-store.js';
import {
  INVITE_CODE_PATTERN,
  MADE_ROOM_ID_PATTERN,
  invitePath,
  inviteJoinPath,
  type AuthResponse,
  type Invite,
  type Room,
} from '../../src/protocol/index.js';
import {
  SITE_ACCOUNTS,
  assertError,
  register,
  request,
  siteSignIn,
  startTestBackend,
  tempDir,
  type TestBackend,
  jsonFilesOnly,
} from './support.js';

const DAY = 24 * 3600 * 1000;

/** A backend whose rooms clock the test moves: `clock.now` is read on every use. */
async function startRoomsBackend(t: TestContext, config: Partial<Config> = {}) {
  const clock = { now: Date.now() };
  const backend = await startTestBackend({ closeAfter: t, roomsClock: () => clock.now, ...config });
  return { backend, clock };
}

const newRoom = (backend: TestBackend, token: string, name: string) =>
  request<{ room: Room; invite: Invite }>(backend, 'POST', '/api/rooms', { token, json: { name } });

async function makeRoom(backend: TestBackend, token: string, name: string) {
  const res = await newRoom(backend, token, name);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

const newInvite = (backend: TestBackend, token: string, json: Record<string, unknown>) =>
  request<{ invite: Invite }>(backend, 'POST', '/api/invites', { token, json });

async function makeInvite(backend: TestBackend, token: string, json: Record<string, unknown>): Promise<Invite> {
  const res = await newInvite(backend, token, json);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.invite;
}

const join_ = (backend: TestBackend, token: string, code: string) =>
  request<{ room: Room }>(backend, 'POST', inviteJoinPath(code), { token });
const preview = (backend: TestBackend, code: string) => request(backend, 'GET', invitePath(code));
const roomsOf = async (backend: TestBackend, token: string) => {
  const res = await request<{ rooms: Room[] }>(backend, 'GET', '/api/rooms', { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.rooms;
};
const guest = (backend: TestBackend, invite: string, name = 'Gus Guest') =>
  request<AuthResponse>(backend, 'POST', '/api/guest', { json: { invite, name } });

test('POST /api/rooms makes a group room and a first invite; GET /api/rooms lists lobby first, then by name', async (t) => {
  const { backend } = await startRoomsBackend(t);
  const ada = await register(backend, { name: 'Ada' });
  assert.deepEqual(await roomsOf(backend, ada.token), [{ id: 'lobby', name: 'Lobby', kind: 'lobby' }]);

  const before = Date.now();
  const { room, invite } = await makeRoom(backend, ada.token, '  Zeta   team ');
  assert.match(room.id, MADE_ROOM_ID_PATTERN);
  assert.deepEqual(room, { id: room.id, name: 'Zeta team', kind: 'group', owner: ada.user.id });
  assert.match(invite.code, INVITE_CODE_PATTERN);
  assert.deepEqual(invite.room, room);
  assert.equal(invite.maxUses, null);
  assert.equal(invite.uses, 0);
  assert.equal(invite.revoked, false);
  // Default lifetime INVITE_TTL (7 days).
  assert.ok(Math.abs(invite.expiresAt - (before + 7 * DAY)) < 5000, String(invite.expiresAt - before));

  const alpha = (await makeRoom(backend, ada.token, 'alpha')).room;
  assert.deepEqual(
    (await roomsOf(backend, ada.token)).map((r) => r.name),
    ['Lobby', 'alpha', 'Zeta team'],
  );
  assert.ok((await roomsOf(backend, ada.token)).some((r) => r.id === alpha.id));
});

test('POST /api/rooms refusals: bad names and bodies, no token, MAX_ROOMS_PER_USER', async (t) => {
  const { backend } = await startRoomsBackend(t, { maxRoomsPerUser: 2 });
  const ada = await register(backend);
  for (const json of [
    { name: '' },
    { name: '   ' },
    { name: 'a\u0007b' },
    { name: 'x'.repeat(65) },
    { name: 5 },
    {},
    { name: 'ok', extra: 1 },
  ]) {
    assertError(await request(backend, 'POST', '/api/rooms', { token: ada.token, json }), 400, 'invalid_input');
  }
  assertError(await request(backend, 'POST', '/api/rooms', { json: { name: 'x' } }), 401, 'unauthorized');
  assertError(await request(backend, 'POST', '/api/rooms', { json: { bad: 'x' } }), 401, 'unauthorized');
  await makeRoom(backend, ada.token, 'one');
  await makeRoom(backend, ada.token, 'two');
  assertError(await newRoom(backend, ada.token, 'three'), 409, 'room_limit');
  // Personal rooms are not counted.
  await makeInvite(backend, ada.token, { personal: true });
  // Someone else still may.
  const bob = await register(backend);
  await makeRoom(backend, bob.token, 'bobs');
});

test('POST /api/invites: group rooms of one’s own, the personal room made once, options and refusals', async (t) => {
  const { backend, clock } = await startRoomsBackend(t);
  const ada = await register(backend, { name: 'Ada Doctor' });
  const bob = await register(backend, { name: 'Bob' });
  const { room } = await makeRoom(backend, ada.token, 'Team');

  const limited = await makeInvite(backend, ada.token, { room: room.id, expiresIn: 60, maxUses: 3 });
  assert.equal(limited.expiresAt, clock.now + 60_000);
  assert.equal(limited.maxUses, 3);

  const personal = await makeInvite(backend, ada.token, { personal: true, expiresIn: 2_592_000 });
  assert.deepEqual(personal.room, { id: personal.room.id, name: 'Ada Doctor', kind: 'personal', owner: ada.user.id });
  const again = await makeInvite(backend, ada.token, { personal: true, maxUses: 10_000 });
  assert.equal(again.room.id, personal.room.id, 'one personal room per person');
  assert.deepEqual(
    (await roomsOf(backend, ada.token)).map((r) => r.kind),
    ['lobby', 'personal', 'group'],
  );

  // A member who joined may invite to a group room too; to someone's personal room only its owner.
  assert.equal((await join_(backend, bob.token, limited.code)).status, 200);
  await makeInvite(backend, bob.token, { room: room.id });
  assert.equal((await join_(backend, bob.token, personal.code)).status, 200);
  assertError(await newInvite(backend, bob.token, { room: personal.room.id }), 404, 'room_not_found');

  for (const json of [
    {},
    { room: room.id, personal: true },
    { personal: false },
    { room: room.id, expiresIn: 59 },
    { room: room.id, expiresIn: 2_592_001 },
    { room: room.id, expiresIn: 60.5 },
    { room: room.id, maxUses: 0 },
    { room: room.id, maxUses: 10_001 },
    { room: room.id, other: 1 },
  ]) {
    assertError(await newInvite(backend, ada.token, json), 400, 'invalid_input');
  }
  assertError(await newInvite(backend, ada.token, { room: 'lobby' }), 404, 'room_not_found');
  assertError(await newInvite(backend, ada.token, { room: 'some-site-room' }), 404, 'room_not_found');
  assertError(await newInvite(backend, ada.token, { room: '~' + 'A'.repeat(22) }), 404, 'room_not_found');
  const carol = await register(backend);
  assertError(await newInvite(backend, carol.token, { room: room.id }), 404, 'room_not_found');
  assertError(await request(backend, 'POST', '/api/invites', { json: { personal: true } }), 401, 'unauthorized');
});

test('at most 100 live invites per person; ended ones do not count', async (t) => {
  const { backend } = await startRoomsBackend(t);
  const ada = await register(backend);
  const { room, invite: first } = await makeRoom(backend, ada.token, 'Team');
  const made = await Promise.all(Array.from({ length: 99 }, () => newInvite(backend, ada.token, { room: room.id })));
  assert.deepEqual(new Set(made.map((r) => r.status)), new Set([201]));
  assertError(await newInvite(backend, ada.token, { room: room.id }), 409, 'invite_limit');
  // A new room comes with an invite: neither is made.
  assertError(await newRoom(backend, ada.token, 'another'), 409, 'invite_limit');
  assert.equal((await roomsOf(backend, ada.token)).length, 2);
  // A revoked invite is not live any more: room for one more.
  assert.equal((await request(backend, 'DELETE', invitePath(first.code), { token: ada.token })).status, 204);
  await makeInvite(backend, ada.token, { personal: true });
  assertError(await newInvite(backend, ada.token, { personal: true }), 409, 'invite_limit');
});

test('GET /api/invites lists the caller’s own, newest first, ended ones for 7 days', jsonFilesOnly, async (t) => {
  const { backend, clock } = await startRoomsBackend(t);
  const ada = await register(backend);
  const bob = await register(backend);
  const { room, invite: first } = await makeRoom(backend, ada.token, 'Team');
  clock.now += 1000;
  const second = await makeInvite(backend, ada.token, { room: room.id, maxUses: 1, expiresIn: 3600 });
  clock.now += 1000;
  const third = await makeInvite(backend, ada.token, { personal: true, expiresIn: 60 });
  assert.equal((await join_(backend, bob.token, second.code)).status, 200);
  assert.equal((await request(backend, 'DELETE', invitePath(first.code), { token: ada.token })).status, 204);

  const listed = await request<{ invites: Invite[] }>(backend, 'GET', '/api/invites', { token: ada.token });
  assert.equal(listed.status, 200);
  assert.deepEqual(
    listed.body.invites.map((i) => [i.code, i.uses, i.revoked]),
    [
      [third.code, 0, false],
      [second.code, 1, false],
      [first.code, 0, true],
    ],
  );
  assert.deepEqual((await request(backend, 'GET', '/api/invites', { token: bob.token })).body, { invites: [] });
  assertError(await request(backend, 'GET', '/api/invites'), 401, 'unauthorized');

  // 7 days after their end they are forgotten: the revoked and used-up ones now, the expired one a minute later.
  clock.now += 7 * DAY;
  assert.deepEqual(
    (await request<{ invites: Invite[] }>(backend, 'GET', '/api/invites', { token: ada.token })).body.invites.map((i) => i.code),
    [third.code],
  );
  clock.now += 60_000;
  assert.deepEqual((await request(backend, 'GET', '/api/invites', { token: ada.token })).body, { invites: [] });
  // Pruned from the file on the next write too.
  await makeInvite(backend, ada.token, { room: room.id });
  const stored = JSON.parse(await readFile(join(backend.config.dataDir, ROOMS_FILE), 'utf8'));
  assert.equal(stored.invites.length, 1);
});

test('GET /api/invites/<code>: a preview for anyone, 404 and 410 without revealing more', async (t) => {
  const { backend, clock } = await startRoomsBackend(t);
  const ada = await register(backend, { name: 'Ada Doctor' });
  const bob = await register(backend);
  const { invite } = await makeRoom(backend, ada.token, 'Team');

  const shown = await preview(backend, invite.code);
  assert.equal(shown.status, 200);
  assert.equal(shown.headers.get('cache-control'), 'no-store');
  assert.deepEqual(shown.body, {
    invite: { room: { name: 'Team', kind: 'group' }, by: 'Ada Doctor', expiresAt: invite.expiresAt, guests: true, passwords: true },
  });

  const personal = await makeInvite(backend, ada.token, { personal: true, maxUses: 1 });
  assert.deepEqual((await preview(backend, personal.code)).body.invite.room, { name: 'Ada Doctor', kind: 'personal' });
  assert.equal((await join_(backend, bob.token, personal.code)).status, 200);
  assertError(await preview(backend, personal.code), 410, 'invite_used_up');

  for (const code of ['A'.repeat(22), 'short', 'A'.repeat(23), '%2E%2E', 'A'.repeat(21) + '!']) {
    const res = await preview(backend, code);
    assertError(res, 404, 'invite_not_found');
    assert.equal(res.body.error.message, 'no such invite');
  }

  const expiring = await makeInvite(backend, ada.token, { personal: true, expiresIn: 60 });
  clock.now += 59_999;
  assert.equal((await preview(backend, expiring.code)).status, 200);
  clock.now += 1;
  assertError(await preview(backend, expiring.code), 410, 'invite_expired');
});

test('GET /api/invites/<code> is rate limited per address', async (t) => {
  const { backend } = await startRoomsBackend(t, { authRateMax: 5 });
  const ada = await register(backend);
  const { invite } = await makeRoom(backend, ada.token, 'Team');
  for (let i = 0; i < 4; i++) assertError(await preview(backend, `${'B'.repeat(21)}${i}`), 404, 'invite_not_found');
  assert.equal((await preview(backend, invite.code)).status, 200);
  const limited = await preview(backend, invite.code);
  assertError(limited, 429, 'rate_limited');
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
});

test('GUESTS=off: previews say guests: false', async (t) => {
  const { backend } = await startRoomsBackend(t, { guests: false });
  const ada = await register(backend);
  const { invite } = await makeRoom(backend, ada.token, 'Team');
  assert.equal((await preview(backend, invite.code)).body.invite.guests, false);
});

test('ACCOUNTS=site: previews say passwords: false, so no "sign in instead" is offered', async (t) => {
  const { backend } = await startRoomsBackend(t, { ...SITE_ACCOUNTS, accounts: 'site' });
  const ada = await siteSignIn(backend, 'ada', { name: 'Ada', rooms: ['team'] });
  const { invite } = await makeRoom(backend, ada.token, 'Clinic');
  const { body } = await preview(backend, invite.code);
  assert.equal(body.invite.passwords, false);
  assert.equal(body.invite.guests, true);
});

test('DELETE /api/invites/<code>: its maker revokes it; nobody can use it after', async (t) => {
  const { backend } = await startRoomsBackend(t);
  const ada = await register(backend);
  const bob = await register(backend);
  const { invite } = await makeRoom(backend, ada.token, 'Team');
  assertError(await request(backend, 'DELETE', invitePath(invite.code)), 401, 'unauthorized');
  assertError(await request(backend, 'DELETE', invitePath(invite.code), { token: bob.token }), 404, 'invite_not_found');
  assertError(await request(backend, 'DELETE', invitePath('C'.repeat(22)), { token: ada.token }), 404, 'invite_not_found');
  assertError(await request(backend, 'DELETE', invitePath('bad'), { token: ada.token }), 404, 'invite_not_found');
  const revoked = await request(backend, 'DELETE', invitePath(invite.code), { token: ada.token });
  assert.equal(revoked.status, 204);
  assert.equal(revoked.body, '');
  // Again: still 204, it stays revoked.
  assert.equal((await request(backend, 'DELETE', invitePath(invite.code), { token: ada.token })).status, 204);
  assertError(await preview(backend, invite.code), 410, 'invite_revoked');
  assertError(await join_(backend, bob.token, invite.code), 410, 'invite_revoked');
  assertError(await guest(backend, invite.code), 410, 'invite_revoked');
});

test('POST /api/invites/<code>/join: uses, max uses, expiry, a second join uses nothing; the membership is told', async (t) => {
  const { backend, clock } = await startRoomsBackend(t);
  const changed: string[] = [];
  backend.membership.onChange((id) => changed.push(id));
  // Who was told, each once: the route tells the membership before answering, the store's notice may tell it again.
  const told = () => [...new Set(changed)];
  const ada = await register(backend, { name: 'Ada' });
  const [bob, carol, dan] = [await register(backend), await register(backend), await register(backend)];
  const { room } = await makeRoom(backend, ada.token, 'Team');
  // Making a room gives its maker a room; an invite changes nobody's.
  const invite = await makeInvite(backend, ada.token, { room: room.id, maxUses: 2 });
  assert.deepEqual(told(), [ada.user.id]);
  changed.length = 0;

  const joined = await join_(backend, bob.token, invite.code);
  assert.equal(joined.status, 200);
  assert.deepEqual(joined.body, { room });
  assert.deepEqual(told(), [bob.user.id]);
  assert.ok((await roomsOf(backend, bob.token)).some((r) => r.id === room.id));

  // Already in: changes nothing and uses nothing (the owner, and bob again).
  assert.equal((await join_(backend, bob.token, invite.code)).status, 200);
  assert.equal((await join_(backend, ada.token, invite.code)).status, 200);
  assert.deepEqual(told(), [bob.user.id]);
  const listed = await request<{ invites: Invite[] }>(backend, 'GET', '/api/invites', { token: ada.token });
  assert.equal(listed.body.invites.find((i) => i.code === invite.code)!.uses, 1);

  // The second use is the last one.
  assert.equal((await join_(backend, carol.token, invite.code)).status, 200);
  assertError(await join_(backend, dan.token, invite.code), 410, 'invite_used_up');
  assert.ok(!(await roomsOf(backend, dan.token)).some((r) => r.id === room.id));

  const expiring = await makeInvite(backend, ada.token, { room: room.id, expiresIn: 60 });
  clock.now += 60_000;
  assertError(await join_(backend, dan.token, expiring.code), 410, 'invite_expired');
  assertError(await join_(backend, dan.token, 'D'.repeat(22)), 404, 'invite_not_found');
  assertError(await join_(backend, dan.token, 'bad code'), 404, 'invite_not_found');
  assertError(await request(backend, 'POST', inviteJoinPath(expiring.code)), 401, 'unauthorized');
  assert.deepEqual(told(), [bob.user.id, carol.user.id]);
});

test('a personal room: members see it with its kind and owner; its name follows the owner’s site name', async (t) => {
  const { backend } = await startRoomsBackend(t, SITE_ACCOUNTS);
  const exchange = (name: string, rooms?: string[]) => siteSignIn(backend, 'doc-1', { name, ...(rooms && { rooms }) });

  const doctor = await exchange('Dr Who', ['ward-1', 'lobby']);
  const link = await makeInvite(backend, doctor.token, { personal: true });
  const patient = await register(backend);
  assert.equal((await join_(backend, patient.token, link.code)).status, 200);
  const owner = doctor.user.id;
  assert.deepEqual(await roomsOf(backend, patient.token), [
    { id: 'lobby', name: 'Lobby', kind: 'lobby' },
    { id: link.room.id, name: 'Dr Who', kind: 'personal', owner },
  ]);
  // The site user's rooms: lobby (granted), site room, personal.
  assert.deepEqual(
    (await roomsOf(backend, doctor.token)).map((r) => [r.id, r.kind]),
    [
      ['lobby', 'lobby'],
      [link.room.id, 'personal'],
      ['ward-1', 'site'],
    ],
  );
  // Renamed on the site: the personal room is renamed with them.
  const renamed = await exchange('Dr Mabel');
  assert.equal(renamed.user.id, owner);
  assert.deepEqual(
    (await roomsOf(backend, patient.token)).find((r) => r.kind === 'personal'),
    { id: link.room.id, name: 'Dr Mabel', kind: 'personal', owner },
  );
  assert.equal((await preview(backend, link.code)).body.invite.by, 'Dr Mabel');
  // A site account without rooms and LOBBY grant now sees only its made rooms.
  assert.deepEqual(
    (await roomsOf(backend, renamed.token)).map((r) => r.kind),
    ['personal'],
  );
});

test('LOBBY=off: a password account has no room until it joins one', async (t) => {
  const { backend } = await startRoomsBackend(t, { lobby: false });
  const ada = await register(backend);
  const bob = await register(backend);
  assert.deepEqual(await roomsOf(backend, ada.token), []);
  const { room, invite } = await makeRoom(backend, ada.token, 'Team');
  assert.deepEqual(await roomsOf(backend, ada.token), [room]);
  await join_(backend, bob.token, invite.code);
  assert.deepEqual(await roomsOf(backend, bob.token), [room]);
  assertError(await request(backend, 'GET', '/api/rooms'), 401, 'unauthorized');
});

test('rooms and invites are kept in rooms.json (0600) across a restart', jsonFilesOnly, async (t) => {
  const dataDir = await tempDir(t);
  const first = await startTestBackend({ dataDir });
  const ada = await register(first);
  const bob = await register(first);
  const { room, invite } = await makeRoom(first, ada.token, 'Team');
  await join_(first, bob.token, invite.code);
  await first.close();
  assert.equal((await stat(join(dataDir, ROOMS_FILE))).mode & 0o777, 0o600);

  const second = await startTestBackend({ closeAfter: t, dataDir });
  assert.ok((await roomsOf(second, bob.token)).some((r) => r.id === room.id));
  const listed = await request<{ invites: Invite[] }>(second, 'GET', '/api/invites', { token: ada.token });
  assert.equal(listed.body.invites[0]!.uses, 1);
});
