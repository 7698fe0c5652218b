/**
 * Choosing a device mid-call through the widget's UI, in Chromium↔Chromium and Chromium↔Firefox
 * ESR: the caller (Chromium, which has two fake microphones) opens "Devices" from the call
 * controls and picks the other microphone. The call goes on on the same peer connection with the
 * same descriptions (no renegotiation), the new microphone is the one sent, and the other side
 * keeps receiving sound and video. Then the camera goes away (simulated, see below): the widget
 * says so, and the default camera takes over in the same call.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { it } from 'node:test';
import type { Page } from 'puppeteer-core';
import { expectMediaArriving } from './support/media-checks.js';
import type { HookedWindow } from './support/page-hooks.js';
import { connectCall } from './support/person.js';
import { describeEachPair, E2E_TEST_TIMEOUT } from './support/suite.js';

/** Where the closing note's screenshots go (outside the repository). */
const SHOTS = process.env.RTC_SHOTS_DIR ?? '/work/shots/devices';

/** The live peer connections' descriptions and the microphone each sends. */
function links(page: Page) {
  return page.evaluate(() =>
    (window as unknown as HookedWindow).__e2ePeerConnections
      .filter((pc) => pc.connectionState !== 'closed')
      .map((pc) => ({
        local: pc.localDescription?.sdp ?? '',
        remote: pc.remoteDescription?.sdp ?? '',
        signaling: pc.signalingState,
        microphone:
          pc
            .getSenders()
            .map((s) => s.track)
            .find((t) => t?.kind === 'audio' && t.readyState === 'live')?.label ?? null,
      })),
  );
}

describeEachPair('devices', (suite, pair) => {
  it(
    'the caller picks another microphone mid-call from Devices, then loses the camera: no renegotiation, the call goes on',
    { timeout: E2E_TEST_TIMEOUT },
    async (t) => {
      const [alice, bob] = await suite.pair(t, pair);
      await connectCall(alice, bob);
      const before = await links(alice.page);
      assert.equal(before.length, 1, 'one call, one peer connection');

      await alice.click('devices-toggle');
      const list = await alice.part('microphone-select');
      const options = await list.evaluate((el) =>
        [...(el as HTMLSelectElement).options].map((o) => ({ value: o.value, text: o.textContent })),
      );
      const other = options.find((o) => o.text === 'Fake Audio Input 2');
      assert.ok(other, `Chromium's second fake microphone is listed: ${JSON.stringify(options)}`);
      await list.select(other.value);
      // The page can style it: <rtc-call> passes the panel's parts on.
      const style = await alice.page.addStyleTag({ content: 'rtc-call::part(microphone-select) { outline: 3px solid rgb(1, 2, 3); }' });
      assert.equal(await list.evaluate((el) => getComputedStyle(el).outlineColor), 'rgb(1, 2, 3)', 'rtc-call::part(microphone-select)');
      await style.evaluate((el) => el.remove());

      for (let i = 0; i < 50 && (await links(alice.page))[0]?.microphone !== 'Fake Audio Input 2'; i++)
        await new Promise((r) => setTimeout(r, 100));
      const after = await links(alice.page);
      assert.equal(after.length, 1, 'still the same single peer connection');
      assert.equal(after[0]!.microphone, 'Fake Audio Input 2', 'the chosen microphone is sent');
      assert.equal(after[0]!.local, before[0]!.local, 'the local description did not change');
      assert.equal(after[0]!.remote, before[0]!.remote, 'the remote description did not change');
      assert.equal(after[0]!.signaling, 'stable');
      await expectMediaArriving(bob);
      await bob.part('status', { text: `In a call with ${alice.name}` });

      await mkdir(SHOTS, { recursive: true });
      await alice.page.screenshot({ path: `${SHOTS}/devices-panel-${pair.join('-')}.png`, fullPage: true });

      // The camera goes away mid-call. Simulated: its track is stopped (what unplugging does to a live
      // track, though stop() fires no `ended`) and a real devicechange event is dispatched.
      await alice.page.evaluate(() => {
        for (const pc of (window as unknown as HookedWindow).__e2ePeerConnections) {
          for (const s of pc.getSenders()) if (s.track?.kind === 'video') s.track.stop();
        }
        navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
      });
      const said = 'Your camera was disconnected. Now using the default camera.';
      await alice.part('device-message', { text: said });
      // The default camera's frames reach Bob in the same call.
      await bob.expectRemoteVideoPlaying();
      await expectMediaArriving(bob);
      const fallback = await links(alice.page);
      assert.equal(fallback.length, 1);
      assert.equal(fallback[0]!.local, before[0]!.local, 'still not renegotiated');
      await alice.page.screenshot({ path: `${SHOTS}/device-lost-${pair.join('-')}.png`, fullPage: true });
      assert.equal(await alice.hasPart('call-error'), false, 'said once, in the open panel');
      // Closed, the panel no longer says it: the call controls do.
      await alice.click('devices-toggle');
      await alice.part('call-error', { text: said });
    },
  );
  it('the pre-call check shows the device settings and checks the microphone picked there', { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    // One person in Chromium (its two fake microphones): the Chromium pair runs it; the mixed pair would repeat it.
    if (pair[1] !== 'chromium') return t.skip('the same Chromium page as in the Chromium pair');
    const alice = await suite.open(t, pair[0], 'alice');
    await alice.register();
    await alice.click('precall-toggle');
    const list = await alice.part('microphone-select', { within: await alice.part('precall') });
    const options = await list.evaluate((el) =>
      [...(el as HTMLSelectElement).options].map((o) => ({ value: o.value, text: o.textContent })),
    );
    const other = options.find((o) => o.text === 'Fake Audio Input 2');
    assert.ok(other, JSON.stringify(options));
    await list.select(other.value);
    await alice.page.waitForFunction(
      () => {
        const w = window as unknown as HookedWindow;
        const video = w.__e2eFindParts('precall-preview', null)[0] as HTMLVideoElement | undefined;
        return (video?.srcObject as MediaStream | null)?.getAudioTracks()[0]?.label === 'Fake Audio Input 2';
      },
      { timeout: 10_000, polling: 100 },
    );
    await mkdir(SHOTS, { recursive: true });
    await alice.page.screenshot({ path: `${SHOTS}/precall-devices-${pair[0]}.png`, fullPage: true });
  });
});
