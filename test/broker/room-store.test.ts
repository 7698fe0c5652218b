/**
 * The room store (store/json-room-store.ts) under the HTTP API: uses and
 * limits decided one at a time under concurrency; a corrupt file left alone,
 * file modes. The store's own contract, shared with Redis, is
 * test/support/store-contract.ts.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOMS_FILE, openJsonRoomStore } from '../../broker/store/json-room-store.js';
import { StoreError } from '../../broker/store/user-store.js';
import { inviteJoinPath, type Invite, type Room } from '../../src/protocol/index.js';
import { register, request, startTestBackend, tempDir } from './support.js';

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

// Limits, uses and changes another process wrote: the store contract (test/support/store-contract.ts, store-contract.test.ts).

test('the file is 0600; a corrupt file is left alone', async (t) => {
  const dataDir = await tempDir(t);
  const running = await openJsonRoomStore(dataDir, { pollMs: 20 });
  t.after(() => running.close());
  await running.personalRoom('ada', 'Ada');
  assert.equal((await stat(join(dataDir, ROOMS_FILE))).mode & 0o777, 0o600);

  await writeFile(join(dataDir, ROOMS_FILE), '{"rooms": "nope"}');
  await assert.rejects(running.personalRoom('carol', 'Carol'), StoreError);
  assert.equal(await readFile(join(dataDir, ROOMS_FILE), 'utf8'), '{"rooms": "nope"}');
  await assert.rejects(openJsonRoomStore(dataDir), /is not a room store/);
});
