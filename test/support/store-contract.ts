/**
 * One contract for every store engine: the same tests run against the JSON
 * files (test/broker/store-contract.test.ts) and Redis
 * (test/redis/store-contract.test.ts). An engine opens stores on a "place"
 * (a data folder, a Redis key prefix); two stores opened on one place are two
 * processes sharing it, as two backend nodes or a node and the admin CLI.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { BadCursorError, type CallHistoryStore } from '../../broker/store/call-history-store.js';
import {
  MessageIdTakenError,
  PendingLimitError,
  type MessageStore,
  type PendingLimits,
  type PendingMessage,
} from '../../broker/store/message-store.js';
import type { RevocationStore } from '../../broker/store/revocation-store.js';
import { InviteRefusedError, RoomLimitError, type MembersChange, type RoomStore } from '../../broker/store/room-store.js';
import { EmailTakenError, StoreError, type UserStore } from '../../broker/store/user-store.js';
import type { CallHistoryEntry, CallOutcome } from '../../src/protocol/index.js';

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
  history(place: string, options: { retentionMs: number; now: () => number }): Promise<CallHistoryStore>;
  messages(place: string, now: () => number): Promise<MessageStore>;
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

const DAY = 24 * HOUR;
let entries = 0;

/** A history entry of `owner`'s call with `peer`, started at `startedAt`. */
function callEntry(startedAt: number, direction: 'incoming' | 'outgoing', outcome: CallOutcome, peer = 'peer-bob'): CallHistoryEntry {
  entries += 1;
  return {
    id: `entry${String(entries).padStart(17, '0')}`,
    callId: `call-${entries}`,
    peer: { id: peer, name: 'Bob' },
    direction,
    startedAt,
    answeredAt: outcome === 'answered' ? startedAt + 1000 : null,
    endedAt: startedAt + 5000,
    durationMs: outcome === 'answered' ? 4000 : 0,
    outcome,
    media: { audio: true, video: false },
  };
}

export function historyStoreContract(engine: StoreEngine): void {
  test(`${engine.name} history: pages newest first with cursors, delete, missed badge, retention, deleteOwner`, async (t) => {
    const place = await engine.place(t);
    let now = 100 * DAY;
    const options = { retentionMs: 10 * DAY, now: () => now };
    const [a, b] = [await opened(t, engine.history(place, options)), await opened(t, engine.history(place, options))];
    // Seven calls of ada, two starting at the same instant (the larger id comes first), and one of bob.
    const starts = [now - 9 * DAY, now - 5 * DAY, now - 5 * DAY, now - 3 * DAY, now - 2 * DAY, now - HOUR, now - 1000];
    const outcomes: CallOutcome[] = ['missed', 'answered', 'missed', 'declined', 'missed', 'answered', 'missed'];
    const ada = starts.map((at, i) => callEntry(at, i % 2 ? 'outgoing' : 'incoming', outcomes[i]!));
    await a.add(ada.slice(0, 4).map((entry) => ({ owner: 'ada', entry })));
    await b.add([...ada.slice(4).map((entry) => ({ owner: 'ada', entry })), { owner: 'bob', entry: callEntry(now, 'outgoing', 'missed') }]);
    const newest = [...ada].sort((x, y) => y.startedAt - x.startedAt || (x.id < y.id ? 1 : -1));

    // Pages of 3 through the other instance: every entry once, newest first, then no cursor.
    const seen: CallHistoryEntry[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 5; i += 1) {
      const page = await b.page('ada', 3, cursor);
      seen.push(...page.calls);
      if (page.next === null) break;
      cursor = page.next;
    }
    assert.deepEqual(seen, newest);
    assert.deepEqual((await a.page('ada', 7)).next, null);
    await assert.rejects(async () => a.page('ada', 3, 'not-a-cursor'), BadCursorError);
    assert.deepEqual(await a.page('nobody', 3), { calls: [], next: null });

    // Missed incoming calls count until seen; an earlier "seen" does not bring them back.
    assert.equal(await a.unseenMissed('ada'), 4);
    await b.markSeen('ada', now - 2 * DAY);
    assert.equal(await a.unseenMissed('ada'), 1);
    await a.markSeen('ada', now - 8 * DAY);
    assert.equal(await b.unseenMissed('ada'), 1);

    // Delete: only one's own entry, once.
    assert.equal(await a.delete('bob', newest[0]!.id), false);
    assert.equal(await a.delete('ada', newest[0]!.id), true);
    assert.equal(await b.delete('ada', newest[0]!.id), false);
    assert.equal(await b.unseenMissed('ada'), 0);
    assert.deepEqual((await b.page('ada', 10)).calls, newest.slice(1));

    // Four days on, the oldest call (9 days) is past the 10-day retention: never shown, then pruned.
    now += 4 * DAY;
    assert.deepEqual((await b.page('ada', 10)).calls, newest.slice(1, -1));
    assert.equal(await a.prune(), 1);
    assert.equal(await b.prune(), 0);

    // An account that goes takes its whole history; the other person's stays.
    await b.deleteOwner('ada');
    assert.deepEqual(await a.page('ada', 10), { calls: [], next: null });
    assert.equal(await a.unseenMissed('ada'), 0);
    assert.equal((await a.page('bob', 10)).calls.length, 1);
  });

  test(`${engine.name} history: entries added at once through two instances are all kept`, async (t) => {
    const place = await engine.place(t);
    const options = { retentionMs: 10 * DAY, now: () => 100 * DAY };
    const [a, b] = await racers(t, engine, () => engine.history(place, options));
    const made = Array.from({ length: 20 }, (_, i) => callEntry(100 * DAY - i * 1000, 'incoming', 'missed'));
    await Promise.all(made.map((entry, i) => (i % 2 ? a : b).add([{ owner: 'ada', entry }])));
    assert.equal((await a.page('ada', 50)).calls.length, 20);
    assert.equal(await b.unseenMissed('ada'), 20);
  });
}

const message = (id: string, from: string, to: string, text: string, at: number, ttl = HOUR): PendingMessage => ({
  id,
  from,
  to,
  text,
  sentAt: at,
  expiresAt: at + ttl,
});

export function messageStoreContract(engine: StoreEngine): void {
  test(`${engine.name} messages: kept, retried, bounded, listed, taken back, delivered and expired across two instances`, async (t) => {
    const place = await engine.place(t);
    let now = 1_000_000;
    const [a, b] = [
      await opened(
        t,
        engine.messages(place, () => now),
      ),
      await opened(
        t,
        engine.messages(place, () => now),
      ),
    ];
    const limits: PendingLimits = { perPair: 3, bytesPerPair: 12, perRecipient: 4 };

    const first = await a.add(message('m1', 'ada', 'bob', 'héllo', now), limits);
    assert.deepEqual(first, { message: message('m1', 'ada', 'bob', 'héllo', now), added: true });
    // A retry through the other node keeps nothing new; another message under that id is refused.
    assert.deepEqual(await b.add(message('m1', 'ada', 'bob', 'héllo', now + 5), limits), { message: first.message, added: false });
    await assert.rejects(b.add(message('m1', 'ada', 'bob', 'other', now), limits), MessageIdTakenError);
    await assert.rejects(b.add(message('m1', 'cy', 'bob', 'héllo', now), limits), MessageIdTakenError);

    // Bounds per pair (count, UTF-8 bytes: 'héllo' is 6) and per recipient, in that order of checks.
    await b.add(message('m2', 'ada', 'bob', 'abc', now), limits);
    await assert.rejects(
      a.add(message('m3', 'ada', 'bob', 'abcd', now), limits),
      (e: unknown) => e instanceof PendingLimitError && e.limit === 'bytes' && e.max === 12,
    );
    await a.add(message('m3', 'ada', 'bob', 'abc', now), limits);
    await assert.rejects(
      a.add(message('m4', 'ada', 'bob', 'a', now), limits),
      (e: unknown) => e instanceof PendingLimitError && e.limit === 'count' && e.max === 3,
    );
    await b.add(message('c1', 'cy', 'bob', 'hi', now), limits);
    await assert.rejects(
      b.add(message('c2', 'cy', 'bob', 'hi', now), limits),
      (e: unknown) => e instanceof PendingLimitError && e.limit === 'recipient',
    );
    await a.add(message('c3', 'cy', 'ada', 'to ada', now + 1), limits);

    // Listed oldest first (in the order kept), through either instance.
    assert.deepEqual(
      (await b.pendingFor('bob')).map((m) => m.id),
      ['m1', 'm2', 'm3', 'c1'],
    );
    assert.deepEqual(
      (await a.sentBy('cy')).map((m) => m.id),
      ['c1', 'c3'],
    );
    assert.deepEqual(await a.pendingFor('nobody'), []);

    // Taken back by its sender only, once.
    assert.equal(await a.withdraw('bob', 'm2'), false);
    assert.equal(await b.withdraw('ada', 'm2'), true);
    assert.equal(await a.withdraw('ada', 'm2'), false);
    // Delivered to its recipient only: ids of others are left alone.
    const gone = await a.delivered('bob', ['m1', 'c3', 'nope', 'c1']);
    assert.deepEqual(
      gone.map((m) => m.id),
      ['m1', 'c1'],
    );
    assert.deepEqual(await b.delivered('bob', ['m1']), []);
    assert.deepEqual(
      (await b.pendingFor('ada')).map((m) => m.id),
      ['c3'],
    );
    assert.deepEqual(
      (await b.sentBy('ada')).map((m) => m.id),
      ['m3'],
    );

    // Past its end a message is gone: not listed, not delivered, not taken back, its id free again.
    now += HOUR + 1;
    assert.deepEqual(await a.pendingFor('bob'), []);
    assert.deepEqual(await a.sentBy('cy'), []);
    assert.equal(await b.withdraw('ada', 'm3'), false);
    assert.deepEqual(await b.delivered('ada', ['c3']), []);
    assert.equal((await b.add(message('m3', 'ada', 'bob', 'again', now), limits)).added, true);
    // The expired ones count for no bound.
    for (const id of ['x1', 'x2']) await a.add(message(id, 'ada', 'bob', 'x', now), limits);
  });

  test(`${engine.name} messages: bounds hold and each message is removed once under races across two instances`, async (t) => {
    const place = await engine.place(t);
    const now = 1_000_000;
    const [a, b] = await racers(t, engine, () => engine.messages(place, () => now));
    const limits: PendingLimits = { perPair: 5, bytesPerPair: 1000, perRecipient: 100 };
    const adds = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).add(message(`r${i}`, 'ada', 'bob', `text ${i}`, now), limits)),
    );
    assert.equal(adds.filter((r) => r.status === 'fulfilled').length, 5);
    assert.ok(adds.every((r) => r.status === 'fulfilled' || (r.reason instanceof PendingLimitError && r.reason.limit === 'count')));
    const kept = (await a.pendingFor('bob')).map((m) => m.id);
    assert.equal(kept.length, 5);
    // Each kept message raced: delivered through one instance, taken back through the other. Exactly one wins.
    const outcomes = await Promise.all(
      kept.flatMap((id, i) => [
        (i % 2 ? a : b).delivered('bob', [id]).then((d) => d.length),
        (i % 2 ? b : a).withdraw('ada', id).then((w) => (w ? 1 : 0)),
      ]),
    );
    for (let i = 0; i < kept.length; i += 1) assert.equal(outcomes[2 * i]! + outcomes[2 * i + 1]!, 1, `message ${kept[i]}`);
    assert.deepEqual(await b.pendingFor('bob'), []);
  });
}

export function privacyContract(engine: StoreEngine): void {
  test(`${engine.name} users: privacy settings are kept on the user, seen by a second instance`, async (t) => {
    const place = await engine.place(t);
    const [a, b] = [await opened(t, engine.users(place)), await opened(t, engine.users(place))];
    const ada = await a.create(person('ada-privacy@example.test'));
    assert.equal((await b.findById(ada.id))?.privacy, undefined);
    const settings = { dnd: true, dndUntil: 5_000_000, invisible: true };
    assert.deepEqual((await b.setPrivacy(ada.id, settings))?.privacy, settings);
    assert.deepEqual((await a.findById(ada.id))?.privacy, settings);
    assert.deepEqual((await a.findByEmail('ada-privacy@example.test'))?.privacy, settings);
    assert.equal(await a.setPrivacy('nobody', settings), undefined);
    // A node that starts reads whoever has one on; off again, or deleted, they are not listed.
    const bob = await b.create(person('bob-privacy@example.test'));
    await a.setPrivacy(bob.id, { dnd: false, dndUntil: null, invisible: true });
    assert.deepEqual((await b.withPrivacy()).map((u) => u.id).sort(), [ada.id, bob.id].sort());
    await b.setPrivacy(bob.id, { dnd: false, dndUntil: null, invisible: false });
    assert.deepEqual(
      (await a.withPrivacy()).map((u) => u.id),
      [ada.id],
    );
    // Other changes to the user keep them.
    await a.setPasswordHash(ada.id, hash('changed'));
    assert.deepEqual((await b.findById(ada.id))?.privacy, settings);
    assert.equal(await b.delete(ada.id), true);
    assert.deepEqual(await a.withPrivacy(), []);
  });
}

/** Every store's contract. */
export function storeContract(engine: StoreEngine): void {
  userStoreContract(engine);
  privacyContract(engine);
  revocationStoreContract(engine);
  roomStoreContract(engine);
  historyStoreContract(engine);
  messageStoreContract(engine);
}
