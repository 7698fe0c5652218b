/**
 * The testing kit's page helpers (testing/page.ts, shipped as
 * `rtc-call/testing/puppeteer` and `/playwright`) where a site owner's test
 * would go wrong: a refused sign-in fails at once with the widget's reason,
 * a wait names what was missing, and the media check needs real frames
 * with a picture (a camera turned off fails it, not just an element being
 * there). Toggles answer their new state; the call state comes from
 * `rtc-call-state`. Every other e2e file drives the same helpers through
 * support/person.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { E2E_TEST_TIMEOUT, e2eSuite } from './support/suite.js';

describe('testing kit page helpers, chromium ↔ chromium', () => {
  const suite = e2eSuite(['chromium']);

  it('a refused sign-in fails at once with the reason; a wait names what it missed', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const alice = await suite.open(t, 'chromium', 'alice');
    await alice.register();
    await alice.signOut();

    const started = Date.now();
    await assert.rejects(
      alice.rtc.signIn({ email: alice.credentials.email, password: 'not the password at all' }),
      /alice-chromium: signing in failed: \S+/,
    );
    assert.ok(Date.now() - started < 10_000, `refused in ${Date.now() - started} ms, not after the whole wait`);

    await alice.rtc.signIn(alice.credentials);
    await assert.rejects(
      alice.rtc.waitForPerson('Nobody Here', 500),
      /alice-chromium: part "peer" with "Nobody Here" was not shown within 500 ms/,
    );
    await assert.rejects(
      alice.rtc.expectRemoteMedia({ timeout: 500 }),
      /the other person's media did not play within 500 ms \(no remote-video part\)/,
    );
    assert.equal(await alice.rtc.callState(), null, 'no call yet');
  });

  it(
    'remote media needs real frames with a picture; toggles answer their state; the call state',
    { timeout: E2E_TEST_TIMEOUT },
    async (t) => {
      const [alice, bob] = await suite.pair(t, ['chromium', 'chromium']);
      await alice.rtc.call(bob.name);
      assert.equal((await alice.rtc.waitForCallState('ringing')).peer.name, bob.name);
      await bob.rtc.accept(alice.name);
      await Promise.all([alice.rtc.waitForCallState('connected'), bob.rtc.waitForCallState('connected')]);
      const media = await bob.rtc.expectRemoteMedia();
      assert.ok(media.width > 0 && media.height > 0 && media.audio, JSON.stringify(media));

      // Alice's camera off: the <video> is still there, but no picture reaches Bob.
      assert.equal(await alice.rtc.toggleCamera(), true, 'camera off');
      await bob.part('remote-camera-off');
      await assert.rejects(
        bob.rtc.expectRemoteMedia({ timeout: 3000 }),
        /bob-chromium: the other person's media did not play within 3000 ms \(.+\)/,
      );
      assert.equal(await alice.rtc.toggleCamera(), false, 'camera on again');
      await bob.rtc.expectRemoteMedia();

      // Muted: her audio track stops receiving; video alone still plays.
      assert.equal(await alice.rtc.toggleMicrophone(), true, 'muted');
      await bob.part('remote-muted');
      await bob.rtc.expectRemoteMedia({ audio: false });
      assert.equal(await alice.rtc.toggleMicrophone(), false, 'unmuted');

      // Her screen instead of her camera (Chromium picks it without a picker): it plays at Bob's.
      assert.equal(await alice.rtc.toggleScreen(), true, 'sharing');
      await bob.part('remote-sharing');
      await bob.rtc.expectRemoteMedia();
      assert.equal(await alice.rtc.toggleScreen(), false, 'stopped sharing');

      const ended = await bob.rtc.hangUp();
      assert.equal(ended.phase, 'ended');
      assert.equal((await alice.rtc.waitForCallState('ended')).endReason, 'remote-hangup');
      assert.deepEqual(
        (await alice.rtc.events('rtc-call-state'))
          .map((event) => (event.detail as { call: { phase: string } }).call.phase)
          .filter((p, i, all) => p !== all[i - 1]),
        ['ringing', 'connecting', 'connected', 'ended'],
        'the phases Alice went through',
      );
    },
  );
});
