/// <reference types="mocha" />
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/components/peer-list/peer-list.js';
import type { RtcPeerList } from '../../src/components/peer-list/peer-list.js';
import { FakeSession, disposeSessions, fakeCall, part, parts, signedIn, twoPeople, until, waitForState } from './helpers.js';
import type { RoomCallSummary, SessionState } from '../../src/core/types.js';
import type { Room } from '../../src/protocol/index.js';
import { shownName } from './shown-name.js';

describe('rtc-peer-list', () => {
  afterEach(disposeSessions);

  it('shows the other person online, live, with their status', async () => {
    const [ada, grace] = await twoPeople('Ada Peerlist', 'Grace Peerlist');
    const el = await fixture<RtcPeerList>(html`<rtc-peer-list .session=${ada.session}></rtc-peer-list>`);
    const row = parts(el, 'peer').find((p) => p.textContent!.includes('Grace Peerlist'))!;
    expect(row, 'Grace in the list').to.exist;
    expect(row.querySelector('[part~="peer-status"]')!.textContent).to.equal('Available');
    expect(row.querySelectorAll('[part~="call-button"]').length).to.equal(2);

    grace.session.setStatus('busy');
    await waitForState(ada.session, (s) => s.peers.find((p) => p.id === grace.user.user.id)?.status === 'busy', 'busy');
    await el.updateComplete;
    expect(row.querySelector('[part~="peer-status"]')!.textContent).to.equal('Busy');

    grace.session.dispose();
    await waitForState(ada.session, (s) => !s.peers.some((p) => p.id === grace.user.user.id), 'Grace gone');
    await el.updateComplete;
    expect(parts(el, 'peer').some((p) => p.textContent!.includes('Grace Peerlist'))).to.be.false;
  });

  it('changes own status from the selector', async () => {
    const [ada] = await twoPeople('Ada Status', 'Grace Status');
    const el = await fixture<RtcPeerList>(html`<rtc-peer-list .session=${ada.session}></rtc-peer-list>`);
    const select = part<HTMLSelectElement>(el, 'status-select')!;
    expect(select.value).to.equal('available');
    select.value = 'away';
    select.dispatchEvent(new Event('change'));
    await waitForState(ada.session, (s) => s.status === 'away', 'own status away');
  });

  it('calls a person with one click', async () => {
    const [ada, grace] = await twoPeople('Ada Caller', 'Grace Callee');
    const el = await fixture<RtcPeerList>(html`<rtc-peer-list .session=${ada.session}></rtc-peer-list>`);
    part(el, 'audio-call')!.click();
    const { detail } = await oneEvent(grace.session, 'incoming-call');
    expect(detail.call.peer.id).to.equal(ada.user.user.id);
    expect(detail.call.media.video).to.be.false;
    await el.updateComplete;
    // One call at a time: the buttons are disabled while it rings.
    expect(parts<HTMLButtonElement>(el, 'call-button').every((b) => b.disabled)).to.be.true;
    ada.session.cancel();
  });

  it('counts unread messages and fires rtc-peer-select', async () => {
    const [ada, grace] = await twoPeople('Ada Unread', 'Grace Unread');
    const el = await fixture<RtcPeerList>(html`<rtc-peer-list .session=${ada.session}></rtc-peer-list>`);
    await grace.session.sendChat(ada.user.user.id, 'one');
    await grace.session.sendChat(ada.user.user.id, 'two');
    await waitForState(ada.session, (s) => s.unread[grace.user.user.id] === 2, 'two unread');
    await el.updateComplete;
    expect(part(el, 'unread')!.textContent!.trim()).to.equal('2 unread');
    setTimeout(() => part(el, 'peer-select')!.click());
    const { detail } = await oneEvent(el, 'rtc-peer-select');
    expect(detail.peerId).to.equal(grace.user.user.id);
    await expect(el).to.be.accessible();
  });

  it('is accessible when nobody is online', async () => {
    const [ada, grace] = await twoPeople('Ada Alone', 'Grace Leaving');
    grace.session.dispose();
    await waitForState(ada.session, (s) => s.peers.length === 0, 'empty list');
    const el = await fixture<RtcPeerList>(html`<rtc-peer-list .session=${ada.session}></rtc-peer-list>`);
    expect(part(el, 'empty')).to.exist;
    await expect(el).to.be.accessible();
  });

  it('tells apart two people of the same name with a tag from their id, and isolates every name', async () => {
    const [first, second, other] = [await signedIn('Alice Twin'), await signedIn('alice twin'), await signedIn('Omar \u0639\u0645\u0631')];
    const viewer = await signedIn('Viewer Twin');
    const ids = [first, second, other].map((p) => p.user.user.id);
    await waitForState(viewer.session, (s) => ids.every((id) => s.peers.some((p) => p.id === id)), 'everyone online');
    const el = await fixture<RtcPeerList>(html`<rtc-peer-list .session=${viewer.session}></rtc-peer-list>`);
    const row = (id: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="peer"][data-peer-id="${id}"]`)!;
    const tag = (id: string) => shownName(row(id).querySelector('[part~="peer-name"]')!).tag;
    // The two Alices (same name but for case) each get a tag, and the tags differ; Omar needs none.
    expect(tag(first.user.user.id)).to.exist;
    expect(tag(second.user.user.id)).to.exist.and.not.equal(tag(first.user.user.id));
    expect(tag(other.user.user.id)).to.equal(undefined);
    // The tag is stable: the same person has the same tag on every screen.
    const elsewhere = await fixture<RtcPeerList>(html`<rtc-peer-list .session=${other.session}></rtc-peer-list>`);
    const again = elsewhere.shadowRoot!.querySelector(`[data-peer-id="${first.user.user.id}"] .name-tag`)!.textContent!.trim();
    expect(again).to.equal(tag(first.user.user.id));
    // Every name sits in its own isolate (shownName checks it), and the labels of its buttons isolate it too.
    expect(ids.map((id) => shownName(row(id).querySelector('[part~="peer-name"]')!).name)).to.deep.equal([
      'Alice Twin',
      'alice twin',
      'Omar \u0639\u0645\u0631',
    ]);
    const label = row(other.user.user.id).querySelector('[part~="audio-call"]')!.getAttribute('aria-label')!;
    expect(label).to.equal('Audio call \u2068Omar \u0639\u0645\u0631\u2069');
    expect(row(first.user.user.id).querySelector('[part~="peer-select"]')!.getAttribute('title')).to.contain(tag(first.user.user.id)!);
  });
});

describe('rtc-peer-list: the call of the room shown (PROTOCOL.md §6)', () => {
  const TEAM: Room = { id: 'team-room', name: 'Team', kind: 'group', owner: 'visitor-1' };
  const PERSONAL: Room = { id: 'ada-room', name: 'Ada', kind: 'personal', owner: 'user-ada' };

  function summary(free: RoomCallSummary['free'], names = ['Ada', 'Bo']): RoomCallSummary {
    return {
      roomId: TEAM.id,
      callId: 'call-1',
      members: names.map((name, seat) => ({ user: `user-${seat}`, name, seat, video: true })),
      free,
    };
  }

  async function listFor(state: Partial<SessionState>, methods = {}) {
    const session = new FakeSession(
      { rooms: [{ id: 'lobby', name: 'Lobby', kind: 'lobby' }, TEAM, PERSONAL], room: TEAM.id, ...state },
      methods,
    );
    const el = await fixture<RtcPeerList>(html`<rtc-peer-list .session=${session}></rtc-peer-list>`);
    return { session, el };
  }

  it('offers to start a call with the room when none is on, but not in a personal room', async () => {
    const { session, el } = await listFor({});
    const start = part<HTMLButtonElement>(el, 'start-room-call')!;
    expect(start.textContent!.trim()).to.equal('Start a call with the room');
    expect(Boolean(part(el, 'room-call'))).to.be.false;
    start.click();
    await el.updateComplete;
    expect(session.calls).to.deep.equal([{ method: 'joinGroupCall', args: [TEAM.id, { audio: true, video: true }] }]);
    await expect(el).to.be.accessible();

    session.update({ room: PERSONAL.id });
    await el.updateComplete;
    expect(Boolean(part(el, 'start-room-call'))).to.be.false;
    // In a 1:1 call, no group call starts.
    session.update({ room: TEAM.id, call: fakeCall() });
    await el.updateComplete;
    expect(part<HTMLButtonElement>(el, 'start-room-call')!.disabled).to.be.true;
  });

  it('shows who is in the call with a join button, audio only when only audio seats are left, and a full call', async () => {
    const { session, el } = await listFor({ roomCalls: { [TEAM.id]: summary({ video: 2, total: 6 }) } });
    expect(part(el, 'room-call-text')!.textContent).to.equal('Call on: Ada, Bo (2 of 4)');
    expect(part(el, 'room-call-text')!.querySelectorAll('bdi').length).to.equal(2);
    const join = part<HTMLButtonElement>(el, 'join-call')!;
    expect(join.textContent!.trim()).to.equal('Join');
    join.click();
    await expect(el).to.be.accessible();

    session.update({ roomCalls: { [TEAM.id]: summary({ video: 0, total: 4 }, ['Ada', 'Bo', 'Cy', 'Di']) } });
    await el.updateComplete;
    expect(part(el, 'room-call-text')!.textContent).to.equal('Call on: Ada, Bo, Cy, Di (4 of 4)');
    expect(part(el, 'call-full-video')!.textContent).to.equal('This call has no room for more video. Join with audio only?');
    const audio = part<HTMLButtonElement>(el, 'join-audio-only')!;
    expect(audio.textContent!.trim()).to.equal('Join with audio only');
    audio.click();
    await el.updateComplete;
    expect(session.calls.map((c) => c.args)).to.deep.equal([
      [TEAM.id, { audio: true, video: true }],
      [TEAM.id, { audio: true, video: false }],
    ]);

    session.update({ roomCalls: { [TEAM.id]: summary({ video: 0, total: 0 }) } });
    await el.updateComplete;
    expect(part(el, 'call-full')!.textContent!.trim()).to.equal('Call is full');
    expect(Boolean(part(el, 'call-full-video'))).to.be.false;
    expect(Boolean(part(el, 'join-call'))).to.be.false;
    expect(Boolean(part(el, 'start-room-call'))).to.be.false;
    await expect(el).to.be.accessible();
  });

  it('says so when the visitor is in the call, rather than offering to join it', async () => {
    const groupCall = { roomId: TEAM.id, callId: 'call-1', members: [], sharing: null, startedAt: Date.now() };
    const { el } = await listFor({ roomCalls: { [TEAM.id]: summary({ video: 2, total: 6 }) }, groupCall });
    expect(part(el, 'room-call')!.textContent).to.contain('You are in this call.');
    expect(Boolean(part(el, 'join-call'))).to.be.false;
  });

  it('a join refused for video raises the error and offers to join with audio only', async () => {
    const refusal = { code: 'call_full_video', message: 'This call has no room for more cameras. You can join with audio only.' };
    const { session, el } = await listFor(
      { roomCalls: { [TEAM.id]: summary({ video: 1, total: 6 }) } },
      {
        joinGroupCall: (roomId: string, media: unknown) => {
          session.calls.push({ method: 'joinGroupCall', args: [roomId, media] });
          return Promise.reject(refusal);
        },
      },
    );
    setTimeout(() => part<HTMLButtonElement>(el, 'join-call')!.click());
    const { detail } = await oneEvent(el, 'rtc-error');
    expect(detail).to.deep.equal({ ...refusal, scope: 'call' });
    const audio = await until('the audio-only offer', () => part<HTMLButtonElement>(el, 'join-audio-only'));
    audio.click();
    await el.updateComplete;
    expect(session.calls.map((c) => c.args[1])).to.deep.equal([
      { audio: true, video: true },
      { audio: true, video: false },
    ]);
  });

  it('during a call, offers to add the people of the room who are not in it', async () => {
    const people = ['user-ada', 'user-bo', 'user-cy'].map((id) => ({ id, name: id.slice(5), status: 'available' as const, sessions: 1 }));
    const roomPeers = { [TEAM.id]: people.map((p) => p.id), [PERSONAL.id]: ['user-ada'] };
    const { session, el } = await listFor({ peers: people, roomPeers });
    expect(parts(el, 'add-to-call').length, 'no call, nothing to add to').to.equal(0);

    session.update({ call: fakeCall({ peer: { id: 'user-ada', name: 'ada' } }) });
    await el.updateComplete;
    const rows = () => parts(el, 'add-to-call').map((b) => b.closest('[part~="peer"]')!.getAttribute('data-peer-id'));
    expect(rows()).to.deep.equal(['user-bo', 'user-cy']);
    const add = part<HTMLButtonElement>(el, 'add-to-call')!;
    expect(add.getAttribute('aria-label')).to.equal('Add \u2068bo\u2069 to the call');
    add.click();
    await el.updateComplete;
    expect(session.calls).to.deep.equal([{ method: 'addToCall', args: ['user-bo'] }]);
    await expect(el).to.be.accessible();

    // In a group call: everyone of its room not in it yet.
    const member = (user: string, seat: number) => ({
      seat,
      user,
      name: user,
      me: seat === 0,
      state: 'connected' as const,
      media: { audio: true, video: true, screen: false },
      stream: null,
      speaking: false,
    });
    const groupCall = {
      roomId: TEAM.id,
      callId: 'g',
      members: [member('visitor-1', 0), member('user-cy', 1)],
      sharing: null,
      startedAt: 0,
    };
    session.update({ call: null, groupCall });
    await el.updateComplete;
    expect(rows()).to.deep.equal(['user-ada', 'user-bo']);
    // No 1:1 call from a group call.
    expect(parts<HTMLButtonElement>(el, 'call-button').every((b) => b.disabled)).to.be.true;
    // Not in a personal room.
    session.update({ room: PERSONAL.id });
    await el.updateComplete;
    expect(parts(el, 'add-to-call').length).to.equal(0);
  });

  it('shows a "join my call" ring with one-click join, and closes it', async () => {
    const groupRing = { roomId: TEAM.id, callId: 'call-1', from: { id: 'user-0', name: 'Ada' }, at: Date.now() };
    const { session, el } = await listFor({ roomCalls: { [TEAM.id]: summary({ video: 2, total: 6 }) }, groupRing });
    const ring = part(el, 'group-ring')!;
    expect(ring.getAttribute('role')).to.equal('alert');
    expect(ring.textContent).to.contain('Ada asks you to join the call in Team.');
    part<HTMLButtonElement>(el, 'group-ring-join')!.click();
    part<HTMLButtonElement>(el, 'group-ring-dismiss')!.click();
    await el.updateComplete;
    expect(session.calls).to.deep.equal([
      { method: 'joinGroupCall', args: [TEAM.id, { audio: true, video: true }] },
      { method: 'dismissGroupRing', args: [] },
    ]);
    await expect(el).to.be.accessible();
    session.update({ groupRing: null });
    await el.updateComplete;
    expect(Boolean(part(el, 'group-ring'))).to.be.false;
  });
});
