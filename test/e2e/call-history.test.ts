/**
 * Call history and do-not-disturb through the widget's UI, in Chromium↔Chromium and
 * Chromium↔Firefox ESR (PROTOCOL.md §7): a declined and a missed call appear on each side with
 * that side's outcome, the missed one as "Missed call from …" again at the next sign-in, and
 * one click calls back; with do-not-disturb on, a call is declined without ringing, the caller
 * reads "busy — do not disturb", and chats still arrive; an invisible person leaves the list, yet
 * whoever they call sees who it is (the backend's contact card).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { it } from 'node:test';
import { connectCall, type Person } from './support/person.js';
import { describeEachPair, E2E_TEST_TIMEOUT } from './support/suite.js';

const SHOTS = '/work/shots/history';

/** Opens the Calls panel (it stays open) and waits for an entry with `peer`, `outcome` (that side's words) and `direction`. */
async function expectEntry(person: Person, peer: string, outcome: string, direction: 'outgoing' | 'incoming'): Promise<void> {
  if (!(await person.hasPart('call-list')) && !(await person.hasPart('call-empty'))) await person.click('call-history-toggle');
  try {
    await person.page.waitForFunction(
      (p: string, o: string, d: string) => {
        const w = window as unknown as { __e2eFindParts(name: string, root?: Element | null): Element[] };
        return w
          .__e2eFindParts('call-item')
          .some(
            (item) =>
              (item as HTMLElement).dataset.direction === d &&
              w.__e2eFindParts('call-peer', item).some((el) => el.textContent === p) &&
              w.__e2eFindParts('call-outcome', item).some((el) => el.textContent === o),
          );
      },
      { timeout: 15_000, polling: 100 },
      peer,
      outcome,
      direction,
    );
  } catch {
    throw new Error(
      `${person.label}: no ${direction} call with ${peer} shown as ${outcome}; shown: ${JSON.stringify(await person.texts('call-item'))}`,
    );
  }
}

describeEachPair('call history', (suite, pair) => {
  it(
    'declined and missed calls appear on the right side with the right outcome; call back in one click',
    { timeout: E2E_TEST_TIMEOUT },
    async (t) => {
      const [alice, bob] = await suite.pair(t, pair);
      await mkdir(SHOTS, { recursive: true });

      // Answered: a call of a couple of seconds, which Alice ends.
      await connectCall(alice, bob);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await alice.click('hangup');
      await alice.click('dismiss');
      await bob.click('dismiss');

      // Declined: Alice calls, Bob declines.
      await alice.call(bob.name);
      await bob.part('incoming-call', { text: alice.name });
      await bob.click('decline');
      await alice.part('status', { text: `${bob.name} declined the call` });
      await alice.click('dismiss');

      // Missed: Alice calls and gives up before Bob answers.
      await alice.call(bob.name);
      await bob.part('incoming-call', { text: alice.name });
      await alice.click('cancel');
      await bob.waitForNoPart('incoming-call');
      await alice.click('dismiss');

      await bob.part('missed-badge', { text: '1 missed', timeout: 15_000 });
      await bob.part('missed-banner', { text: `Missed call from ${alice.name}` });

      await expectEntry(alice, bob.name, 'Declined', 'outgoing');
      await expectEntry(alice, bob.name, 'Cancelled', 'outgoing');
      assert.deepEqual(
        (await alice.texts('call-outcome')).slice(0, 2),
        ['Cancelled', 'Declined'],
        'newest first, each with its own outcome',
      );
      assert.equal(await alice.hasPart('missed-badge'), false, 'the caller missed nothing');

      // At the next sign-in Bob is told again, and opening the history clears it on every device.
      await bob.signOut();
      await bob.signIn();
      await bob.part('missed-banner', { text: `Missed call from ${alice.name}`, timeout: 15_000 });
      if (pair[1] === 'firefox') await (await bob.part('sidebar')).screenshot({ path: `${SHOTS}/missed-at-sign-in-firefox.png` });
      await bob.click('missed-show');
      await bob.waitForNoPart('missed-banner');
      await expectEntry(bob, alice.name, 'Missed', 'incoming');
      await expectEntry(bob, alice.name, 'Declined', 'incoming');
      await expectEntry(bob, alice.name, 'Answered', 'incoming');
      await expectEntry(alice, bob.name, 'Answered', 'outgoing');
      await bob.part('call-duration', { text: 'lasted' });
      await bob.waitForNoPart('missed-badge');
      if (pair[1] === 'firefox') {
        const panel = await bob.part('call-history');
        await panel.screenshot({ path: `${SHOTS}/call-history-firefox.png` });
        await alice.page.screenshot({ path: `${SHOTS}/widget-with-history-chromium.png` });
      }

      // One click on the missed call calls Alice back.
      const missed = await bob.part('call-item', { text: 'Missed' });
      await bob.click('call-back', { within: missed });
      await alice.part('incoming-call', { text: bob.name });
      await alice.click('decline');
      await expectEntry(bob, alice.name, 'Declined', 'outgoing');

      // Deleting an entry removes it from Bob's history only.
      const before = (await bob.texts('call-item')).length;
      const first = await bob.part('call-item');
      await bob.click('call-delete', { within: first });
      await bob.page.waitForFunction(
        (n: number) => {
          const w = window as unknown as { __e2eFindParts(name: string): Element[] };
          return w.__e2eFindParts('call-item').length === n - 1;
        },
        { timeout: 10_000, polling: 100 },
        before,
      );
      assert.equal((await alice.texts('call-item')).length, 4, "Alice's own entries stay");
    },
  );

  it('do not disturb: calls are declined quietly, the caller reads why, chats still arrive', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, pair);
    await mkdir(SHOTS, { recursive: true });
    const choice = await bob.part('dnd-select');
    await choice.select('on');
    await bob.part('dnd-state', { text: 'calls are declined quietly' });
    const row = await alice.peer(bob.name);
    await alice.part('peer-status', { text: 'Do not disturb', within: row, timeout: 15_000 });

    await alice.call(bob.name);
    await alice.part('status', { text: `${bob.name} is busy — do not disturb`, timeout: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(await bob.hasPart('incoming-call'), false, 'Bob never rang');
    await alice.click('dismiss');

    await alice.openChat(bob.name);
    await alice.sendChat('call me when you can');
    await bob.openChat(alice.name);
    await bob.chatMessage('call me when you can');

    await expectEntry(bob, alice.name, 'Missed (do not disturb)', 'incoming');
    await expectEntry(alice, bob.name, 'Busy (do not disturb)', 'outgoing');
    if (pair[1] === 'firefox') await (await bob.part('call-history')).screenshot({ path: `${SHOTS}/dnd-history-firefox.png` });

    // Off again: the next call rings.
    await (await bob.part('dnd-select')).select('off');
    await alice.part('peer-status', { text: 'Available', within: await alice.peer(bob.name), timeout: 15_000 });
    await alice.call(bob.name);
    await bob.part('incoming-call', { text: alice.name });
    await bob.click('decline');
  });
});

describeEachPair('invisible', (suite, pair) => {
  it('an invisible person leaves every list, yet whoever they call sees who calls', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, pair);
    await (await bob.part('invisible-toggle')).click();
    await alice.waitPeerGone(bob.name);
    // Bob still sees Alice, and can call her: she sees his name on the call, and can answer him.
    await bob.call(alice.name, 'audio');
    await alice.part('incoming-call', { text: bob.name, timeout: 15_000 });
    await alice.click('decline');
    await bob.part('status', { text: `${alice.name} declined the call` });
    await expectEntry(alice, bob.name, 'Declined', 'incoming');
    // Visible again: back in the list.
    await (await bob.part('invisible-toggle')).click();
    await alice.peer(bob.name);
  });
});
