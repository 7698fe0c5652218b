/**
 * The backend restarts during a call: media keeps flowing peer to peer while
 * signalling is down, both widgets say "Reconnecting…", come back online by
 * themselves (accounts and the JWT secret survive in the data folder), see
 * each other again, and the call can still be hung up normally.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expectMediaArriving, expectNoConnection } from '../e2e/support/media-checks.js';
import { waitForEvent } from '../e2e/support/page-hooks.js';
import { connectCall } from '../e2e/support/person.js';
import { describeEachResiliencePair, RESILIENCE_TEST_TIMEOUT, sleep } from './support.js';

/** How long the backend stays down: longer than the 4 s peer-left grace, so presence loss must not end the call. */
const OUTAGE_MS = 6_000;

describeEachResiliencePair('backend restart during a call', (suite) => {
  it('media keeps flowing, both reconnect, the call goes on and hangs up normally', { timeout: RESILIENCE_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, {}, suite.other);
    await connectCall(alice, bob);

    const downAt = Date.now();
    await suite.backend.stop();
    await Promise.all([
      alice.part('status', { text: 'Reconnecting', timeout: 15_000 }),
      bob.part('status', { text: 'Reconnecting', timeout: 15_000 }),
    ]);
    // Peer to peer: media does not need the backend.
    await Promise.all([expectMediaArriving(alice, 5_000), expectMediaArriving(bob, 5_000)]);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
    assert.equal(suite.backend.isRunning, false);
    await suite.backend.start();

    // Backoff caps at 30 s; after a ~6 s outage the next try comes within ~8 s.
    await Promise.all([alice.part('status', { text: 'Online', timeout: 30_000 }), bob.part('status', { text: 'Online', timeout: 30_000 })]);
    await Promise.all([alice.peer(bob.name, 20_000), bob.peer(alice.name, 20_000)]);
    await Promise.all([
      alice.part('status', { text: `In a call with ${bob.name}` }),
      bob.part('status', { text: `In a call with ${alice.name}` }),
    ]);
    await Promise.all([expectMediaArriving(alice), expectMediaArriving(bob)]);

    await alice.click('hangup');
    await waitForEvent(bob.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'remote-hangup' } });
    await waitForEvent(alice.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'hangup' } });
    await Promise.all([expectNoConnection(alice), expectNoConnection(bob)]);
  });
});
