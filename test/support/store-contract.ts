/**
 * One contract for every store engine: the same tests run against the JSON
 * files (test/broker/store-contract.test.ts) and Redis
 * (test/redis/store-contract.test.ts). An engine opens stores on a "place"
 * (a data folder, a Redis key prefix); two stores opened on one place are two
 * processes sharing it, as two backend nodes or a node and the admin CLI.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { RevocationStore } from '../../broker/store/revocation-store.js';
import { InviteRefusedError, RoomLimitError, type MembersChange, type RoomStore } from '../../broker/store/room-store.js';
import { EmailTakenError, StoreError, type UserStore } from '../../broker/store/user-store.js';

export interface StoreEngine {
  name: string;
  /**
   * Whether two instances on one place may change it at the same time. The
   * JSON files decide changes one at a time within one process only (the
   * admin CLI writes rarely): their races run on one instance.
   */
  concurrentInstances: boolean;
  /** A new, empty place, removed after `t`. */
  place(t: TestContext): Promise<string>;
  users(place: string): Promise<UserStore>;
  revocations(place: string, now: () => number): Promise<RevocationStore>;
  rooms(place: string, now: () => number): Promise<RoomStore>;
}

const HOUR = 3600 * 1000;
const hash = (n: number | string) => `scrypt$1024$8$1$c2FsdA$${n}`;
const person = (email: string, n: number | string = 1) => ({ name: email.split('@')[0]!, email, passwordHash: hash(n) });

/** Opens with `open` and closes after `t`. */
async function opened<T extends { close(): Promise<void> }>(t: TestContext, open: Promise<T>): Promise<T> {
  const store = await open;
  t.after(() => store.close());
  return store;
}

/** Two instances for racing changes: the same one twice when the engine allows one process only. */
async function racers<T extends { close(): Promise<void> }>(t: TestContext, engine: StoreEngine, open: () => Promise<T>): Promise<[T, T]> {
  const a = await opened(t, open());
  return [a, engine.concurrentInstances ? await opened(t, open()) : a];
}

/** Waits (up to 5 s) until `done` holds: for changes another instance made, reported by a poll or a message. */
async function eventually(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 250 && !done(); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(done(), what);
}

export function userStoreContract(engine: StoreEngine): void {
  test(`${engine.name} users: create, find, list, change and delete, seen by a second instance`, async (t) => {
    const place = await engine.place(t);
    const [a, b] = [await opened(t, engine.users(place)), await opened(t, engine.users(place))];
    const ada = await a.create(person('ada@example.test'));
    assert.match(ada.id, /^[A-Za-z0-9_-]{16}$/);
    assert.deepEqual(await b.findById(ada.id), ada);
    assert.deepEqual(await b.findByEmail('ada@example.test'), ada);
    assert.equal(await b.findByEmail(''), undefined);
    await assert.rejects(b.create(person('ada@example.test', 2)), EmailTakenError);

    const site = await b.saveSiteUser({ id: 'site-user-1', name: 'Sita', site: { iss: 'https://site.test', sub: 's1' } });
    assert.equal(site.email, '');
    assert.deepEqual(await b.saveSiteUser({ id: 'site-user-1', name: 'Sita', site: { iss: 'https://site.test', sub: 's1' } }), site);
    const renamed = await a.saveSiteUser({ id: 'site-user-1', name: 'Sita B', site: { iss: 'https://site.test', sub: 's1' } });
    assert.equal(renamed.createdAt, site.createdAt);
    await assert.rejects(a.saveSiteUser({ id: ada.id, name: 'x', site: { iss: 'i', sub: 's' } }), StoreError);
    const guest = await a.createGuest({ name: 'Gus', guest: { room: '~room', invite: 'code', expiresAt: 123 } });
    assert.deepEqual(guest.guest, { room: '~room', invite: 'code', expiresAt: 123 });
    assert.deepEqual((await b.list()).map((u) => u.id).sort(), [ada.id, 'site-user-1', guest.id].sort());

    assert.equal(await b.setPasswordHash(ada.id, hash('new')), true);
    assert.equal((await a.findByEmail('ada@example.test'))?.passwordHash, hash('new'));
    assert.equal(await a.setPasswordHash('site-user-1', hash('x')), false);
    assert.equal(await a.setPasswordHash(guest.id, hash('x')), false);
    assert.equal(await a.setPasswordHash('nobody', hash('x')), false);

    assert.equal(await a.delete(ada.id), true);
    assert.equal(await b.delete(ada.id), false);
    assert.equal(await b.findById(ada.id), undefined);
    assert.equal(await b.findByEmail('ada@example.test'), undefined);
    // The email is free again.
    const again = await b.create(person('ada@example.test', 3));
    assert.notEqual(again.id, ada.id);
  });

  test(`${engine.name} users: one email registered at once through two instances gives exactly one account`, async (t) => {
    const place = await engine.place(t);
    const [a, b] = await racers(t, engine, () => engine.users(place));
    for (let round = 0; round < 10; round += 1) {
      const email = `twin${round}@example.test`;
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).create(person(email, `${round}-${i}`))));
      const created = results.filter((r) => r.status === 'fulfilled');
      assert.equal(created.length, 1, `round ${round}: ${results.map((r) => r.status).join()}`);
      assert.ok(results.every((r) => r.status === 'fulfilled' || r.reason instanceof EmailTakenError));
      const winner = (created[0] as PromiseFulfilledResult<Awaited<ReturnType<UserStore['create']>>>).value;
      assert.deepEqual(await a.findByEmail(email), winner);
      assert.deepEqual(await b.findByEmail(email), winner);
    }
    assert.equal((await a.list()).length, 10);
  });
}

export function revocationStoreContract(engine: StoreEngine): void {
  test(`${engine.name} revocations: sessions and cutoffs, the later cutoff kept, seen by a second instance, pruned past until`, async (t) => {
    const place = await engine.place(t);
    let now = 1_000_000;
    const clock = () => now;
    const [a, b] = [await opened(t, engine.revocations(place, clock)), await opened(t, engine.revocations(place, clock))];
    assert.equal((await b.current()).sessions.size, 0);
    await a.revokeSession({ sid: 'sid-1', userId: 'u1', until: now + HOUR });
    await a.revokeSession({ sid: 'sid-1', userId: 'u1', until: now + HOUR });
    await a.revokeUserSessions({ userId: 'u2', before: now, until: now + 2 * HOUR });
    let seen = await b.current();
    assert.deepEqual([...seen.sessions], ['sid-1']);
    assert.deepEqual([...seen.usersBefore], [['u2', now]]);
    // An earlier cutoff does not replace a later one; a later one does.
    await b.revokeUserSessions({ userId: 'u2', before: now - 10, until: now + 2 * HOUR });
    assert.equal((await a.current()).usersBefore.get('u2'), now);
    await b.revokeUserSessions({ userId: 'u2', before: now + 10, until: now + 3 * HOUR });
    assert.equal((await a.current()).usersBefore.get('u2'), now + 10);
    // Past `until` a record no longer matters, and the next write prunes it.
    now += 2 * HOUR;
    await a.revokeSession({ sid: 'sid-2', userId: 'u3', until: now + HOUR });
    seen = await b.current();
    assert.deepEqual([...seen.sessions], ['sid-2']);
    assert.equal(seen.usersBefore.get('u2'), now - 2 * HOUR + 10);
  });
}

export function roomStoreContract(engine: StoreEngine): void {
  test(`${engine.name} rooms: limits and uses decided one at a time, across two instances`, async (t) => {
    const place = await engine.place(t);
    let now = 1_000_000;
    const clock = () => now;
    const [a, b] = await racers(t, engine, () => engine.rooms(place, clock));
    const terms = { expiresAt: now + HOUR, maxUses: null };
    const made = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? a : b).createGroupRoom({ owner: 'owner1', name: `R${i}` }, terms, { rooms: 3, invites: 100 }),
      ),
    );
    assert.equal(made.filter((r) => r.status === 'fulfilled').length, 3);
    assert.ok(made.every((r) => r.status === 'fulfilled' || r.reason instanceof RoomLimitError));
    await eventually(() => a.roomsOfMember('owner1').length === 3 && b.roomsOfMember('owner1').length === 3, 'both see 3 rooms');

    const room = a.roomsOfMember('owner1')[0]!;
    const invite = await a.createInvite({ room: room.id, createdBy: 'owner1', expiresAt: now + 60_000, maxUses: 2 }, 100);
    await eventually(() => b.invite(invite.code) !== undefined, 'b sees the invite');
    const joins = await Promise.allSettled(['a1', 'a2', 'a3', 'a2'].map((id, i) => (i % 2 ? a : b).useInvite(invite.code, id)));
    const outcomes = joins.map((j) => (j.status === 'fulfilled' ? j.value.joined : (j.reason as InviteRefusedError).reason));
    assert.equal(outcomes.filter((o) => o === true).length, 2, JSON.stringify(outcomes));
    assert.ok(
      outcomes.every((o) => o === true || o === false || o === 'invite_used_up'),
      JSON.stringify(outcomes),
    );
    await eventually(() => a.invite(invite.code)?.usedUpAt === now && b.invite(invite.code)?.uses === 2, 'both see it used up');
    // A guest use (no joiner) is refused too once used up.
    await assert.rejects(b.useInvite(invite.code), (e: unknown) => e instanceof InviteRefusedError && e.reason === 'invite_used_up');

    // Live invites per maker.
    const invites = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        (i % 2 ? a : b).createInvite({ room: room.id, createdBy: 'maker', expiresAt: now + HOUR, maxUses: null }, 2),
      ),
    );
    assert.equal(invites.filter((r) => r.status === 'fulfilled').length, 2);
    const first = (invites.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ code: string }>).value;
    assert.equal(await b.revokeInvite(first.code, 'someone else'), undefined);
    await eventually(() => b.invite(first.code) !== undefined, 'b sees the invite');
    assert.equal((await b.revokeInvite(first.code, 'maker'))?.revokedAt, now);
    await assert.rejects(a.useInvite(first.code, 'x'), (e: unknown) => e instanceof InviteRefusedError && e.reason === 'invite_revoked');
    assert.deepEqual(
      b
        .invitesBy('maker')
        .map((i) => i.code)
        .sort(),
      invites.flatMap((r) => (r.status === 'fulfilled' ? [r.value.code] : [])).sort(),
    );
    await assert.rejects(
      a.useInvite('no-such-code', 'x'),
      (e: unknown) => e instanceof InviteRefusedError && e.reason === 'invite_not_found',
    );

    // Personal rooms: one per owner even when asked for at once on both; renamed with the owner.
    const personal = await Promise.all([a.personalRoom('owner1', 'Owner'), b.personalRoom('owner1', 'Owner')]);
    assert.equal(personal[0].id, personal[1].id);
    await b.renameOwner('owner1', 'Owner Renamed');
    await eventually(() => a.personalRoomOf('owner1')?.name === 'Owner Renamed', 'a sees the new name');

    // Past its end, "expired" is what it says.
    const later = await a.createInvite({ room: room.id, createdBy: 'owner1', expiresAt: now + 60_000, maxUses: null }, 100);
    now += 60_000;
    await assert.rejects(b.useInvite(later.code, 'a4'), (e: unknown) => e instanceof InviteRefusedError && e.reason === 'invite_expired');
  });

  test(`${engine.name} rooms: another instance's changes are reported to the listeners`, async (t) => {
    const place = await engine.place(t);
    const [running, other] = [await opened(t, engine.rooms(place, Date.now)), await opened(t, engine.rooms(place, Date.now))];
    const changes: MembersChange[] = [];
    running.onMembersChanged((change) => changes.push({ userIds: [...change.userIds].sort(), removedRooms: change.removedRooms }));
    const { room, invite } = await running.createGroupRoom(
      { owner: 'ada', name: 'Team' },
      { expiresAt: Date.now() + HOUR, maxUses: null },
      { rooms: 5, invites: 5 },
    );
    await running.useInvite(invite.code, 'bob');
    // Our own changes are reported before they resolve.
    assert.deepEqual(changes.splice(0), [
      { userIds: ['ada'], removedRooms: [] },
      { userIds: ['bob'], removedRooms: [] },
    ]);
    await eventually(() => other.room(room.id)?.members.length === 2, 'the other instance sees bob join');

    // Another instance (a second node, the admin CLI) deletes ada.
    await other.deleteUser('ada');
    await eventually(() => changes.length > 0, 'a change is reported');
    assert.deepEqual(changes, [{ userIds: ['ada', 'bob'], removedRooms: [room.id] }]);
    assert.equal(running.room(room.id), undefined);
    assert.equal(running.invite(invite.code), undefined);
    assert.deepEqual(running.roomsOfMember('bob'), []);
  });
}

/** All three contracts. */
export function storeContract(engine: StoreEngine): void {
  userStoreContract(engine);
  revocationStoreContract(engine);
  roomStoreContract(engine);
}
