/**
 * A tab leaves mid-call, closed or reloaded: the widget sends `hangup` on
 * pagehide, so the other side ends the call within 5 s with a message naming
 * who left, and the people list follows (Bob drops out when his tab closes,
 * or reloads on a site that does not remember the sign-in; when it does, he
 * comes back once his reloaded page has signed in again). Firefox may drop
 * the hangup of a reloading page; the peer connection it closes ends the
 * call just as fast.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { recordedEvents, waitForEvent } from '../e2e/support/page-hooks.js';
import { connectCall, type Person } from '../e2e/support/person.js';
import { plainText } from '../text-match.js';
import { describeEachResiliencePair, RESILIENCE_TEST_TIMEOUT } from './support.js';

/** What the other side is promised: the call ends this soon after the tab goes away. */
const END_WITHIN_MS = 5_000;

/** Alice's call ends within 5 s of `leftAt`, and her status part says so, naming Bob. */
async function expectEndedSoon(alice: Person, bob: Person, leftAt: number): Promise<string> {
  const ended = await waitForEvent(alice.page, 'rtc-call-state', { call: { phase: 'ended' } }, END_WITHIN_MS + 10_000);
  const message = plainText((ended.detail as { call: { message: string } }).call.message);
  assert.ok(ended.at - leftAt <= END_WITHIN_MS, `the call ended ${ended.at - leftAt} ms after Bob's tab went away`);
  assert.match(message, new RegExp(bob.name));
  await alice.part('status', { text: message });
  return message;
}

describeEachResiliencePair('a tab leaves mid-call', (suite) => {
  it(
    'closing the tab ends the call on the other side within 5 s and Bob leaves the people list',
    { timeout: RESILIENCE_TEST_TIMEOUT },
    async (t) => {
      const [alice, bob] = await suite.pair(t, {}, suite.other);
      await connectCall(alice, bob);

      const closedAt = Date.now();
      await bob.page.close({ runBeforeUnload: true });
      await expectEndedSoon(alice, bob, closedAt);
      await alice.waitPeerGone(bob.name, 20_000);
    },
  );

  it(
    'reloading the tab ends the call on the other side within 5 s and Bob comes back signed in',
    { timeout: RESILIENCE_TEST_TIMEOUT },
    async (t) => {
      const [alice, bob] = await suite.pair(t, { 'remember-sign-in': true }, suite.other);
      await connectCall(alice, bob);
      const presenceBefore = (await recordedEvents(alice.page, 'rtc-presence')).length;

      const reloadedAt = Date.now();
      await bob.page.reload({ waitUntil: 'load', timeout: 30_000 });
      await expectEndedSoon(alice, bob, reloadedAt);

      // Bob's page signs in again by itself (the site remembers it) and is not in a call.
      await bob.expectSignedIn();
      await bob.peer(alice.name, 20_000);
      assert.equal((await recordedEvents(bob.page, 'rtc-call-state')).length, 0, 'the reloaded page shows no call');
      // Alice's list followed Bob out and back in: presence changed, and Bob is listed and callable again.
      await alice.peer(bob.name, 20_000);
      assert.ok((await recordedEvents(alice.page, 'rtc-presence')).length > presenceBefore, 'Alice saw no presence update');
      await connectCall(alice, bob);
    },
  );

  it(
    'reloading the tab of a site that does not remember the sign-in: the call ends within 5 s and Bob leaves the list',
    { timeout: RESILIENCE_TEST_TIMEOUT },
    async (t) => {
      const [alice, bob] = await suite.pair(t, {}, suite.other);
      await connectCall(alice, bob);

      const reloadedAt = Date.now();
      await bob.page.reload({ waitUntil: 'load', timeout: 30_000 });
      await expectEndedSoon(alice, bob, reloadedAt);
      await bob.part('login-form', { timeout: 20_000 });
      await alice.waitPeerGone(bob.name, 20_000);
    },
  );
});
