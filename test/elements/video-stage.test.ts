/// <reference types="mocha" />
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/components/video-stage/video-stage.js';
import type { RtcVideoStage } from '../../src/components/video-stage/video-stage.js';
import { connectedCall, disposeSessions, FakeSession, fakeCall, part, signedIn, twoPeople, waitForState } from './helpers.js';
import type { LinkQuality } from '../../src/core/types.js';
import { shownName } from './shown-name.js';
import { plainText } from '../text-match.js';

/** Resolves once the video's first load has reached its metadata ('loadstart' always comes before). */
async function firstLoad(video: HTMLVideoElement): Promise<void> {
  if (video.readyState < HTMLMediaElement.HAVE_METADATA) await oneEvent(video, 'loadedmetadata');
}

describe('rtc-video-stage', () => {
  afterEach(disposeSessions);

  it('shows the call state while ringing, then both videos and the other side indicators', async () => {
    const [ada, grace] = await twoPeople('Ada Stage', 'Grace Stage');
    const el = await fixture<RtcVideoStage>(html`<rtc-video-stage .session=${ada.session}></rtc-video-stage>`);
    expect(part(el, 'video-stage')).to.be.null;

    await connectedCall(ada, grace);
    await el.updateComplete;
    const remote = part<HTMLVideoElement>(el, 'remote-video')!;
    const local = part<HTMLVideoElement>(el, 'local-video')!;
    expect(remote.srcObject).to.equal(ada.session.state.call!.remoteStream);
    expect(local.srcObject).to.equal(ada.session.state.call!.localStream);
    expect(local.muted).to.be.true;
    expect(part(el, 'call-state')!.textContent!.trim()).to.equal(plainText(ada.session.state.call!.message));
    expect(part(el, 'call-state')!.getAttribute('role')).to.equal('status');
    expect(part(el, 'remote-muted')).to.be.null;

    grace.session.setMicrophone(false);
    await grace.session.setCamera(false);
    await waitForState(ada.session, (s) => s.call?.remote.audio === false && s.call.remote.video === false, 'remote off');
    await el.updateComplete;
    expect(part(el, 'remote-muted')!.textContent).to.contain('Grace Stage is muted');
    expect(part(el, 'remote-camera-off')).to.exist;
    await expect(el).to.be.accessible({ ignoredRules: ['video-caption'] });

    ada.session.hangup();
    await waitForState(ada.session, (s) => s.call?.phase === 'ended', 'ended');
    await el.updateComplete;
    expect(part(el, 'call-state')!.textContent!.trim()).to.equal(plainText(ada.session.state.call!.message));
    expect(part<HTMLVideoElement>(el, 'remote-video')!.srcObject).to.be.null;
  });

  it('isolates the other person name on the stage and tags it while a namesake is online', async () => {
    const [ada, vic, namesake] = [await signedIn('Ada Tiles'), await signedIn('Vic Tiles'), await signedIn('Vic Tiles')];
    await waitForState(
      ada.session,
      (s) => [vic, namesake].every((p) => s.peers.some((q) => q.id === p.user.user.id)),
      'Ada sees both Vics',
    );
    await waitForState(vic.session, (s) => s.peers.some((q) => q.id === ada.user.user.id), 'Vic sees Ada');
    const el = await fixture<RtcVideoStage>(html`<rtc-video-stage .session=${ada.session}></rtc-video-stage>`);
    await connectedCall(ada, vic);
    vic.session.setMicrophone(false);
    await vic.session.setCamera(false);
    await waitForState(ada.session, (s) => s.call?.remote.audio === false && s.call.remote.video === false, 'remote off');
    await el.updateComplete;
    const { name, tag } = shownName(part(el, 'remote-muted')!);
    expect(name).to.equal('Vic Tiles');
    expect(tag).to.exist;
    // The placeholder tile (camera off) names the same person the same way.
    expect(shownName(el.shadowRoot!.querySelector('.placeholder')!)).to.deep.equal({ name, tag });
    expect(part(el, 'video-stage')!.getAttribute('aria-label')).to.equal(`Call with \u2068Vic Tiles\u2069 ${tag}`);
    ada.session.hangup();
  });

  it('keeps the same videos playing through re-renders: a session change never reloads them', async () => {
    const [ada, grace] = await twoPeople('Ada Reload', 'Grace Reload');
    const el = await fixture<RtcVideoStage>(html`<rtc-video-stage .session=${ada.session}></rtc-video-stage>`);
    await connectedCall(ada, grace);
    await el.updateComplete;
    const remote = part<HTMLVideoElement>(el, 'remote-video')!;
    const local = part<HTMLVideoElement>(el, 'local-video')!;
    // Listen only once each video's first load is under way. Chromium 156 can still have the remote
    // video's first 'loadstart' queued here (networkState LOADING, readyState 0, no 'emptied' before it):
    // that is the one load the stream needs, not a reload, and counting it made this test flaky.
    await Promise.all([firstLoad(remote), firstLoad(local)]);
    const reloads: string[] = [];
    for (const [who, video] of [
      ['remote', remote],
      ['local', local],
    ] as const) {
      // Every assignment of srcObject, even of the same stream, runs the load algorithm: 'emptied' then 'loadstart'.
      for (const type of ['emptied', 'loadstart']) video.addEventListener(type, () => reloads.push(`${who} ${type}`));
    }
    // Changes that re-render the stage but keep both streams: status, the other side's indicators.
    ada.session.setStatus('away');
    grace.session.setMicrophone(false);
    await waitForState(ada.session, (s) => s.call?.remote.audio === false, 'Grace muted');
    await el.updateComplete;
    grace.session.setMicrophone(true);
    await waitForState(ada.session, (s) => s.call?.remote.audio === true, 'Grace unmuted');
    await el.updateComplete;
    expect(part(el, 'remote-video')).to.equal(remote);
    expect(remote.srcObject).to.equal(ada.session.state.call!.remoteStream);
    expect(local.srcObject).to.equal(ada.session.state.call!.localStream);
    expect(reloads).to.deep.equal([]);
  });

  it("shows both sides' connection bars from the real link once connected, named for screen readers", async () => {
    const [ada, grace] = await twoPeople('Ada Bars', 'Grace Bars');
    const el = await fixture<RtcVideoStage>(html`<rtc-video-stage .session=${ada.session}></rtc-video-stage>`);
    await connectedCall(ada, grace);
    // Polled every 2 s from the connect; loopback is a perfect link.
    await waitForState(ada.session, (s) => s.call?.quality?.local.bars != null && s.call.quality.remote.bars != null, 'measured');
    await el.updateComplete;
    const mine = part(el, 'quality-local')!;
    const theirs = part(el, 'quality-remote')!;
    expect(mine.getAttribute('role')).to.equal('img');
    expect(Number(mine.dataset.bars)).to.be.at.least(3);
    expect(mine.getAttribute('aria-label')).to.equal(`Your connection: ${mine.dataset.bars} of 4 bars`);
    expect(theirs.getAttribute('aria-label')).to.equal(`\u2068Grace Bars\u2069's connection: ${theirs.dataset.bars} of 4 bars`);
    expect(part(el, 'quality-hint')).to.be.null;
    await expect(el).to.be.accessible({ ignoredRules: ['video-caption'] });
    ada.session.hangup();
    await waitForState(ada.session, (s) => s.call?.phase === 'ended', 'ended');
    await el.updateComplete;
    expect(part(el, 'quality')).to.be.null;
  });

  it('lights as many bars as the level, and says whose connection is poor and what it means', async () => {
    const link = (bars: number): LinkQuality => ({ bars, rttMs: 40, lossPct: 12, jitterMs: 20, bitrateKbps: null });
    const session = new FakeSession({ call: fakeCall({ quality: { local: link(4), remote: link(1), poor: 'remote' } }) });
    const el = await fixture<RtcVideoStage>(html`<rtc-video-stage .session=${session}></rtc-video-stage>`);
    expect(part(el, 'quality-local')!.querySelectorAll('.bar.lit').length).to.equal(4);
    expect(part(el, 'quality-remote')!.querySelectorAll('.bar.lit').length).to.equal(1);
    expect(part(el, 'quality-hint')!.textContent).to.contain("Grace Fake's connection is poor: they may not see or hear you well.");
    // The hint sits in a live region that was there before it, so it is announced.
    expect(part(el, 'quality-hint')!.parentElement!.getAttribute('role')).to.equal('status');
    await expect(el).to.be.accessible({ ignoredRules: ['video-caption'] });

    session.update({ call: fakeCall({ quality: { local: link(0), remote: link(3), poor: 'local' } }) });
    await el.updateComplete;
    expect(part(el, 'quality-local')!.querySelectorAll('.bar.lit').length).to.equal(0);
    expect(part(el, 'quality-local')!.getAttribute('aria-label')).to.equal('Your connection: 0 of 4 bars');
    expect(part(el, 'quality-hint')!.textContent).to.contain('Your connection is poor: video may freeze');

    session.update({ call: fakeCall({ quality: { local: link(3), remote: link(3), poor: null } }) });
    await el.updateComplete;
    expect(part(el, 'quality-hint')).to.be.null;
  });
});
