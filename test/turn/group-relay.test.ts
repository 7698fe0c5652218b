/**
 * Relay-only in a group call (PROTOCOL.md §6), through a real coturn: three people in one room,
 * two in Chromium and one in Firefox ESR, every link of the mesh. What each side received is
 * checked per link, since a group call has one connection per other person.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Config } from '../../broker/config.js';
import { SessionPage, remoteCandidatesPerLink } from './session-page.js';
import { assertOnlyRelay, isRelayCandidate, newSecret, startTurn, startTurnBackend, turnSuite } from './support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('relay-only in a group call through coturn, Chromium, Chromium and Firefox ESR', () => {
  const suite = turnSuite(['chromium', 'firefox']);

  /** Ada (Chromium) makes a room, Bob (Chromium) and Cy (Firefox ESR) join it; nobody is in a call yet. */
  async function threeInARoom(t: TestContext, config: Partial<Config>): Promise<{ people: SessionPage[]; roomId: string }> {
    const secret = newSecret();
    const turn = await startTurn(t, secret);
    const backend = await startTurnBackend(t, turn, secret, config);
    const people: SessionPage[] = [];
    for (const [name, browser] of [
      ['Ada', 'chromium'],
      ['Bob', 'chromium'],
      ['Cy', 'firefox'],
    ] as const) {
      const person = await SessionPage.open(suite.browser(browser), suite.site, name, { server: backend.origin });
      t.after(() => person.close());
      people.push(person);
    }
    await Promise.all(people.map((p) => p.register()));
    const [ada, ...others] = people as [SessionPage, ...SessionPage[]];
    const { roomId, code } = await ada.createRoom('Relay room');
    for (const person of others) await person.openInvite(code, roomId);
    return { people, roomId };
  }

  /** Everyone joins, one after another; each ends up connected to the two others. */
  async function joinAll(people: SessionPage[], roomId: string): Promise<void> {
    for (const person of people) await person.joinGroupCall(roomId);
    await Promise.all(people.map((p) => p.waitForGroupConnected(people.length - 1)));
  }

  /** Media arrives on every link of `person` (one connection per other person). */
  async function assertMediaOnEveryLink(person: SessionPage, links: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const snapshot = await person.rtc();
      if (snapshot.connections === links && snapshot.inbound.audio > 0 && snapshot.inbound.video > 0) return;
      assert.ok(Date.now() < deadline, `${person.name} receives media on ${links} links: ${JSON.stringify(snapshot)}`);
      await sleep(200);
    }
  }

  test('the backend forces relay: every link of the mesh carries only relay candidates, and media flows', async (t) => {
    const { people, roomId } = await threeInARoom(t, { iceTransportPolicy: 'relay' });
    await joinAll(people, roomId);
    for (const person of people) {
      const links = await remoteCandidatesPerLink(person.page);
      assert.equal(links.length, 2, `${person.name} has a link to each of the two others`);
      links.forEach((candidates, i) => assertOnlyRelay(candidates, `${person.name} (link ${i + 1})`));
      await assertMediaOnEveryLink(person, 2);
    }
  });

  test('one person hides her IP: the others receive only relay candidates from her, and ordinary ones from each other', async (t) => {
    const { people, roomId } = await threeInARoom(t, { iceTransportPolicy: 'all' });
    const [ada, bob, cy] = people as [SessionPage, SessionPage, SessionPage];
    await ada.setRelayOnly(true);
    await joinAll(people, roomId);
    for (const person of [bob, cy]) {
      const links = await remoteCandidatesPerLink(person.page);
      assert.equal(links.length, 2, `${person.name} has a link to each of the two others`);
      const fromAda = links.filter((candidates) => candidates.length > 0 && candidates.every(isRelayCandidate));
      const fromTheOther = links.filter((candidates) => candidates.some((c) => !isRelayCandidate(c)));
      // The link to Ada is the one with only relay candidates; the other person did not ask for privacy.
      assert.equal(fromAda.length, 1, `${person.name}: one link with only relay candidates: ${JSON.stringify(links)}`);
      assertOnlyRelay(fromAda[0]!, `${person.name} (from Ada, who hides her IP)`);
      assert.equal(fromTheOther.length, 1, `${person.name}: one link with ordinary candidates: ${JSON.stringify(links)}`);
    }
    for (const person of people) await assertMediaOnEveryLink(person, 2);
  });
});
