/// <reference types="mocha" />
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/group-call/group-call.js';
import type { RtcGroupCall } from '../../src/components/group-call/group-call.js';
import type { GroupCallView, GroupMemberView, MediaFlags } from '../../src/core/types.js';
import { FakeSession, part, parts, until } from './helpers.js';
import { NO_DEVICES } from '../../src/core/devices.js';

const NAMES = ['Visitor', 'Ada Group', 'Bo Group', 'Cy Group', 'Di Group', 'Eve Group'];
const ROOM = { id: 'room-1', name: 'Design team', kind: 'group' as const, owner: 'visitor-1' };

let audio: AudioContext | undefined;
/** A real (silent) audio track, from Web Audio. */
function voice(): MediaStream {
  audio ??= new AudioContext();
  return audio.createMediaStreamDestination().stream;
}

/** A real camera-like stream: a canvas painted in its own colour with a name, and a voice. */
function cameraStream(hue: number, label: string): MediaStream {
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 180;
  const paint = () => {
    const g = canvas.getContext('2d')!;
    g.fillStyle = `hsl(${hue} 55% 40%)`;
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.fillStyle = '#fff';
    g.font = '28px sans-serif';
    g.fillText(label, 20, 100);
  };
  paint();
  // With a voice, as a person's stream has: Chromium aborts setSinkId on a video without sound.
  const stream = new MediaStream([...canvas.captureStream(5).getVideoTracks(), ...voice().getAudioTracks()]);
  const timer = setInterval(paint, 200);
  streams.push({ stream, stop: () => clearInterval(timer) });
  return stream;
}
const streams: Array<{ stream: MediaStream; stop: () => void }> = [];

function member(seat: number, overrides: Partial<GroupMemberView> = {}): GroupMemberView {
  const name = NAMES[seat] ?? `Person ${seat}`;
  const media: MediaFlags = { audio: true, video: true, screen: false };
  return {
    seat,
    user: seat === 0 ? 'visitor-1' : `user-${seat}`,
    name,
    me: seat === 0,
    state: 'connected',
    media,
    stream: cameraStream(seat * 57, name),
    speaking: false,
    ...overrides,
  };
}

function groupCall(count: number, overrides: Partial<GroupCallView> = {}): GroupCallView {
  return {
    roomId: ROOM.id,
    callId: 'group-call-1',
    members: Array.from({ length: count }, (_, seat) => member(seat)),
    sharing: null,
    startedAt: Date.now(),
    ...overrides,
  };
}

/** The call with member `seat` changed as the session would change it. */
function withMember(call: GroupCallView, seat: number, patch: Partial<GroupMemberView>): GroupCallView {
  return { ...call, members: call.members.map((m) => (m.seat === seat ? { ...m, ...patch } : m)) };
}

async function shown(call: GroupCallView | null, width = 900) {
  const session = new FakeSession({ groupCall: call, rooms: [ROOM], room: ROOM.id });
  const wrapper = await fixture<HTMLDivElement>(
    html`<div style="width: ${width}px"><rtc-group-call .session=${session}></rtc-group-call></div>`,
  );
  const el = wrapper.querySelector('rtc-group-call') as RtcGroupCall;
  await el.updateComplete;
  return { session, el };
}

async function change(session: FakeSession, el: RtcGroupCall, call: GroupCallView | null) {
  session.update({ groupCall: call });
  await el.updateComplete;
}

const tileOf = (el: RtcGroupCall, seat: number) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="tile"][data-seat="${seat}"]`)!;
const columns = (grid: HTMLElement) => getComputedStyle(grid).gridTemplateColumns.split(' ').filter(Boolean).length;
const A11Y = { ignoredRules: ['video-caption'] };

describe('rtc-group-call', () => {
  afterEach(() => {
    for (const { stream, stop } of streams.splice(0)) {
      stop();
      stream.getTracks().forEach((t) => t.stop());
    }
  });

  it('renders nothing without a group call', async () => {
    const { el } = await shown(null);
    expect(Boolean(part(el, 'group-call'))).to.be.false;
  });

  for (const count of [1, 3, 6]) {
    it(`shows a grid of ${count} named tiles, mine muted and mirrored`, async () => {
      const call = groupCall(count);
      const { el } = await shown(call);
      const tiles = parts(el, 'tile');
      expect(tiles.length).to.equal(count);
      expect(part(el, 'grid')!.dataset.count).to.equal(String(count));
      expect(tiles.map((t) => t.querySelector('[part~="tile-name"]')!.textContent!.trim())).to.deep.equal(
        call.members.map((m) => (m.me ? `${m.name} (you)` : m.name)),
      );
      tiles.forEach((tile, i) => {
        expect(tile.getAttribute('role')).to.equal('group');
        const video = tile.querySelector<HTMLVideoElement>('[part~="tile-video"]')!;
        expect(video.srcObject).to.equal(call.members[i]!.stream);
        expect(video.hidden).to.be.false;
        expect(video.muted, `tile ${i} muted`).to.equal(i === 0);
        expect(video.classList.contains('mirror'), `tile ${i} mirrored`).to.equal(i === 0);
      });
      expect(tiles[0]!.getAttribute('part')).to.contain('tile-me');
      expect(tiles[0]!.getAttribute('aria-label')).to.contain('(you)');
      expect(columns(part(el, 'grid')!)).to.equal(count === 1 ? 1 : count === 3 ? 2 : 3);
      await expect(el).to.be.accessible(A11Y);
    });
  }

  it('shows mute and camera-off marks that follow each person media', async () => {
    let call = groupCall(3);
    const { session, el } = await shown(call);
    expect(parts(el, 'tile-indicator').length).to.equal(0);

    call = withMember(call, 1, { media: { audio: false, video: true, screen: false } });
    call = withMember(call, 2, { media: { audio: true, video: false, screen: false } });
    await change(session, el, call);
    const ada = tileOf(el, 1);
    const bo = tileOf(el, 2);
    expect(ada.querySelector('[part~="tile-muted"]')!.getAttribute('aria-label')).to.equal('\u2068Ada Group\u2069 is muted');
    expect(Boolean(ada.querySelector('[part~="tile-camera-off"]'))).to.be.false;
    expect(bo.querySelector('[part~="tile-camera-off"]')!.getAttribute('aria-label')).to.contain('camera is off');
    // No camera: the initial instead of a black picture, the video kept for the sound.
    expect(bo.querySelector<HTMLVideoElement>('[part~="tile-video"]')!.hidden).to.be.true;
    expect(bo.querySelector('[part~="tile-placeholder"]')!.textContent!.trim()).to.equal('B');
    await expect(el).to.be.accessible(A11Y);

    call = withMember(call, 1, { media: { audio: true, video: true, screen: false } });
    await change(session, el, call);
    expect(Boolean(tileOf(el, 1).querySelector('[part~="tile-muted"]'))).to.be.false;
  });

  it('highlights the active speaker, and the highlight moves with the voice', async () => {
    let call = withMember(groupCall(4), 1, { speaking: true });
    const { session, el } = await shown(call);
    expect(parts(el, 'tile-speaking').map((t) => t.dataset.seat)).to.deep.equal(['1']);
    const outline = getComputedStyle(tileOf(el, 1)).outlineColor;
    expect(outline).to.not.equal(getComputedStyle(tileOf(el, 2)).outlineColor);

    call = withMember(withMember(call, 1, { speaking: false }), 3, { speaking: true });
    await change(session, el, call);
    expect(parts(el, 'tile-speaking').map((t) => t.dataset.seat)).to.deep.equal(['3']);
  });

  it('shows a shared screen large with the cameras as thumbnails, and goes back to the grid', async () => {
    let call = groupCall(4);
    const { session, el } = await shown(call);
    call = withMember({ ...call, sharing: 2 }, 2, { media: { audio: true, video: false, screen: true } });
    await change(session, el, call);
    expect(Boolean(part(el, 'grid'))).to.be.false;
    const screen = part<HTMLVideoElement>(el, 'screen-video')!;
    expect(screen.srcObject).to.equal(call.members[2]!.stream);
    expect(screen.muted).to.be.true;
    expect(part(el, 'screen-name')!.textContent).to.contain('Bo Group');
    const thumbs = part(el, 'thumbnails')!.querySelectorAll('[part~="tile"]');
    expect(thumbs.length).to.equal(4);
    // The sharer's tile keeps their sound (unmuted video) and shows their initial, marked as sharing.
    const sharer = tileOf(el, 2);
    const sharerVideo = sharer.querySelector<HTMLVideoElement>('[part~="tile-video"]')!;
    expect(sharerVideo.hidden).to.be.true;
    expect(sharerVideo.muted).to.be.false;
    expect(Boolean(sharer.querySelector('[part~="tile-sharing"]'))).to.be.true;
    // The screen is larger than any thumbnail.
    expect(part(el, 'screen')!.getBoundingClientRect().width).to.be.greaterThan(2 * sharer.getBoundingClientRect().width);
    await expect(el).to.be.accessible(A11Y);

    await change(session, el, withMember({ ...call, sharing: null }, 2, { media: { audio: true, video: true, screen: false } }));
    expect(Boolean(part(el, 'screen'))).to.be.false;
    expect(parts(el, 'tile').length).to.equal(4);
  });

  it('lays four people out 2×2 and two in one column on a phone', async () => {
    const { session, el } = await shown(groupCall(4), 360);
    const grid = part(el, 'grid')!;
    expect(columns(grid)).to.equal(2);
    const [first, second, third] = parts(el, 'tile').map((t) => t.getBoundingClientRect());
    expect(second!.top).to.equal(first!.top);
    expect(third!.top).to.be.greaterThan(first!.bottom - 1);
    await change(session, el, groupCall(2));
    expect(columns(part(el, 'grid')!)).to.equal(1);
    await change(session, el, groupCall(6));
    expect(columns(part(el, 'grid')!)).to.equal(2);
    await expect(el).to.be.accessible(A11Y);
  });

  it('shows each link state on its tile: connecting, reconnecting, lost', async () => {
    let call = groupCall(4);
    call = withMember(call, 1, { state: 'connecting', stream: null });
    call = withMember(call, 2, { state: 'interrupted' });
    call = withMember(call, 3, { state: 'lost' });
    const { el } = await shown(call);
    const stateOf = (seat: number) => tileOf(el, seat).querySelector('[part~="tile-state"]');
    expect(stateOf(1)!.textContent!.trim()).to.equal('Connecting…');
    expect(stateOf(2)!.textContent!.trim()).to.equal('Reconnecting…');
    expect(Boolean(stateOf(2)!.querySelector('.spinner'))).to.be.true;
    expect(stateOf(3)!.textContent!.trim()).to.equal('Connection lost');
    expect(tileOf(el, 3).dataset.state).to.equal('lost');
    expect(Boolean(stateOf(0))).to.be.false;
    await expect(el).to.be.accessible(A11Y);
  });

  it('announces who joined, who left and who shares a screen', async () => {
    let call = groupCall(2);
    const { session, el } = await shown(call);
    const status = part(el, 'group-status')!;
    expect(status.getAttribute('role')).to.equal('status');
    expect(status.textContent!.trim()).to.equal('');

    call = { ...call, members: [...call.members, member(2)] };
    await change(session, el, call);
    expect(status.textContent!.trim()).to.equal('Bo Group joined');

    call = { ...call, members: call.members.filter((m) => m.seat !== 1) };
    await change(session, el, call);
    expect(status.textContent!.trim()).to.equal('Ada Group left');

    call = withMember({ ...call, sharing: 2 }, 2, { media: { audio: true, video: false, screen: true } });
    await change(session, el, call);
    expect(status.textContent!.trim()).to.equal('Bo Group is sharing a screen');
  });

  it('controls the microphone, the camera, the screen and leaving through the session', async () => {
    let call = groupCall(3);
    const { session, el } = await shown(call);
    const button = (name: string) => part<HTMLButtonElement>(el, name)!;
    expect(button('group-controls').getAttribute('role')).to.equal('toolbar');
    expect(button('mic-toggle').getAttribute('aria-pressed')).to.equal('false');
    button('mic-toggle').click();
    button('camera-toggle').click();
    button('screen-toggle').click();
    await el.updateComplete;
    call = withMember(call, 0, { media: { audio: false, video: false, screen: true } });
    await change(session, el, { ...call, sharing: 0 });
    expect(button('mic-toggle').getAttribute('aria-pressed')).to.equal('true');
    expect(button('screen-toggle').getAttribute('aria-pressed')).to.equal('true');
    expect(button('camera-toggle').disabled).to.be.true;
    button('mic-toggle').click();
    button('screen-toggle').click();
    button('leave').click();
    await el.updateComplete;
    expect(session.calls.map((c) => [c.method, ...c.args])).to.deep.equal([
      ['setMicrophone', false],
      ['setCamera', false],
      ['startScreenShare'],
      ['setMicrophone', true],
      ['stopScreenShare'],
      ['leaveGroupCall'],
    ]);
    await expect(el).to.be.accessible(A11Y);
  });

  it('plays everyone else on the chosen speaker', async () => {
    // A real speaker of this browser (the names and ids show once media access is allowed).
    const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    mic.getTracks().forEach((t) => t.stop());
    const speaker = (await navigator.mediaDevices.enumerateDevices())
      .filter((d) => d.kind === 'audiooutput' && d.deviceId !== 'default')
      .at(-1)!;
    expect(speaker, 'a speaker to choose').to.exist;
    const { session, el } = await shown(groupCall(3));
    session.update({ devices: { ...NO_DEVICES, speakerSelectable: true, chosen: { ...NO_DEVICES.chosen, speaker: speaker.deviceId } } });
    const videos = parts<HTMLVideoElement>(el, 'tile-video');
    await until('the others on the chosen speaker', () => videos.slice(1).every((v) => v.sinkId === speaker.deviceId));
    expect(videos[0]!.sinkId, 'mine is muted, never moved').to.equal('');
  });

  it('opens the device settings below the buttons', async () => {
    const { el } = await shown(groupCall(2));
    const toggle = part<HTMLButtonElement>(el, 'devices-toggle')!;
    expect(toggle.getAttribute('aria-expanded')).to.equal('false');
    toggle.click();
    await el.updateComplete;
    expect(toggle.getAttribute('aria-expanded')).to.equal('true');
    const settings = part(el, 'devices-panel')!.querySelector('rtc-device-settings')!;
    await settings.updateComplete;
    expect(Boolean(settings.shadowRoot!.querySelector('[part~="device-settings"]'))).to.be.true;
    await expect(el).to.be.accessible(A11Y);
  });

  it('shows a failed action below the buttons', async () => {
    const session = new FakeSession(
      { groupCall: groupCall(2), rooms: [ROOM], room: ROOM.id },
      {
        setCamera: () =>
          Promise.reject(Object.assign(new Error('x'), { code: 'media_failed', message: 'The camera could not be started.' })),
      },
    );
    const el = await fixture<RtcGroupCall>(html`<rtc-group-call .session=${session}></rtc-group-call>`);
    part<HTMLButtonElement>(el, 'camera-toggle')!.click();
    const error = await until('the camera error', () => part(el, 'call-error'));
    expect(error.textContent).to.contain('The camera could not be started.');
    expect(error.getAttribute('role')).to.equal('alert');
  });
});
