/**
 * The room store (store/json-room-store.ts) on its own and under the HTTP
 * API: uses and limits decided one at a time under concurrency, changes
 * written by another process noticed and reported, a corrupt file left
 * alone, file modes.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOMS_FILE, openJsonRoomStore } from '../../broker/store/json-room-store.js';
import { InviteRefusedError, RoomLimitError, type MembersChange } from '../../broker/store/room-store.js';
import { StoreError } from '../../broker/store/user-store.js';
import { inviteJoinPath, type Invite, type Room } from '../../src/protocol/index.js';
import { register, request, startTestBackend, tempDir } from './support.js';

const HOUR = 3600 * 1000;

test('concurrent uses of an invite: exactly maxUses succeed, joins and guests alike', async (t) => {
  const backend = await startTestBackend({ closeAfter: t, guestRatePerHour: 100 });
  const owner = await register(backend);
  const made = await request<{ room: Room; invite: Invite }>(backend, 'POST', '/api/rooms', { token: owner.token, json: { name: 'Team' } });
  const invite = await request<{ invite: Invite }>(backend, 'POST', '/api/invites', {
    token: owner.token,
    json: { room: made.body.room.id, maxUses: 5 },
  });
  const code = invite.body.invite.code;
  const people = await Promise.all(Array.from({ length: 6 }, () => register(backend)));
  const answers = await Promise.all([
    ...people.map((p) => request(backend, 'POST', inviteJoinPath(code), { token: p.token })),
    ...Array.from({ length: 6 }, (_, i) => request(backend, 'POST', '/api/guest', { json: { invite: code, name: `Guest ${i}` } })),
  ]);
  const ok = answers.filter((a) => a.status === 200 || a.status === 201);
  assert.equal(ok.length, 5, JSON.stringify(answers.map((a) => a.status)));
  assert.ok(answers.every((a) => ok.includes(a) || (a.status === 410 && a.body.error.code === 'invite_used_up')));
  const listed = await request<{ invites: Invite[] }>(backend, 'GET', '/api/invites', { token: owner.token });
  assert.equal(listed.body.invites.find((i) => i.code === code)!.uses, 5);
});

test('the guest rate holds under a burst from one address', async (t) => {
  const backend = await startTestBackend({ closeAfter: t, guestRatePerHour: 3 });
  const owner = await register(backend);
  const made = await request<{ invite: Invite }>(backend, 'POST', '/api/rooms', { token: owner.token, json: { name: 'Team' } });
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      request(backend, 'POST', '/api/guest', { json: { invite: made.body.invite.code, name: `G${i}` } }),
    ),
  );
  assert.equal(answers.filter((a) => a.status === 201).length, 3, JSON.stringify(answers.map((a) => a.status)));
  assert.equal(answers.filter((a) => a.status === 429).length, 7);
});

test('limits and uses are decided one at a time in the store itself', async (t) => {
  const dir = await tempDir(t);
  let now = 1_000_000;
  const store = await openJsonRoomStore(dir, { now: () => now, pollMs: 0 });
  t.after(() => store.close());
  const terms = { expiresAt: now + HOUR, maxUses: null };
  const rooms = await Promise.allSettled(
    Array.from({ length: 5 }, (_, i) => store.createGroupRoom({ owner: 'owner1', name: `R${i}` }, terms, { rooms: 3, invites: 100 })),
  );
  assert.equal(rooms.filter((r) => r.status === 'fulfilled').length, 3);
  assert.ok(rooms.every((r) => r.status === 'fulfilled' || r.reason instanceof RoomLimitError));
  assert.equal(store.roomsOfMember('owner1').length, 3);

  const room = store.roomsOfMember('owner1')[0]!;
  const invite = await store.createInvite({ room: room.id, createdBy: 'owner1', expiresAt: now + 60_000, maxUses: 2 }, 100);
  const joins = await Promise.allSettled(['a1', 'a2', 'a3', 'a2'].map((id) => store.useInvite(invite.code, id)));
  assert.deepEqual(
    joins.map((j) => (j.status === 'fulfilled' ? j.value.joined : (j.reason as InviteRefusedError).reason)),
    [true, true, 'invite_used_up', 'invite_used_up'],
  );
  assert.equal(store.invite(invite.code)!.usedUpAt, now);

  // Personal rooms: one per owner even when asked for at once.
  const personal = await Promise.all([store.personalRoom('owner1', 'Owner'), store.personalRoom('owner1', 'Owner')]);
  assert.equal(personal[0].id, personal[1].id);
  // Past its end, "expired" is what it says, used up or not.
  now += 60_000;
  await assert.rejects(
    store.useInvite(invite.code, 'a4'),
    (e: unknown) => e instanceof InviteRefusedError && e.reason === 'invite_expired',
  );
});

test('a change written by another process is read and reported; a corrupt file is left alone', async (t) => {
  const dataDir = await tempDir(t);
  const running = await openJsonRoomStore(dataDir, { pollMs: 20 });
  t.after(() => running.close());
  const changes: MembersChange[] = [];
  running.onMembersChanged((change) => changes.push(change));
  const { room, invite } = await running.createGroupRoom(
    { owner: 'ada', name: 'Team' },
    { expiresAt: Date.now() + HOUR, maxUses: null },
    { rooms: 5, invites: 5 },
  );
  await running.useInvite(invite.code, 'bob');
  assert.deepEqual(changes.splice(0), [
    { userIds: ['ada'], removedRooms: [] },
    { userIds: ['bob'], removedRooms: [] },
  ]);
  assert.equal((await stat(join(dataDir, ROOMS_FILE))).mode & 0o777, 0o600);

  // Another process (the admin CLI) deletes ada.
  const other = await openJsonRoomStore(dataDir, { pollMs: 0 });
  await other.deleteUser('ada');
  await other.close();
  for (let i = 0; i < 50 && changes.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(changes, [{ userIds: ['ada', 'bob'], removedRooms: [room.id] }]);
  assert.equal(running.room(room.id), undefined);
  assert.equal(running.invite(invite.code), undefined);

  await writeFile(join(dataDir, ROOMS_FILE), '{"rooms": "nope"}');
  await assert.rejects(running.personalRoom('carol', 'Carol'), StoreError);
  assert.equal(await readFile(join(dataDir, ROOMS_FILE), 'utf8'), '{"rooms": "nope"}');
  await assert.rejects(openJsonRoomStore(dataDir), /is not a room store/);
});
