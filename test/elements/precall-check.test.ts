/// <reference types="mocha" />
/**
 * `<rtc-precall-check>` in real browsers with their fake camera and microphone (Chromium's fake
 * microphone beeps, Firefox's plays a steady tone), against the real test backend, which hands out
 * no STUN or TURN server: the check finds local-network candidates only and says so. The checks
 * against a real coturn (relay candidates, a TURN server that does not answer) are in
 * test/turn/precall.test.ts.
 */
import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/components/precall-check/precall-check.js';
import type { RtcPrecallCheck } from '../../src/components/precall-check/precall-check.js';
import '../../src/rtc-call/rtc-call.js';
import type { RtcCall } from '../../src/rtc-call/rtc-call.js';
import { texts } from '../../src/core/texts.js';
import { backendOrigin, newUser } from '../support/backend.js';
import { disposeSessions, findPart, part, signedIn, until, waitForState } from './helpers.js';

const words = texts.ui.precall;

async function openCheck(name: string): Promise<RtcPrecallCheck> {
  const { session } = await signedIn(name);
  return fixture<RtcPrecallCheck>(html`<rtc-precall-check .session=${session}></rtc-precall-check>`);
}

/** The RMS of what `stream` carries over about `ms`, read with an AnalyserNode of the test's own. */
async function loudness(stream: MediaStream, ms: number): Promise<number> {
  const context = new AudioContext();
  await context.resume();
  const analyser = context.createAnalyser();
  context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let peak = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    analyser.getFloatTimeDomainData(samples);
    peak = Math.max(peak, Math.sqrt(samples.reduce((sum, v) => sum + v * v, 0) / samples.length));
  }
  await context.close();
  return peak;
}

describe('rtc-precall-check', () => {
  afterEach(disposeSessions);

  it('shows the camera, moves the meter with the microphone, lists what the connection check found, and says "ready"', async () => {
    const el = await openCheck('Ada Precall');
    const verdict = oneEvent(el, 'rtc-precall-verdict');

    const video = part<HTMLVideoElement>(el, 'precall-preview')!;
    await waitUntil(() => video.videoWidth > 0 && video.currentTime > 0, 'the preview shows frames', { timeout: 10_000 });
    const at = video.currentTime;
    await waitUntil(() => video.currentTime > at, 'the preview keeps playing', { timeout: 5_000 });

    const meter = part(el, 'mic-meter')!;
    expect(meter.getAttribute('role')).to.equal('meter');
    // Chromium's fake microphone beeps, Firefox's plays a steady tone: either lifts the bar from zero.
    await waitUntil(() => Number(meter.getAttribute('aria-valuenow')) > 0.2, 'the meter follows the fake microphone', {
      timeout: 10_000,
      interval: 50,
    });
    expect(meter.getAttribute('aria-valuetext')).to.match(/^\d+%$/);

    const { detail } = await verdict;
    expect(detail).to.deep.equal({ verdict: 'ready', reason: 'all-clear' });
    await el.updateComplete;
    const shown = part(el, 'verdict')!;
    expect(shown.textContent).to.contain(words.verdicts.ready);
    expect(shown.textContent).to.contain(words.reasons['all-clear']);
    const types = part(el, 'candidate-types')!;
    expect(types.querySelector('[data-type="host"]')!.textContent).to.contain('found');
    expect(types.querySelector('[data-type="relay"]')!.textContent).to.contain(words.notFound);
    expect(part(el, 'connection-check')!.textContent).to.contain(words.turn['not-configured']);
    await expect(el).to.be.accessible();
  });

  it('plays the test sound through an <audio> element, and says it played', async () => {
    const el = await openCheck('Grace Speaker');
    const button = part<HTMLButtonElement>(el, 'speaker-test')!;
    const audio = el.shadowRoot!.querySelector('audio')!;
    button.click();
    await waitUntil(() => audio.srcObject !== null && !audio.paused, 'the sound plays', { timeout: 5_000 });
    expect(button.disabled).to.equal(true);
    expect(await loudness(audio.srcObject as MediaStream, 600)).to.be.greaterThan(0.05);
    await waitUntil(() => el.shadowRoot!.textContent!.includes(words.didYouHear), 'the check asks whether it was heard', {
      timeout: 5_000,
    });
    expect(button.disabled).to.equal(false);
  });

  it('with audio-only calls (video="false"): no camera opened, no preview, and "ready" without one', async () => {
    const { session } = await signedIn('Ada Audio Only', { video: false });
    const el = await fixture<RtcPrecallCheck>(html`<rtc-precall-check .session=${session}></rtc-precall-check>`);
    const { detail } = await oneEvent(el, 'rtc-precall-verdict');
    expect(detail).to.deep.equal({ verdict: 'ready', reason: 'all-clear' });
    await el.updateComplete;
    expect(part(el, 'precall-preview')).to.be.null;
    expect(el.shadowRoot!.textContent).to.contain(words.cameraStates.unused);
    await waitUntil(() => Number(part(el, 'mic-meter')!.getAttribute('aria-valuenow')) > 0.2, 'the meter moves', { timeout: 10_000 });
  });

  it('asks to be closed from its close button, and releases camera and microphone when it leaves the page', async () => {
    const el = await openCheck('Alan Close');
    const video = part<HTMLVideoElement>(el, 'precall-preview')!;
    await waitUntil(() => video.srcObject !== null, 'the devices are open', { timeout: 10_000 });
    const tracks = (video.srcObject as MediaStream).getTracks();
    expect(tracks.map((t) => t.kind).sort()).to.deep.equal(['audio', 'video']);

    setTimeout(() => part<HTMLButtonElement>(el, 'precall-close')!.click());
    await oneEvent(el, 'rtc-precall-close');
    el.remove();
    expect(tracks.map((t) => t.readyState)).to.deep.equal(['ended', 'ended']);
  });

  it('in <rtc-call>: the toggle opens and closes it, and a call closes it and releases its devices', async () => {
    const user = await newUser('Root Precall');
    const el = await fixture<RtcCall>(html`<rtc-call server=${backendOrigin()}></rtc-call>`);
    await el.session!.signIn(user.email, user.password);
    await waitForState(el.session!, (s) => s.connection === 'online', 'online');
    const toggle = await until('the toggle', () => findPart(el, 'precall-toggle'));
    expect(toggle.textContent).to.contain(words.open);
    expect(toggle.getAttribute('aria-expanded')).to.equal('false');

    toggle.click();
    await until('the check', () => findPart(el, 'precall'));
    expect(toggle.getAttribute('aria-expanded')).to.equal('true');
    toggle.click();
    await until('the check closed', () => !findPart(el, 'precall'));

    // Closed from inside (Escape, or its close button), focus goes back to the toggle.
    toggle.click();
    const panel = await until('the check again', () => findPart(el, 'precall'));
    panel.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await until('closed by Escape', () => !findPart(el, 'precall'));
    toggle.click();
    (await until('its close button', () => findPart(el, 'precall-close'))).click();
    await until('closed by its button', () => !findPart(el, 'precall'));
    expect(el.shadowRoot!.activeElement).to.equal(toggle);

    toggle.click();
    const preview = await until('the preview', () => {
      const video = findPart(el, 'precall-preview') as HTMLVideoElement | null;
      return video?.srcObject ? video : null;
    });
    const tracks = (preview.srcObject as MediaStream).getTracks();
    const caller = await signedIn('Root Precall Caller');
    await waitForState(caller.session, (s) => s.peers.some((p) => p.id === user.user.id), 'the caller sees the callee');
    await caller.session.call(user.user.id, { audio: true, video: false });
    await until('the check closed by the call', () => !findPart(el, 'precall'));
    expect(tracks.map((t) => t.readyState)).to.deep.equal(['ended', 'ended']);
    expect(findPart(el, 'precall-toggle'), 'no toggle while a call rings').to.be.null;
    caller.session.hangup();
  });
});
