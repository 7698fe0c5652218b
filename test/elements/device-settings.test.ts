/**
 * `<rtc-device-settings>` and the device choice in real browsers (Chromium and Firefox ESR with
 * their fake devices), against the real backend: the lists, the remembered choice, a switch of
 * camera and microphone in a real two-session call that never renegotiates, the speaker, and a
 * device lost mid-call.
 *
 * What the browsers give (measured, see src/core/devices.ts): Chromium two microphones ("Fake
 * Audio Input 1" and "2", plus its "default" alias), one camera and speakers; Firefox one
 * microphone and one camera, names and ids only after access was granted, and no speaker.
 * Unplugging cannot be done here: a lost device is simulated by stopping the call's track (what
 * unplugging does to a live track, but without its `ended` event, which `stop()` never fires)
 * and dispatching a real `devicechange` event on `navigator.mediaDevices`.
 */
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/device-settings/device-settings.js';
import '../../src/components/call-controls/call-controls.js';
import '../../src/components/video-stage/video-stage.js';
import '../../src/components/precall-check/precall-check.js';
import type { RtcPrecallCheck } from '../../src/components/precall-check/precall-check.js';
import type { RtcDeviceSettings } from '../../src/components/device-settings/device-settings.js';
import type { RtcCallControls } from '../../src/components/call-controls/call-controls.js';
import type { RtcVideoStage } from '../../src/components/video-stage/video-stage.js';
import type { Session } from '../../src/core/session.js';
import type { PeerLink } from '../../src/core/peer.js';
import { choiceStorageKey } from '../../src/core/devices.js';
import { backendOrigin } from '../support/backend.js';
import type { SessionApi } from '../../src/core/types.js';
import { connectedCall, disposeSessions, newSession, part, twoPeople, until, waitForState } from './helpers.js';

const firefox = navigator.userAgent.includes('Firefox');

/** The real peer connection of `session`'s call (PeerLink's own), to check it was not renegotiated. */
function peerConnection(session: SessionApi): RTCPeerConnection {
  const link = (session as Session)['calls'].call?.link as PeerLink | null | undefined;
  if (!link) throw new Error('no call link');
  return link.pc;
}

/** The sender of `kind` (found by its transceiver's kind: a muted sender has no track). */
function sender(session: SessionApi, kind: 'audio' | 'video'): RTCRtpSender {
  const t = peerConnection(session)
    .getTransceivers()
    .find((x) => x.receiver.track.kind === kind);
  if (!t) throw new Error(`no ${kind} transceiver`);
  return t.sender;
}

/** Polls getStats until `check` holds: the counters move only while media flows. */
async function untilStats(session: SessionApi, check: (st: Awaited<ReturnType<Session['getCallStats']>>) => boolean, what: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const st = await (session as Session).getCallStats();
    if (st && check(st)) return st;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(st)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Camera and microphone access, so that Firefox gives device ids and names (Chromium's fake UI gives them at once). */
async function allowDevices(): Promise<void> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  for (const t of stream.getTracks()) t.stop();
}

function select(el: RtcDeviceSettings, name: string): HTMLSelectElement {
  const found = part<HTMLSelectElement>(el, name);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

/** Picks `value` in a list as a person would (a `change` event follows). */
function pick(list: HTMLSelectElement, value: string): void {
  list.value = value;
  list.dispatchEvent(new Event('change', { bubbles: true }));
}

describe('rtc-device-settings', () => {
  beforeEach(() => localStorage.removeItem(choiceStorageKey(backendOrigin())));
  afterEach(() => {
    disposeSessions();
    localStorage.removeItem(choiceStorageKey(backendOrigin()));
  });

  it('lists the cameras and microphones with labels, before any call and signed out', async () => {
    await allowDevices();
    const session = newSession();
    const el = await fixture<RtcDeviceSettings>(html`<rtc-device-settings .session=${session}></rtc-device-settings>`);
    await waitForState(session, (s) => s.devices.microphones.length > 0 && s.devices.cameras.length > 0, 'device lists');
    await el.updateComplete;
    const mics = select(el, 'microphone-select');
    const cameras = select(el, 'camera-select');
    expect(mics.getAttribute('part')).to.equal('device-select microphone-select');
    expect(el.shadowRoot!.querySelector(`label[for="${mics.id}"]`)?.textContent).to.equal('Microphone');
    expect([...mics.options].map((o) => o.textContent)).to.deep.equal(
      firefox ? ['Default', 'Default Audio Device'] : ['Default', 'Fake Audio Input 1', 'Fake Audio Input 2'],
    );
    expect([...cameras.options].map((o) => o.textContent)).to.deep.equal(
      firefox ? ['Default', 'Default Video Device'] : ['Default', 'fake_device_0'],
    );
    expect(mics.value, 'the default until a choice').to.equal('');
    // Both have setSinkId and list speakers once access was granted (Firefox: the config's mock sound output).
    expect(session.state.devices.speakerSelectable).to.equal(true);
    expect([...select(el, 'speaker-select').options].map((o) => o.textContent)).to.deep.equal(
      firefox
        ? ['Default', 'Fake Audio Output 1 (PREFERRED)', 'Fake Audio Output 2']
        : ['Default', 'Fake Audio Output 1', 'Fake Audio Output 2'],
    );
    expect(part(el, 'device-hint'), 'names are shown').to.equal(null);
    await expect(el).to.be.accessible();
  });

  it('remembers the choice per backend: a new session (a reload) uses it; a remembered device that is gone is the default, silently', async () => {
    await allowDevices();
    const first = newSession();
    const el = await fixture<RtcDeviceSettings>(html`<rtc-device-settings .session=${first}></rtc-device-settings>`);
    const { microphones } = (await waitForState(first, (s) => s.devices.microphones.length > 0, 'microphones')).devices;
    const last = microphones.at(-1)!;
    await el.updateComplete;
    pick(select(el, 'microphone-select'), last.id);
    await waitForState(first, (s) => s.devices.chosen.microphone === last.id, 'microphone chosen');
    expect(JSON.parse(localStorage.getItem(choiceStorageKey(backendOrigin()))!).microphone).to.equal(last.id);
    expect(localStorage.getItem(choiceStorageKey('http://other-backend.example')), 'another backend has its own').to.equal(null);

    const reload = newSession();
    const again = await fixture<RtcDeviceSettings>(html`<rtc-device-settings .session=${reload}></rtc-device-settings>`);
    await waitForState(reload, (s) => s.devices.microphones.length > 0 && s.devices.chosen.microphone === last.id, 'remembered');
    await again.updateComplete;
    expect(select(again, 'microphone-select').value).to.equal(last.id);

    // A device that is not there cannot be chosen (a page's script): a clear error, the choice kept.
    await reload.chooseDevice('camera', 'no-such-camera');
    expect(reload.state.error).to.deep.equal({
      code: 'invalid_input',
      scope: 'media',
      message: 'That device cannot be chosen. Pick one from the list.',
    });
    expect(reload.state.devices.chosen.camera).to.equal(null);
    expect(JSON.parse(localStorage.getItem(choiceStorageKey(backendOrigin()))!).microphone).to.equal(last.id);

    localStorage.setItem(choiceStorageKey(backendOrigin()), JSON.stringify({ camera: 'a-camera-long-gone', microphone: last.id }));
    const gone = newSession();
    const state = await waitForState(gone, (s) => s.devices.cameras.length > 0, 'cameras');
    expect(state.devices.chosen.camera, 'the gone camera falls back to the default').to.equal(null);
    expect(state.devices.chosen.microphone).to.equal(last.id);
    expect(state.devices.notice, 'silently').to.equal(null);
    expect(state.error).to.equal(null);
  });

  it('switches camera and microphone mid-call with replaceTrack: no new offer, mute kept, the other side keeps receiving', async () => {
    const [a, b] = await twoPeople('Dev Ada', 'Dev Grace');
    await connectedCall(a, b, { audio: true, video: true });
    await untilStats(b.session, (s) => s!.framesDecoded > 0 && s!.bytesReceived.audio > 0, 'media flows');
    const pc = peerConnection(a.session);
    const sdp = pc.localDescription!.sdp;
    const remoteSdp = pc.remoteDescription!.sdp;
    let negotiations = 0;
    pc.addEventListener('negotiationneeded', () => negotiations++);
    const oldMic = sender(a.session, 'audio').track!;
    const oldCamera = sender(a.session, 'video').track!;

    // The visitor mutes, then picks another microphone: still muted, on the new one.
    a.session.setMicrophone(false);
    await waitForState(a.session, (s) => s.call?.local.audio === false, 'muted');
    const { microphones, cameras } = a.session.state.devices;
    const otherMic = microphones.find((m) => m.label !== oldMic.label) ?? microphones[0]!;
    await a.session.chooseDevice('microphone', otherMic.id);
    expect(oldMic.readyState, 'the old microphone is released').to.equal('ended');
    expect(sender(a.session, 'audio').track, 'muted: nothing sent').to.equal(null);
    expect(a.session.state.call?.local.audio).to.equal(false);
    a.session.setMicrophone(true);
    const newMic = await until('the new microphone sent', () => sender(a.session, 'audio').track);
    expect(newMic).to.not.equal(oldMic);
    expect(newMic.getSettings().deviceId).to.equal(otherMic.id);
    if (!firefox) expect(newMic.label, 'another fake microphone').to.equal(otherMic.label);

    await a.session.chooseDevice('camera', cameras[0]!.id);
    const newCamera = sender(a.session, 'video').track!;
    expect(newCamera).to.not.equal(oldCamera);
    expect(newCamera.readyState).to.equal('live');
    expect(oldCamera.readyState, 'the old camera is released').to.equal('ended');
    expect(a.session.state.call?.localStream?.getVideoTracks()[0], 'the preview shows the new camera').to.equal(newCamera);

    // Nothing was renegotiated: same descriptions, stable, the same connection, still connected.
    expect(pc.localDescription!.sdp).to.equal(sdp);
    expect(pc.remoteDescription!.sdp).to.equal(remoteSdp);
    expect(pc.signalingState).to.equal('stable');
    expect(peerConnection(a.session)).to.equal(pc);
    expect(negotiations).to.equal(0);
    expect(a.session.state.call?.phase).to.equal('connected');
    const before = (await (b.session as Session).getCallStats())!;
    await untilStats(
      b.session,
      (s) => s!.framesDecoded > before.framesDecoded + 10 && s!.bytesReceived.audio > before.bytesReceived.audio,
      'the other side keeps receiving frames and sound',
    );
    expect(b.session.state.call?.phase).to.equal('connected');
  });

  it('a device lost mid-call (its track ended, then devicechange) falls back to the default with a message, without renegotiating', async () => {
    const [a, b] = await twoPeople('Lost Ada', 'Lost Grace');
    await connectedCall(a, b, { audio: true, video: true });
    const cameraId = a.session.state.devices.cameras[0]!.id;
    await a.session.chooseDevice('camera', cameraId);
    const el = await fixture<RtcDeviceSettings>(html`<rtc-device-settings .session=${a.session}></rtc-device-settings>`);
    const pc = peerConnection(a.session);
    const sdp = pc.localDescription!.sdp;
    const lost = sender(a.session, 'video').track!;
    // Simulated unplug: the track ends (stop() fires no `ended`), and the browser says devices changed.
    lost.stop();
    navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
    const state = await waitForState(a.session, (s) => s.devices.notice !== null && s.error !== null, 'the fallback message');
    expect(state.devices.notice).to.equal('Your camera was disconnected. Now using the default camera.');
    expect(state.devices.chosen.camera, 'back to the default').to.equal(null);
    expect(state.error?.message, 'the call shows it too').to.equal(state.devices.notice);
    expect(JSON.parse(localStorage.getItem(choiceStorageKey(backendOrigin()))!).camera, 'forgotten').to.equal(null);
    const fresh = await until('a fresh camera track sent', () => {
      const t = sender(a.session, 'video').track;
      return t && t !== lost && t.readyState === 'live' ? t : null;
    });
    expect(fresh.readyState).to.equal('live');
    expect(pc.localDescription!.sdp, 'not renegotiated').to.equal(sdp);
    await el.updateComplete;
    const message = part(el, 'device-message')!;
    expect(message.getAttribute('role')).to.equal('status');
    expect(message.textContent?.trim()).to.equal(state.devices.notice);
    expect(select(el, 'camera-select').value).to.equal('');
    const before = (await (b.session as Session).getCallStats())!;
    await untilStats(b.session, (s) => s!.framesDecoded > before.framesDecoded + 10, 'frames from the default camera arrive');
  });

  it('plays the other side on the chosen speaker (setSinkId), remembered for the next call', async () => {
    const [a, b] = await twoPeople('Sink Ada', 'Sink Grace');
    await connectedCall(a, b, { audio: true, video: true });
    const stage = await fixture<RtcVideoStage>(html`<rtc-video-stage .session=${b.session}></rtc-video-stage>`);
    const speaker = b.session.state.devices.speakers.at(-1)!;
    await b.session.chooseDevice('speaker', speaker.id);
    const video = part<HTMLVideoElement>(stage, 'remote-video')!;
    await until('the remote video plays on the chosen speaker', () => video.sinkId === speaker.id);
    await b.session.chooseDevice('speaker', null);
    await until('back on the default speaker', () => video.sinkId === '');
    await b.session.chooseDevice('speaker', speaker.id);
    // A new session (as after a reload) plays its next call on the remembered speaker.
    // (The choice is per page origin and backend, so two new people in this page share it.)
    const [c, d] = await twoPeople('Sink Ada 2', 'Sink Grace 2');
    await connectedCall(c, d, { audio: true, video: true });
    const nextStage = await fixture<RtcVideoStage>(html`<rtc-video-stage .session=${d.session}></rtc-video-stage>`);
    const nextVideo = part<HTMLVideoElement>(nextStage, 'remote-video')!;
    await until('the next call plays on the remembered speaker', () => nextVideo.sinkId === speaker.id);
  });

  it("opens from the call controls' Devices button during a call, and a choice there applies to the call", async () => {
    const [a, b] = await twoPeople('Panel Ada', 'Panel Grace');
    await connectedCall(a, b, { audio: true, video: true });
    const controls = await fixture<RtcCallControls>(html`<rtc-call-controls .session=${a.session}></rtc-call-controls>`);
    const toggle = part<HTMLButtonElement>(controls, 'devices-toggle')!;
    expect(toggle.getAttribute('aria-expanded')).to.equal('false');
    expect(part(controls, 'devices-panel')).to.equal(null);
    toggle.click();
    await controls.updateComplete;
    expect(toggle.getAttribute('aria-expanded')).to.equal('true');
    const panel = part(controls, 'devices-panel')!;
    expect(toggle.getAttribute('aria-controls')).to.equal(panel.id);
    const settings = panel.querySelector('rtc-device-settings')!;
    await settings.updateComplete;
    const oldMic = sender(a.session, 'audio').track!;
    const mic = a.session.state.devices.microphones.at(-1)!;
    pick(select(settings, 'microphone-select'), mic.id);
    await until('the chosen microphone is sent', () => sender(a.session, 'audio').track !== oldMic && sender(a.session, 'audio').track);
    expect(sender(a.session, 'audio').track!.getSettings().deviceId).to.equal(mic.id);
    await expect(controls).to.be.accessible();
    toggle.click();
    await controls.updateComplete;
    expect(part(controls, 'devices-panel')).to.equal(null);
  });
  it('inside the pre-call check: the check opens the chosen microphone, and the test sound plays on the chosen speaker', async () => {
    await allowDevices();
    const session = newSession();
    const { microphones, speakers } = (
      await waitForState(session, (s) => s.devices.microphones.length > 0 && s.devices.speakers.length > 0, 'lists')
    ).devices;
    const check = await fixture<RtcPrecallCheck>(html`<rtc-precall-check .session=${session}></rtc-precall-check>`);
    const settings = await until('the device settings in the check', () => check.shadowRoot!.querySelector('rtc-device-settings'));
    await settings.updateComplete;
    const preview = () => part<HTMLVideoElement>(check, 'precall-preview')?.srcObject as MediaStream | null;
    const first = await until('the check opened the microphone', () => preview()?.getAudioTracks()[0]);
    const mic = microphones.at(-1)!;
    pick(select(settings, 'microphone-select'), mic.id);
    const next = await until('the check re-opened with the chosen microphone', () => {
      const track = preview()?.getAudioTracks()[0];
      return track && track !== first ? track : null;
    });
    expect(next.getSettings().deviceId).to.equal(mic.id);
    expect(first.readyState, 'the first microphone is released').to.equal('ended');

    const speaker = speakers.at(-1)!;
    pick(select(settings, 'speaker-select'), speaker.id);
    await waitForState(session, (s) => s.devices.chosen.speaker === speaker.id, 'speaker chosen');
    part<HTMLButtonElement>(check, 'speaker-test')!.click();
    const audio = check.shadowRoot!.querySelector('audio')!;
    await until('the test sound plays on the chosen speaker', () => audio.sinkId === speaker.id);
  });
});
