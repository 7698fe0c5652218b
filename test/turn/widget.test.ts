/**
 * Relay-only through the widget, as people and site owners switch it on: a
 * site puts `relay-only` on `<rtc-call>`, a visitor ticks "Hide my IP
 * address". Both act only through the UI (the e2e harness's Person); the
 * checks read what the browsers did (received candidates, getStats).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitForEvent } from '../e2e/support/page-hooks.js';
import { BROWSER_PAIRS } from '../e2e/support/suite.js';
import { openWidgetVisitor, remoteCandidates } from './session-page.js';
import { assertOnlyRelay, turnSuite, newSecret, selectedPair, startTurn, startTurnBackend } from './support.js';

for (const pair of BROWSER_PAIRS) {
  describe(`relay-only through the widget, ${pair[0]} calling ${pair[1]}`, () => {
    const suite = turnSuite(pair);

    test('the site sets relay-only on the element, the other visitor ticks "Hide my IP address": the call goes through coturn both ways', async (t) => {
      const secret = newSecret();
      const turn = await startTurn(t, secret);
      // The service itself allows direct calls: privacy here comes from the site and the visitor.
      const backend = await startTurnBackend(t, turn, secret, { iceTransportPolicy: 'all' });
      const alice = await openWidgetVisitor(suite, t, pair[0], 'Alice', backend, { 'relay-only': '' });
      const bob = await openWidgetVisitor(suite, t, pair[1], 'Bob', backend, {});
      await Promise.all([alice.register(), bob.register()]);

      const relayOnly = await bob.part('relay-only');
      const checkbox = async () => relayOnly.evaluate((label) => (label.querySelector('input') as HTMLInputElement).checked);
      assert.equal(await checkbox(), false, 'Bob has not asked for it yet');
      await bob.click('relay-only');
      assert.equal(await checkbox(), true, 'the switch shows what Bob chose');
      assert.equal(
        await (await alice.part('relay-only')).evaluate((label) => (label.querySelector('input') as HTMLInputElement).checked),
        true,
        "Alice's switch reflects the site's relay-only",
      );

      await alice.call(bob.name);
      await bob.accept();
      await Promise.all([alice.expectRemoteVideoPlaying(), bob.expectRemoteVideoPlaying()]);

      for (const person of [alice, bob]) {
        const selected = await selectedPair(person.page, person.label);
        assert.equal(selected.local, 'relay', `${person.label}: ${JSON.stringify(selected)}`);
      }
      assertOnlyRelay(await remoteCandidates(bob.page), 'Bob (from Alice, relay-only by the site)');
      assertOnlyRelay(await remoteCandidates(alice.page), 'Alice (from Bob, who hides his IP)');
    });

    test('relay-only set by the site, and coturn refuses the credentials: the visitor reads why the call failed, nobody rings on', async (t) => {
      const turn = await startTurn(t, newSecret());
      const backend = await startTurnBackend(t, turn, newSecret(), { iceTransportPolicy: 'all' });
      const alice = await openWidgetVisitor(suite, t, pair[0], 'Alice', backend, { 'relay-only': '' });
      const bob = await openWidgetVisitor(suite, t, pair[1], 'Bob', backend, {});
      await Promise.all([alice.register(), bob.register()]);

      await alice.call(bob.name);
      const event = await waitForEvent(alice.page, 'rtc-error', { code: 'turn_failed' }, 20_000);
      assert.match(String((event.detail as { message?: string }).message), /relay server/i);
      await alice.part('error', { text: 'relay server' });
      // The call is over on both sides: no endless "connecting", no ringing left behind.
      await bob.waitForNoPart('accept', { timeout: 20_000 });
      assert.equal(await alice.hasPart('hangup'), false, 'no call left to hang up');
    });
  });
}
