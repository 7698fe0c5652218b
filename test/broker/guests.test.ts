/**
 * Guests (PROTOCOL.md §4, "Guests") on the real backend: POST /api/guest,
 * its refusals, the per-address rate, what a guest may not do, and the
 * guest's end: tokens capped at it, renewal refused after it, connections
 * closed, account deleted (also at start-up) and the membership told.
 * GUEST_TTL is at least 60 s from the environment; these tests give the
 * backend a few seconds through its configuration override instead.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { decodeJwt } from 'jose';
import type { Config } from '../../broker/config.js';
import { USERS_FILE } from '../../broker/store/json-user-store.js';
import { USER_ID_PATTERN, invitePath, inviteJoinPath, type AuthResponse, type Invite, type Room } from '../../src/protocol/index.js';
import {
  assertError,
  closedWithin,
  connectAs,
  register,
  request,
  startTestBackend,
  tempDir,
  type TestBackend,
  jsonFilesOnly,
} from './support.js';

async function startGuestBackend(t: TestContext, config: Partial<Config> = {}) {
  const clock = { now: Date.now() };
  const backend = await startTestBackend({ closeAfter: t, roomsClock: () => clock.now, ...config });
  return { backend, clock };
}

const guest = (backend: TestBackend, invite: string, name = 'Gus Guest') =>
  request<AuthResponse>(backend, 'POST', '/api/guest', { json: { invite, name } });

async function makeGuest(backend: TestBackend, invite: string, name = 'Gus Guest'): Promise<AuthResponse> {
  const res = await guest(backend, invite, name);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** A user with a group room and an invite to it (`json`: the invite's options). */
async function host(backend: TestBackend, json: Record<string, unknown> = {}) {
  const owner = await register(backend, { name: 'Hanna Host' });
  const made = await request<{ room: Room; invite: Invite }>(backend, 'POST', '/api/rooms', { token: owner.token, json: { name: 'Team' } });
  const invite = await request<{ invite: Invite }>(backend, 'POST', '/api/invites', {
    token: owner.token,
    json: { room: made.body.room.id, ...json },
  });
  assert.equal(invite.status, 201, JSON.stringify(invite.body));
  return { owner, room: made.body.room, invite: invite.body.invite };
}

const roomsOf = async (backend: TestBackend, token: string) =>
  (await request<{ rooms: Room[] }>(backend, 'GET', '/api/rooms', { token })).body.rooms;

test('POST /api/guest: a guest account in the invite’s room; every user of it says guest', jsonFilesOnly, async (t) => {
  const { backend } = await startGuestBackend(t);
  const changed: string[] = [];
  backend.membership.onChange((id) => changed.push(id));
  const { owner, room, invite } = await host(backend, { maxUses: 2 });

  const before = Date.now();
  const made = await makeGuest(backend, invite.code, '  Gus   Guest ');
  assert.deepEqual(Object.keys(made).sort(), ['token', 'user']);
  assert.match(made.user.id, USER_ID_PATTERN);
  assert.deepEqual(made.user, { id: made.user.id, name: 'Gus Guest', email: '', guest: true });
  assert.ok(changed.includes(made.user.id), 'the membership heard of the guest');
  // Default GUEST_TTL 3 h, longer than the token: the token's own TTL applies.
  const exp = decodeJwt(made.token).exp!;
  assert.ok(exp * 1000 <= before + 3600_000 + 2000);

  assert.deepEqual((await request(backend, 'GET', '/api/me', { token: made.token })).body, { user: made.user });
  const renewed = await request<AuthResponse>(backend, 'POST', '/api/token', { token: made.token });
  assert.equal(renewed.status, 200);
  assert.deepEqual(renewed.body.user, made.user);
  // Only the invite's room, never the lobby.
  assert.deepEqual(await roomsOf(backend, made.token), [room]);
  // It counted one use.
  const listed = await request<{ invites: Invite[] }>(backend, 'GET', '/api/invites', { token: owner.token });
  assert.equal(listed.body.invites.find((i) => i.code === invite.code)!.uses, 1);

  // Stored without email or password: no password path reaches a guest.
  const stored = JSON.parse(await readFile(join(backend.config.dataDir, USERS_FILE), 'utf8'));
  const record = stored.users.find((u: { id: string }) => u.id === made.user.id);
  assert.equal(record.email, '');
  assert.equal(record.passwordHash, '');
  assert.deepEqual(Object.keys(record.guest).sort(), ['expiresAt', 'invite', 'room']);
  assert.equal(record.guest.room, room.id);
  assertError(
    await request(backend, 'POST', '/api/login', { json: { email: '', password: 'anything at all' } }),
    401,
    'invalid_credentials',
  );

  // The second use is the last.
  await makeGuest(backend, invite.code, 'Second');
  assertError(await guest(backend, invite.code, 'Third'), 410, 'invite_used_up');
});

test('POST /api/guest refusals: bad input, unknown, expired and revoked invites', async (t) => {
  const { backend, clock } = await startGuestBackend(t);
  const { owner, invite } = await host(backend, { expiresIn: 60 });
  for (const json of [
    { invite: invite.code },
    { name: 'x' },
    { invite: invite.code, name: '' },
    { invite: invite.code, name: '\u202Eevil' },
    { invite: 5, name: 'x' },
    { invite: invite.code, name: 'x', extra: true },
  ]) {
    assertError(await request(backend, 'POST', '/api/guest', { json }), 400, 'invalid_input');
  }
  assertError(await guest(backend, 'E'.repeat(22)), 404, 'invite_not_found');
  assertError(await guest(backend, 'not a code'), 404, 'invite_not_found');

  const personal = await request<{ invite: Invite }>(backend, 'POST', '/api/invites', { token: owner.token, json: { personal: true } });
  assert.equal((await request(backend, 'DELETE', invitePath(personal.body.invite.code), { token: owner.token })).status, 204);
  assertError(await guest(backend, personal.body.invite.code), 410, 'invite_revoked');

  clock.now += 60_000;
  assertError(await guest(backend, invite.code), 410, 'invite_expired');
});

test('GUESTS=off: POST /api/guest is 403 guests_disabled', async (t) => {
  const { backend } = await startGuestBackend(t, { guests: false });
  const { invite } = await host(backend);
  assertError(await guest(backend, invite.code), 403, 'guests_disabled');
  // Whatever the body.
  assertError(await request(backend, 'POST', '/api/guest', { json: {} }), 403, 'guests_disabled');
});

test('GUEST_RATE: guests made per address per hour, then 429 with Retry-After', async (t) => {
  const { backend } = await startGuestBackend(t, { guestRatePerHour: 2 });
  const { invite } = await host(backend);
  // Refused attempts do not count: only guests made.
  assertError(await guest(backend, 'F'.repeat(22)), 404, 'invite_not_found');
  await makeGuest(backend, invite.code, 'One');
  await makeGuest(backend, invite.code, 'Two');
  const refused = await guest(backend, invite.code, 'Three');
  assertError(refused, 429, 'rate_limited');
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(retryAfter > 3500 && retryAfter <= 3600, String(retryAfter));
});

test('a guest cannot make rooms or invites, nor join by invite: 403 guests_cannot_invite', async (t) => {
  const { backend } = await startGuestBackend(t);
  const { owner, room, invite } = await host(backend);
  const other = await request<{ invite: Invite }>(backend, 'POST', '/api/invites', { token: owner.token, json: { personal: true } });
  const { token } = await makeGuest(backend, invite.code);
  assertError(await request(backend, 'POST', '/api/rooms', { token, json: { name: 'Mine' } }), 403, 'guests_cannot_invite');
  assertError(await request(backend, 'POST', '/api/invites', { token, json: { room: room.id } }), 403, 'guests_cannot_invite');
  assertError(await request(backend, 'POST', '/api/invites', { token, json: { personal: true } }), 403, 'guests_cannot_invite');
  // Whatever the body: the caller is checked first.
  assertError(await request(backend, 'POST', '/api/invites', { token, json: { bad: 1 } }), 403, 'guests_cannot_invite');
  assertError(await request(backend, 'POST', '/api/rooms', { token, json: {} }), 403, 'guests_cannot_invite');
  assertError(await request(backend, 'POST', inviteJoinPath(other.body.invite.code), { token }), 403, 'guests_cannot_invite');
  assert.deepEqual((await request(backend, 'GET', '/api/invites', { token })).body, { invites: [] });
  assertError(await request(backend, 'DELETE', invitePath(invite.code), { token }), 404, 'invite_not_found');
});

test('a guest of a personal link has only that room, with its owner; a revoked invite leaves it in', async (t) => {
  const { backend } = await startGuestBackend(t);
  const doctor = await register(backend, { name: 'Dr Ada' });
  const link = await request<{ invite: Invite }>(backend, 'POST', '/api/invites', { token: doctor.token, json: { personal: true } });
  const patient = await makeGuest(backend, link.body.invite.code, 'Pat');
  const expected = [{ id: link.body.invite.room.id, name: 'Dr Ada', kind: 'personal', owner: doctor.user.id }];
  assert.deepEqual(await roomsOf(backend, patient.token), expected);
  assert.equal((await request(backend, 'DELETE', invitePath(link.body.invite.code), { token: doctor.token })).status, 204);
  assert.deepEqual(await roomsOf(backend, patient.token), expected);
});

test(
  'a guest ends at GUEST_TTL: tokens capped, renewal refused, connections closed, account deleted, membership told',
  jsonFilesOnly,
  async (t) => {
    const { backend } = await startGuestBackend(t, { guestTtlSeconds: 2 });
    const { invite } = await host(backend);
    const made = await makeGuest(backend, invite.code);
    const stored = JSON.parse(await readFile(join(backend.config.dataDir, USERS_FILE), 'utf8'));
    const end: number = stored.users.find((u: { id: string }) => u.id === made.user.id).guest.expiresAt;
    assert.ok(decodeJwt(made.token).exp! * 1000 <= end, 'the token never outlives the guest');
    const renewed = await request<AuthResponse>(backend, 'POST', '/api/token', { token: made.token });
    assert.equal(renewed.status, 200);
    assert.ok(decodeJwt(renewed.body.token).exp! * 1000 <= end, 'nor does a renewed one');

    const ended = new Promise<number>((resolve) => backend.membership.onChange((id) => id === made.user.id && resolve(Date.now())));
    const client = await connectAs(t, backend, made);
    const closedAfter = closedWithin(client, end, 2000);
    const heard = await ended;
    assert.ok(heard >= end, 'not before its end');
    await closedAfter;

    assertError(await request(backend, 'GET', '/api/me', { token: made.token }), 401, 'unauthorized');
    assertError(await request(backend, 'POST', '/api/token', { token: renewed.body.token }), 401, 'unauthorized');
    const after = JSON.parse(await readFile(join(backend.config.dataDir, USERS_FILE), 'utf8'));
    assert.ok(!after.users.some((u: { id: string }) => u.id === made.user.id), 'the account is deleted');
  },
);

test('a guest that ended while the backend was down is deleted at start-up', jsonFilesOnly, async (t) => {
  const dataDir = await tempDir(t);
  const first = await startTestBackend({ dataDir, guestTtlSeconds: 1 });
  const { invite } = await host(first);
  const made = await makeGuest(first, invite.code);
  await first.close();
  await sleep(1100);
  const second = await startTestBackend({ closeAfter: t, dataDir });
  const users = JSON.parse(await readFile(join(dataDir, USERS_FILE), 'utf8')).users as { id: string }[];
  assert.ok(!users.some((u) => u.id === made.user.id));
  assertError(await request(second, 'GET', '/api/me', { token: made.token }), 401, 'unauthorized');
});
