/**
 * Calls that do not simply connect, through the widget's UI, in
 * Chromium↔Chromium and Chromium↔Firefox ESR: decline, cancel while ringing,
 * busy, no answer (ring timeout shortened with the `ring-timeout`
 * attribute), and the callee's tab closing mid-call.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expectNoConnection } from './support/media-checks.js';
import { recordedEvents, waitForEvent } from './support/page-hooks.js';
import { connectCall } from './support/person.js';
import { describeEachPair, E2E_TEST_TIMEOUT } from './support/suite.js';
import { plainText } from '../text-match.js';

const RING_TIMEOUT_MS = 3000;

describeEachPair('call outcomes', (suite, pair) => {
  it('decline, then cancel while ringing', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, pair);

    await alice.call(bob.name);
    await bob.part('incoming-call', { text: alice.name });
    await bob.click('decline');
    await bob.waitForNoPart('incoming-call');
    await alice.part('status', { text: `${bob.name} declined the call` });
    await waitForEvent(alice.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'declined' } });
    await expectNoConnection(alice);
    await alice.click('dismiss');

    await alice.call(bob.name);
    await bob.part('incoming-call', { text: alice.name });
    await alice.click('cancel');
    await alice.part('status', { text: 'Call cancelled' });
    await bob.waitForNoPart('incoming-call');
    await waitForEvent(bob.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'cancelled' } });
    await Promise.all([expectNoConnection(alice), expectNoConnection(bob)]);
  });

  it('busy: a third person calling someone in a call hears they are busy; the call goes on', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, pair);
    const carol = await suite.open(t, pair[0], 'carol');
    await carol.register();
    await connectCall(alice, bob);

    await carol.call(bob.name);
    await carol.part('status', { text: `${bob.name} is busy` });
    await waitForEvent(carol.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'busy' } });
    assert.equal(await bob.hasPart('incoming-call'), false, 'Bob is not interrupted by a second call');
    await alice.part('status', { text: `In a call with ${bob.name}` });
    await bob.expectRemoteVideoPlaying();
  });

  it('no answer: the call ends as missed on both sides after the ring timeout', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, pair, { attributes: { 'ring-timeout': String(RING_TIMEOUT_MS) } });
    await alice.call(bob.name);
    await bob.part('incoming-call', { text: alice.name });
    await alice.part('status', { text: `${bob.name} did not answer`, timeout: RING_TIMEOUT_MS + 10_000 });
    await bob.waitForNoPart('incoming-call', { timeout: RING_TIMEOUT_MS + 10_000 });
    await waitForEvent(alice.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'missed' } });
    await waitForEvent(bob.page, 'rtc-call-state', { call: { phase: 'ended' } });
    const bobEnd = (await recordedEvents(bob.page, 'rtc-call-state')).at(-1)?.detail as { call: { endReason: string } };
    assert.ok(['missed', 'cancelled'].includes(bobEnd.call.endReason), `Bob's ringing stopped as ${bobEnd.call.endReason}`);
    await Promise.all([expectNoConnection(alice), expectNoConnection(bob)]);
  });

  it("closing the callee's tab ends the call on the caller's side with a message", { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, pair);
    await connectCall(alice, bob);
    await bob.page.close();
    const ended = await waitForEvent(alice.page, 'rtc-call-state', { call: { phase: 'ended' } }, 30_000);
    const { endReason, message } = (ended.detail as { call: { endReason: string; message: string } }).call;
    assert.ok(['remote-hangup', 'peer-left', 'failed'].includes(endReason), `ended as ${endReason}`);
    await alice.part('status', { text: plainText(message) });
    assert.match(message, new RegExp(bob.name), 'the message names who left');
    await expectNoConnection(alice);
    await alice.waitPeerGone(bob.name, 30_000);
  });
});
