/**
 * A tab closed mid-call: the widget sends `hangup` on pagehide, so the other
 * side ends the call within 5 s with a message naming who left, and the
 * people list updates once the socket is gone. (A reload mid-call does not
 * end the call on the other side yet — see the resilience report.)
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { waitForEvent } from '../e2e/support/page-hooks.js';
import { connectCall } from '../e2e/support/person.js';
import { describeEachResiliencePair, RESILIENCE_TEST_TIMEOUT } from './support.js';

/** What the other side is promised: the call ends this soon after the tab goes away. */
const END_WITHIN_MS = 5_000;

describeEachResiliencePair('a tab leaves mid-call', (suite) => {
  it('closing the tab ends the call on the other side within 5 s and Bob leaves the people list', { timeout: RESILIENCE_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, {}, suite.other);
    await connectCall(alice, bob);

    const closedAt = Date.now();
    await bob.page.close({ runBeforeUnload: true });
    const ended = await waitForEvent(alice.page, 'rtc-call-state', { call: { phase: 'ended' } }, END_WITHIN_MS + 10_000);
    const { message } = (ended.detail as { call: { message: string } }).call;
    assert.ok(ended.at - closedAt <= END_WITHIN_MS, `the call ended ${ended.at - closedAt} ms after the tab closed`);
    assert.match(message, new RegExp(bob.name));
    await alice.part('status', { text: message });
    await alice.waitPeerGone(bob.name, 20_000);
  });
});
