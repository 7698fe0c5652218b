/**
 * A video call through the widget's UI, in Chromium↔Chromium and
 * Chromium↔Firefox ESR: call and accept with video playing and media flowing
 * both ways; camera off and mute seen by the other side, with the stopped
 * track no longer sending; screen share and stop; the callee hangs up (the
 * caller hangs up in chat.test.ts). One call walks through several steps, as
 * a person would, to keep the suite within its time budget.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expectMediaArriving, expectNoConnection, expectSelectedPair, expectStoppedArriving } from './support/media-checks.js';
import { sentVideo, waitForEvent } from './support/page-hooks.js';
import { connectCall } from './support/person.js';
import { describeEachPair, E2E_TEST_TIMEOUT } from './support/suite.js';

describeEachPair('video call', (suite, pair) => {
  it(
    'call and accept, media both ways, camera off and on, screen share and stop, the callee hangs up',
    { timeout: E2E_TEST_TIMEOUT },
    async (t) => {
      const [alice, bob] = await suite.pair(t, pair);
      await connectCall(alice, bob);
      await waitForEvent(bob.page, 'rtc-incoming-call', { call: { peer: { name: alice.name } } });
      await waitForEvent(alice.page, 'rtc-call-state', { call: { phase: 'connected' } });
      await alice.part('status', { text: `In a call with ${bob.name}` });
      for (const person of [alice, bob]) {
        const size = await person.expectRemoteVideoPlaying();
        assert.ok(size.width > 0 && size.height > 0, `${person.label}: remote video has a size`);
        await expectMediaArriving(person);
        await expectSelectedPair(person);
      }

      // Camera off: Bob is told, and Alice's video no longer arrives.
      const flowing = await expectMediaArriving(bob);
      await alice.click('camera-toggle');
      await bob.part('remote-camera-off', { text: alice.name });
      await expectStoppedArriving(bob, 'video', flowing);
      await alice.click('camera-toggle');
      await bob.waitForNoPart('remote-camera-off');
      await bob.expectRemoteVideoPlaying();
      await expectMediaArriving(bob);

      // Screen share (from Chromium, which picks the screen without a picker).
      await alice.click('screen-toggle');
      await bob.part('remote-sharing', { text: alice.name });
      assert.deepEqual(
        (await sentVideo(alice.page)).map((v) => v.displaySurface),
        ['monitor'],
        'Alice sends her screen in place of her camera',
      );
      await bob.expectRemoteVideoPlaying();
      await expectMediaArriving(bob);
      await alice.click('screen-toggle');
      await bob.waitForNoPart('remote-sharing');
      assert.deepEqual(
        (await sentVideo(alice.page)).map((v) => v.displaySurface),
        [null],
        'Alice sends her camera again',
      );
      await bob.expectRemoteVideoPlaying();

      await bob.click('hangup');
      await alice.part('status', { text: `${bob.name} hung up` });
      await bob.part('status', { text: 'Call ended' });
      await waitForEvent(alice.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'remote-hangup' } });
      await Promise.all([expectNoConnection(alice), expectNoConnection(bob)]);
      await alice.click('dismiss');
      await alice.waitForNoPart('video-stage');
    },
  );

  it('mute: the other side sees it and audio stops arriving; unmute brings it back', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const [alice, bob] = await suite.pair(t, pair);
    await connectCall(alice, bob);
    const flowing = await expectMediaArriving(bob);
    await alice.click('mic-toggle');
    await bob.part('remote-muted', { text: alice.name });
    await alice.click('mic-toggle');
    await bob.waitForNoPart('remote-muted');
    await alice.click('mic-toggle');
    await bob.part('remote-muted', { text: alice.name });
    await expectStoppedArriving(bob, 'audio', flowing);
  });
});
