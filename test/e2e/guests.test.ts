/**
 * Invite links and guests in real browsers (PROTOCOL.md §4), through the
 * widget's UI only: a person with an account makes a room and reads its link;
 * a visitor without an account opens it in Firefox, joins as a guest with a
 * name, sees only that room's people and calls its maker with video. A
 * revoked link tells its visitor so instead of showing an empty card.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { texts } from '../../src/core/texts.js';
import { expectNoConnection } from './support/media-checks.js';
import type { Person } from './support/person.js';
import { e2eSuite, E2E_TEST_TIMEOUT } from './support/suite.js';

const suite = e2eSuite(['chromium', 'firefox']);

/** `person` makes a group room in the invites panel and returns its invite link, as the panel shows it. */
async function makeRoom(person: Person, room: string): Promise<string> {
  const value = await person.makeRoom(room);
  assert.ok(value.startsWith(`${suite.site.origin}/`), `the link is the site's page: ${value}`);
  assert.match(value, /#rtc-invite=[\w-]+$/, 'the invite code is in the hash');
  return value;
}

/** Asserts that `viewer`'s people list, as shown, does not name `other`. */
async function expectNotListed(viewer: Person, other: Person, why: string): Promise<void> {
  const names = await viewer.texts('peer-name');
  assert.ok(names.length > 0, `${viewer.label}: the people list is read (it shows someone here)`);
  assert.ok(!names.some((n) => n.includes(other.name)), `${viewer.label}: ${why} (listed: ${names.join(', ')})`);
}

it('a guest joins by a room link, sees only that room, and calls its maker', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
  const olivia = await suite.open(t, 'chromium', 'olivia');
  await olivia.register();
  const link = await makeRoom(olivia, 'Clinic');

  const mallory = await suite.open(t, 'chromium', 'mallory');
  await mallory.register();
  await mallory.peer(olivia.name);
  assert.equal(await mallory.hasPart('room-select'), false, 'Mallory is in the lobby only');

  const gus = await suite.open(t, 'firefox', 'gus', { url: link });
  await gus.part('invite-title', { text: 'Clinic', timeout: 20_000 });
  assert.equal(await gus.hasPart('login-form'), false, 'the guest form comes first, no password asked');
  await gus.joinAsGuest(gus.name);

  await gus.peer(olivia.name);
  await expectNotListed(gus, mallory, 'a guest sees nobody of the lobby');
  await olivia.pickRoom('Clinic');
  const row = await olivia.peer(gus.name);
  await olivia.part('guest-tag', { within: row, text: texts.ui.rooms.guest });
  await expectNotListed(mallory, gus, 'the lobby does not see a guest of another room');

  await gus.call(olivia.name, 'video');
  await olivia.part('incoming-call', { text: gus.name });
  await olivia.accept();
  await Promise.all([gus.expectRemoteVideoPlaying(), olivia.expectRemoteVideoPlaying()]);
  await gus.click('hangup');
  await olivia.part('status', { text: `${gus.name} hung up` });
  await Promise.all([expectNoConnection(gus), expectNoConnection(olivia)]);

  // Presence has had the whole call to arrive, had it leaked across rooms.
  await mallory.peer(olivia.name);
  await expectNotListed(gus, mallory, 'a guest still sees nobody of the lobby');
  await expectNotListed(mallory, gus, 'the lobby never sees a guest of another room');
});

it('a revoked link tells its visitor so', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
  const olivia = await suite.open(t, 'chromium', 'olivia');
  await olivia.register();
  const link = await makeRoom(olivia, 'Closed Clinic');
  const item = await olivia.part('invite-item', { text: 'Closed Clinic' });
  await olivia.click('revoke', { within: item });
  await olivia.part('invite-expires', { within: item, text: texts.ui.invites.revoked });

  const visitor = await suite.open(t, 'firefox', 'visitor', { url: link });
  const problem = await visitor.part('invite-problem', { timeout: 20_000 });
  assert.equal((await problem.evaluate((el) => el.textContent ?? '')).trim(), texts.errors.invite_revoked);
  assert.equal(await visitor.hasPart('guest-join'), false, 'no way to join by a revoked link');
});
