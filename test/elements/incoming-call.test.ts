/// <reference types="mocha" />
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/incoming-call/incoming-call.js';
import type { RtcIncomingCall } from '../../src/components/incoming-call/incoming-call.js';
import { disposeSessions, part, ringingCall, signedIn, twoPeople, waitForState, watchUserMedia } from './helpers.js';
import { shownName } from './shown-name.js';

describe('rtc-incoming-call', () => {
  afterEach(disposeSessions);

  it('rings with the caller name, takes focus and accepts in one click', async () => {
    const [ada, grace] = await twoPeople('Ada Ring', 'Grace Ring');
    const el = await fixture<RtcIncomingCall>(html`<rtc-incoming-call .session=${grace.session}></rtc-incoming-call>`);
    expect(part(el, 'incoming-call')).to.be.null;
    expect(el.ring.ringing).to.be.false;

    await ringingCall(ada, grace, { audio: true, video: true });
    await el.updateComplete;
    const dialog = part(el, 'incoming-call')!;
    expect(dialog.getAttribute('role')).to.equal('alertdialog');
    expect(part(el, 'caller')!.textContent).to.contain('Ada Ring is calling');
    expect(el.shadowRoot!.querySelector('[aria-live="assertive"]')!.textContent).to.contain('Ada Ring is calling you');
    expect(el.shadowRoot!.activeElement).to.equal(part(el, 'accept'));
    expect(el.ring.ringing).to.be.true;
    // Check contrast once the opening animation has finished.
    await Promise.all(dialog.getAnimations().map((a) => a.finished));
    await expect(el).to.be.accessible();

    part(el, 'accept')!.click();
    await waitForState(ada.session, (s) => s.call?.phase === 'connected', 'Ada connected');
    await el.updateComplete;
    expect(part(el, 'incoming-call')).to.be.null;
    expect(el.ring.ringing).to.be.false;
  });

  it('shows no preview by default: nothing is opened before the accept', async () => {
    const [ada, grace] = await twoPeople('Ada Private', 'Grace Private');
    const el = await fixture<RtcIncomingCall>(html`<rtc-incoming-call .session=${grace.session}></rtc-incoming-call>`);
    const gum = watchUserMedia();
    try {
      await ringingCall(ada, grace, { audio: true, video: true });
      await el.updateComplete;
      expect(part(el, 'incoming-call')).not.to.be.null;
      // Opening starts as the call rings: a callee that had asked would be counted by now.
      expect(gum.count).to.equal(1, "only the caller's own devices");
    } finally {
      gum.restore();
    }
    expect(part(el, 'ring-preview')).to.be.null;
    expect(grace.session.state.call?.localStream).to.equal(null);
  });

  it("with previewOnRing shows the visitor's own camera playing in the dialog, which stays accessible", async () => {
    const ada = await signedIn('Ada Preview');
    const grace = await signedIn('Grace Preview', { previewOnRing: true });
    await waitForState(ada.session, (s) => s.peers.some((p) => p.id === grace.user.user.id), 'Ada sees Grace');
    const el = await fixture<RtcIncomingCall>(html`<rtc-incoming-call .session=${grace.session}></rtc-incoming-call>`);
    await ringingCall(ada, grace, { audio: true, video: true });
    const state = await waitForState(grace.session, (s) => s.call?.local.video === true, 'camera open while ringing');
    await el.updateComplete;
    const preview = part<HTMLVideoElement>(el, 'ring-preview')!;
    expect(preview).not.to.be.null;
    expect(preview.srcObject).to.equal(state.call!.localStream);
    expect(preview.muted).to.be.true;
    if (preview.readyState < HTMLMediaElement.HAVE_CURRENT_DATA)
      await new Promise((resolve) => preview.addEventListener('loadeddata', resolve, { once: true }));
    expect(preview.videoWidth).to.be.greaterThan(0);
    const dialog = part(el, 'incoming-call')!;
    await Promise.all(dialog.getAnimations().map((a) => a.finished));
    await expect(el).to.be.accessible();
    grace.session.decline();
    await el.updateComplete;
    expect(part(el, 'ring-preview')).to.be.null;
  });

  it('declines in one click', async () => {
    const [ada, grace] = await twoPeople('Ada Decline', 'Grace Decline');
    const el = await fixture<RtcIncomingCall>(html`<rtc-incoming-call .session=${grace.session}></rtc-incoming-call>`);
    await ringingCall(ada, grace);
    await el.updateComplete;
    expect(part(el, 'caller')!.textContent).to.contain('Ada Decline');
    part(el, 'decline')!.click();
    const state = await waitForState(ada.session, (s) => s.call?.phase === 'ended', 'Ada sees the end');
    expect(state.call!.endReason).to.equal('declined');
  });

  it('stops ringing when it leaves the page', async () => {
    const [ada, grace] = await twoPeople('Ada Leave', 'Grace Leave');
    const el = await fixture<RtcIncomingCall>(html`<rtc-incoming-call .session=${grace.session}></rtc-incoming-call>`);
    await ringingCall(ada, grace);
    await el.updateComplete;
    expect(el.ring.ringing).to.be.true;
    el.remove();
    expect(el.ring.ringing).to.be.false;
    ada.session.cancel();
  });

  it('declines with Escape from the keyboard', async () => {
    const [ada, grace] = await twoPeople('Ada Escape', 'Grace Escape');
    const el = await fixture<RtcIncomingCall>(html`<rtc-incoming-call .session=${grace.session}></rtc-incoming-call>`);
    await ringingCall(ada, grace);
    await el.updateComplete;
    const focused = el.shadowRoot!.activeElement!;
    expect(focused).to.equal(part(el, 'accept'));
    focused.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    const state = await waitForState(ada.session, (s) => s.call?.phase === 'ended', 'Ada sees the end');
    expect(state.call!.endReason).to.equal('declined');
  });

  it('isolates the caller name and says which of two same-named people is calling', async () => {
    const [caller, namesake, callee] = [await signedIn('Sam Same'), await signedIn('Sam Same'), await signedIn('Callee Same')];
    await waitForState(
      callee.session,
      (s) => [caller, namesake].every((p) => s.peers.some((q) => q.id === p.user.user.id)),
      'callee sees both Sams',
    );
    await waitForState(caller.session, (s) => s.peers.some((p) => p.id === callee.user.user.id), 'caller sees the callee');
    const el = await fixture<RtcIncomingCall>(html`<rtc-incoming-call .session=${callee.session}></rtc-incoming-call>`);
    await ringingCall(caller, callee);
    await el.updateComplete;
    // The caller's name is isolated and tagged, since a namesake is online; the announcement says the same.
    const heading = part(el, 'caller')!;
    const { name, tag } = shownName(heading);
    expect(name).to.equal('Sam Same');
    expect(tag).to.exist;
    expect(heading.textContent).to.contain(`Sam Same ${tag} is calling`);
    expect(shownName(el.shadowRoot!.querySelector('[aria-live="assertive"]')!)).to.deep.equal({ name, tag });
    caller.session.cancel();
  });
});
