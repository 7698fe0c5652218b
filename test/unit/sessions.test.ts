/**
 * Session families (broker/sessions.ts) with an injected clock: token expiry
 * capped at SESSION_MAX_AGE, renewal refused after it, revocation per family
 * and per user; and the JSON-file revocation store (kept across a reopen, pruned
 * once a record can no longer matter).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Client } from 'aedes';
import { LiveSessions } from '../../broker/mqtt/live-sessions.js';
import { Sessions, tokenExpiry } from '../../broker/sessions.js';
import { REVOCATIONS_FILE, openJsonRevocationStore } from '../../broker/store/json-revocation-store.js';
import { isRevoked } from '../../broker/store/revocation-store.js';
import { TokenService } from '../../broker/tokens.js';

const HOUR = 3600_000;
const policy = { tokenTtlSeconds: 3600, sessionMaxAgeSeconds: 24 * 3600 };
const user = { id: 'user_abcdef', name: 'Ada' };

async function dataDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-sessions-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('token expiry: one TTL ahead, never past the end of the session, none once it is over', () => {
  const family = { sid: 'a'.repeat(16), authTime: 1_000_000_000_000 };
  assert.equal(tokenExpiry(family, family.authTime, policy), (family.authTime + HOUR) / 1000);
  // 23.5 h into a 24 h session: the token ends with the session, half an hour later.
  assert.equal(tokenExpiry(family, family.authTime + 23.5 * HOUR, policy), (family.authTime + 24 * HOUR) / 1000);
  assert.equal(tokenExpiry(family, family.authTime + 24 * HOUR, policy), null);
  // `exp` is whole seconds, rounded down: 1 ms before a whole-second end still gets a token ending then,
  // but when the end falls inside the current second the token would be born expired.
  assert.equal(tokenExpiry(family, family.authTime + 24 * HOUR - 1, policy), (family.authTime + 24 * HOUR) / 1000);
  assert.equal(tokenExpiry({ ...family, authTime: family.authTime + 500 }, family.authTime + 24 * HOUR, policy), null);
});

test('revoked: the family by its id, a user by sign-ins before the cutoff', () => {
  const revocations = { sessions: new Set(['s'.repeat(16)]), usersBefore: new Map([['bob', 5000]]) };
  assert.equal(isRevoked(revocations, { sub: 'ada', sid: 's'.repeat(16), authTime: 9999 }), true);
  assert.equal(isRevoked(revocations, { sub: 'ada', sid: 't'.repeat(16), authTime: 9999 }), false);
  assert.equal(isRevoked(revocations, { sub: 'bob', sid: 't'.repeat(16), authTime: 4999 }), true);
  assert.equal(isRevoked(revocations, { sub: 'bob', sid: 't'.repeat(16), authTime: 5000 }), false, 'signed in after the reset');
});

test('Sessions: renewals keep the family until SESSION_MAX_AGE; logout and revokeUser refuse it', async (t) => {
  let now = Date.now();
  const sessions = new Sessions(
    new TokenService('x'.repeat(40)),
    await openJsonRevocationStore(await dataDir(t), () => now),
    policy,
    () => now,
  );
  const first = await sessions.signIn(user);
  const claims = (await sessions.verify(first))!;
  assert.equal(claims.sub, user.id);
  assert.equal(claims.authTime, now);

  now += 23.9 * HOUR; // (the JWT itself is checked against the real clock: keep it valid by renewing close to "now")
  const late = await sessions.renew(claims, user);
  assert.ok(late, 'renewed within the maximum age');
  now += 0.2 * HOUR;
  assert.equal(await sessions.renew(claims, user), null, 'not past SESSION_MAX_AGE');
  assert.equal(sessions.isLive(claims, await sessions.current()), false);

  now = Date.now();
  const second = await sessions.signIn(user);
  const secondClaims = (await sessions.verify(second))!;
  let notified = 0;
  sessions.onRevoked(() => notified++);
  await sessions.logout(secondClaims);
  assert.equal(notified, 1);
  assert.equal(await sessions.verify(second), null);
  assert.equal(await sessions.verify((await sessions.renew(secondClaims, user))!), null, 'a renewal of a signed-out family');

  const third = await sessions.signIn(user);
  now += 1;
  await sessions.revokeUser(user.id);
  assert.equal(notified, 2);
  assert.equal(await sessions.verify(third), null);
  now += 1;
  assert.ok(await sessions.verify(await sessions.signIn(user)), 'a sign-in after the reset stands');
});

test('JSON-file revocations: kept across a reopen, seen by a second store on the folder, pruned after they stop mattering', async (t) => {
  const dir = await dataDir(t);
  let now = 1_000_000_000_000;
  const store = await openJsonRevocationStore(dir, () => now);
  const other = await openJsonRevocationStore(dir, () => now);
  await store.revokeSession({ sid: 'a'.repeat(16), userId: 'ada', until: now + HOUR });
  await store.revokeUserSessions({ userId: 'bob', before: now, until: now + 2 * HOUR });
  await store.revokeUserSessions({ userId: 'bob', before: now - 10, until: now + 2 * HOUR - 10 });
  // The other process (admin CLI, another node) sees both; an earlier cutoff does not replace a later one.
  const seen = await other.current();
  assert.deepEqual([...seen.sessions], ['a'.repeat(16)]);
  assert.deepEqual([...seen.usersBefore], [['bob', now]]);
  await store.close();
  const reopened = await openJsonRevocationStore(dir, () => now);
  assert.deepEqual([...(await reopened.current()).usersBefore], [['bob', now]]);

  // An hour and a half later the session record is past its session's end: the next write drops it.
  now += 1.5 * HOUR;
  await reopened.revokeSession({ sid: 'b'.repeat(16), userId: 'ada', until: now + HOUR });
  const file = JSON.parse(await readFile(join(dir, REVOCATIONS_FILE), 'utf8'));
  assert.deepEqual(
    file.sessions.map((r: { sid: string }) => r.sid),
    ['b'.repeat(16)],
  );
  assert.equal(file.users.length, 1);
  assert.deepEqual([...(await other.current()).sessions], ['b'.repeat(16)]);
  await reopened.close();
  await other.close();
});

test('LiveSessions closes the revoked connections only, and never keeps a connection that is gone', async (t) => {
  const now = Date.now();
  const sessions = new Sessions(
    new TokenService('x'.repeat(40)),
    await openJsonRevocationStore(await dataDir(t), () => now),
    policy,
    () => now,
  );
  const live = new LiveSessions(sessions);
  const client = (closed = false) => {
    const c = {
      closed,
      closeCalls: 0,
      close() {
        c.closeCalls++;
        c.closed = true;
      },
    };
    return c;
  };
  const asClient = (c: ReturnType<typeof client>) => c as unknown as Client;
  const revokedTab = client();
  const otherTab = client();
  const family = { sub: user.id, sid: 'r'.repeat(16), authTime: now };
  live.track(asClient(revokedTab), family);
  live.track(asClient(otherTab), { ...family, sid: 'o'.repeat(16) });
  // A socket that closed while its CONNECT was being checked.
  live.track(asClient(client(true)), { ...family, sid: 'g'.repeat(16) });
  assert.equal(live.size, 2);

  await sessions.logout({ ...family, name: user.name, exp: now / 1000 + 60 });
  assert.equal(live.closeRevoked(await sessions.current()), 1);
  assert.equal(revokedTab.closeCalls, 1);
  assert.equal(otherTab.closeCalls, 0);
  // A connection that went without clientGone being told is dropped on the next sweep.
  otherTab.closed = true;
  live.closeRevoked(await sessions.current());
  assert.equal(live.size, 0);
  assert.equal(otherTab.closeCalls, 0);
});
