/**
 * Group calls in a room (issue #14, PROTOCOL.md §6) with three real browsers: Ada and Bo in
 * Chromium, Cy in Firefox ESR, each in a window of their own. Ada makes a room and the others
 * join it by its invite link, as guests; everything after that goes through the widget's parts:
 * the people list's call banner, the tiles, the leave button, the room chat. What flows is read
 * from each page's WebRTC statistics, per connection, so every pair of people is checked.
 */
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { texts } from '../../src/core/texts.js';
import { startTestBackend } from '../support/test-backend.js';
import type { BrowserName } from '../support/browsers.js';
import { plainText } from '../text-match.js';
import { startHostSite } from './support/host-page.js';
import { expectMediaBetweenEveryPair, expectMediaFrom } from './support/media-checks.js';
import { bytesDuring, rtcConnections, sentVideo } from './support/page-hooks.js';
import { expectAllConnected, startGroupCall, type Person } from './support/person.js';
import { e2eSuite } from './support/suite.js';

const suite = e2eSuite(['chromium', 'firefox']);
const TEST_TIMEOUT = 120_000;
const words = texts.ui.groupCall;

let rooms = 0;

/**
 * Ada (Chromium) registers and makes a room; each of `joiners` opens its invite link in their
 * browser and joins as a guest; everyone sees everyone in the room's people list. `site`: the
 * address of another site (another backend) to use instead of the suite's.
 */
async function peopleInARoom(
  t: TestContext,
  joiners: ReadonlyArray<[label: string, browser: BrowserName]>,
  site?: string,
): Promise<Person[]> {
  const room = `Team ${++rooms}`;
  const ada = await suite.open(t, 'chromium', 'ada', site ? { url: site } : {});
  await ada.register();
  const link = await ada.makeRoom(room);
  await ada.click('invites-toggle');
  const others = await Promise.all(joiners.map(([label, browser]) => suite.open(t, browser, label, { url: link })));
  await Promise.all(others.map((p) => p.joinAsGuest(p.name)));
  await ada.pickRoom(room);
  const people = [ada, ...others];
  await Promise.all(people.flatMap((viewer) => people.filter((p) => p !== viewer).map((p) => viewer.peer(p.name))));
  return people;
}

const threeInARoom = (t: TestContext) =>
  peopleInARoom(t, [
    ['bo', 'chromium'],
    ['cy', 'firefox'],
  ]) as Promise<[Person, Person, Person]>;

/** Each of `people` has one open connection per other person: none made twice (glare), none left over. */
async function expectOneConnectionPerOther(people: readonly Person[]): Promise<void> {
  for (const p of people) assert.equal((await rtcConnections(p.page)).length, people.length - 1, `${p.label}: open connections`);
}

it(
  'start and join: A starts from the people list, B and C join with one click, media between every pair',
  { timeout: TEST_TIMEOUT },
  async (t) => {
    const [ada, bo, cy] = await threeInARoom(t);
    await startGroupCall(ada);
    const banner = await bo.part('room-call-text', { text: ada.name, timeout: 15_000 });
    assert.match(plainText(await banner.evaluate((el) => el.textContent ?? '')), /^Call on: .+ \(1 of \d\)$/);
    await bo.click('join-call');
    await cy.part('room-call-text', { text: `(2 of`, timeout: 15_000 });
    await cy.click('join-call');

    await expectAllConnected([ada, bo, cy]);
    // Each own tile says whose it is.
    for (const p of [ada, bo, cy]) assert.ok((await p.tiles()).find((tile) => tile.me)?.name === plainText(words.tileMe(p.name)));
    await expectMediaBetweenEveryPair([ada, bo, cy]);
    await expectOneConnectionPerOther([ada, bo, cy]);
    for (const p of [ada, bo, cy]) await p.part('room-call', { text: words.youAreIn });
  },
);

it('someone leaves and rejoins; the others carry on; the last one out ends the call', { timeout: TEST_TIMEOUT }, async (t) => {
  const [ada, bo, cy] = await threeInARoom(t);
  await startGroupCall(ada, [bo, cy]);
  await expectAllConnected([ada, bo, cy]);

  await bo.click('leave');
  await bo.waitForNoPart('group-call');
  await Promise.all([ada.waitForTiles({ [cy.name]: 'connected' }), cy.waitForTiles({ [ada.name]: 'connected' })]);
  await ada.part('group-status', { text: plainText(words.left(bo.name)), visible: false });
  await expectMediaBetweenEveryPair([ada, cy]);
  assert.equal((await rtcConnections(bo.page)).length, 0, `${bo.label}: connections closed after leaving`);

  await bo.click('join-call', { timeout: 15_000 });
  await expectAllConnected([ada, bo, cy]);
  await expectMediaBetweenEveryPair([ada, bo, cy]);

  // Leaving one by one: the call stays on until the last seat goes.
  await ada.click('leave');
  await Promise.all([bo.waitForTiles({ [cy.name]: 'connected' }), cy.waitForTiles({ [bo.name]: 'connected' })]);
  await cy.click('leave');
  await bo.waitForTiles({});
  await ada.part('room-call-text', { text: bo.name });
  await bo.click('leave');
  for (const p of [ada, bo, cy]) {
    await p.waitForNoPart('room-call', { timeout: 15_000 });
    await p.part('start-room-call');
  }
});

it(
  'two people join at the same instant: everyone connects to everyone, no glare, no duplicate tile',
  { timeout: TEST_TIMEOUT },
  async (t) => {
    const [ada, bo, cy] = await threeInARoom(t);
    await startGroupCall(ada);
    const [boJoin, cyJoin] = await Promise.all([bo.part('join-call', { timeout: 15_000 }), cy.part('join-call', { timeout: 15_000 })]);
    await Promise.all([boJoin.click(), cyJoin.click()]);

    await expectAllConnected([ada, bo, cy]);
    await expectMediaBetweenEveryPair([ada, bo, cy]);
    // Checked after the media: a late duplicate offer would have made another link by now.
    await expectOneConnectionPerOther([ada, bo, cy]);
  },
);

it(
  'the call is full: the third is offered audio only and joins so, sending no video; a fourth is told it is full',
  { timeout: TEST_TIMEOUT },
  async (t) => {
    // Two seats with video, three in all (PROTOCOL.md §6 "Limits").
    const backend = await startTestBackend({ closeAfter: t, relaxPublishLimits: true, maxCallSize: 2, maxCallAudioSize: 3 });
    const site = await startHostSite(backend.origin);
    t.after(() => site.close());
    const [ada, bo, cy, dan] = (await peopleInARoom(
      t,
      [
        ['bo', 'firefox'],
        ['cy', 'chromium'],
        ['dan', 'chromium'],
      ],
      site.url(),
    )) as [Person, Person, Person, Person];
    await startGroupCall(ada, [bo]);
    await expectAllConnected([ada, bo]);

    // Cy: both video seats taken, an audio seat free. The banner says 2 of 2 and offers audio only.
    await cy.part('room-call-text', { text: '(2 of 2)', timeout: 15_000 });
    await cy.part('call-full-video', { text: texts.ui.group.fullVideo });
    const join = await cy.part('join-audio-only');
    assert.equal(plainText(await join.evaluate((el) => el.textContent ?? '')).trim(), words.joinAudioOnly);
    assert.ok(await join.evaluate((el) => el.part.contains('join-call')), 'the audio-only offer is the banner join button');
    await join.click();

    await Promise.all([
      ada.waitForTiles({ [bo.name]: 'connected', [cy.name]: 'connected' }),
      bo.waitForTiles({ [ada.name]: 'connected', [cy.name]: 'connected' }),
      cy.waitForTiles({ [ada.name]: 'connected', [bo.name]: 'connected' }),
    ]);
    for (const viewer of [ada, bo]) {
      const tile = await viewer.part('tile', { text: cy.name });
      await viewer.part('tile-camera-off', { within: tile });
    }
    await Promise.all([
      expectMediaBetweenEveryPair([ada, bo]),
      expectMediaFrom(cy, ada),
      expectMediaFrom(cy, bo),
      expectMediaFrom(ada, cy, ['audio']),
      expectMediaFrom(bo, cy, ['audio']),
    ]);
    assert.deepEqual(await sentVideo(cy.page), [], 'Cy sends no video track');
    assert.equal((await bytesDuring(cy.page, 'outbound')).video, 0, 'Cy sends no video bytes');

    // Dan: no seat left at all. Told so, and given no join button.
    await dan.part('call-full', { text: words.full, timeout: 15_000 });
    assert.equal(await dan.hasPart('join-call'), false, 'no join button on a full call');
  },
);

it('room chat during the call: a message from one is read by the other two', { timeout: TEST_TIMEOUT }, async (t) => {
  const [ada, bo, cy] = await threeInARoom(t);
  await startGroupCall(ada, [bo, cy]);
  await expectAllConnected([ada, bo, cy]);

  await bo.fill('room-chat-input', 'Hello room, can you all read me?');
  await bo.click('room-chat-send');
  await bo.part('room-message-mine', { text: 'Hello room, can you all read me?' });
  for (const reader of [ada, cy]) {
    const message = await reader.part('room-message-theirs', { text: 'Hello room, can you all read me?' });
    await reader.part('room-message-meta', { within: message, text: bo.name });
  }
  await cy.fill('room-chat-input', 'Loud and clear');
  await cy.click('room-chat-send');
  await Promise.all([
    ada.part('room-message-theirs', { text: 'Loud and clear' }),
    bo.part('room-message-theirs', { text: 'Loud and clear' }),
  ]);
  // The call carried on meanwhile.
  await expectAllConnected([ada, bo, cy]);
});
