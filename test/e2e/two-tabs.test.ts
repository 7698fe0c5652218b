/**
 * One person signed in on two tabs, through the widget's UI, in
 * Chromium↔Chromium and Chromium↔Firefox ESR: a call rings in both tabs;
 * when one tab answers, the other stops ringing.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { waitForEvent } from './support/page-hooks.js';
import { describeEachPair, E2E_TEST_TIMEOUT } from './support/suite.js';

describeEachPair('same person on two tabs', (suite, pair) => {
  it('both tabs ring; one answers and the other stops ringing', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, pair);
    // Bob's second tab, in the same window: the first one goes to the background.
    const bobTab2 = await suite.openAnotherTab(t, bob);
    await bobTab2.signIn();
    await alice.part('peer-status', { within: await alice.peer(bob.name) });

    await alice.call(bob.name);
    await Promise.all([bob.part('incoming-call', { text: alice.name }), bobTab2.part('incoming-call', { text: alice.name })]);

    await bobTab2.accept();
    await bob.waitForNoPart('incoming-call');
    await waitForEvent(bob.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'answered-elsewhere' } });
    await Promise.all([alice.expectRemoteVideoPlaying(), bobTab2.expectRemoteVideoPlaying()]);
    assert.equal(await bob.hasPart('remote-video'), false, 'the tab that did not answer shows no call');
  });
});
