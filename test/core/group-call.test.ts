/**
 * Group calls in a real browser against the real backend (PROTOCOL.md §6): three Sessions in one
 * page share a room made by one of them and joined by invite, join its call (two of them at the
 * same instant), and every pair gets the other's camera frames and microphone; one leaves and
 * joins again; room chat reaches everyone in the room.
 */
import { expect } from '@open-wc/testing';
import { groupVideoLimit } from '../../src/core/group/bandwidth.js';
import { PeerLink } from '../../src/core/peer.js';
import type { Session } from '../../src/core/session.js';
import type { GroupCallView, SessionApi, SessionState } from '../../src/core/types.js';
import { SEAT_LOST_AFTER_MS } from '../../src/protocol/index.js';
import { connectedCall, disposeSessions, signedIn, waitForState, type SignedIn } from '../elements/helpers.js';

/** Everyone in the call, each link connected, as `session` sees it. */
const allConnected = (count: number) => (s: SessionState) =>
  s.groupCall !== null &&
  s.groupCall.members.length === count &&
  s.groupCall.members.every((m) => m.me || (m.state === 'connected' && m.stream !== null));

/** Resolves once a frame of `stream`'s video has been decoded (a real picture, not just a track). */
async function firstFrame(stream: MediaStream, what: string): Promise<void> {
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.srcObject = stream;
  document.body.append(video);
  try {
    await video.play().catch(() => undefined);
    const deadline = Date.now() + 20_000;
    while (!(video.readyState >= 2 && video.videoWidth > 0)) {
      if (Date.now() > deadline) throw new Error(`no frame from ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    video.srcObject = null;
    video.remove();
  }
}

/** Every other member's stream, as `view` shows it, has a live audio track and gives video frames. */
async function mediaFromEveryone(viewer: string, view: GroupCallView): Promise<void> {
  for (const m of view.members.filter((x) => !x.me)) {
    const stream = m.stream!;
    expect(
      stream.getAudioTracks().some((t) => t.readyState === 'live'),
      `${viewer} hears ${m.name}`,
    ).to.equal(true);
    await firstFrame(stream, `${m.name} at ${viewer}`);
  }
}

async function threeInARoom(): Promise<{ people: SignedIn[]; roomId: string }> {
  const ada = await signedIn('Ada Group');
  const bob = await signedIn('Bob Group');
  const cy = await signedIn('Cy Group');
  const invite = (await ada.session.createRoom('Group call room'))!;
  expect(invite, 'room made').to.not.equal(null);
  const roomId = invite.room.id;
  for (const p of [bob, cy]) await p.session.openInvite(invite.code);
  for (const p of [ada, bob, cy]) {
    await waitForState(p.session, (s) => s.rooms.some((r) => r.id === roomId), `${p.user.user.name} in the room`);
  }
  return { people: [ada, bob, cy], roomId };
}

const sessionsOf = (people: SignedIn[]): SessionApi[] => people.map((p) => p.session);

/**
 * Drops `session`'s MQTT connection (its WebSocket destroyed, as a network loss does); for `holdMs`
 * no new connection is made (the network stays down), then the signalling connects again as it
 * would. Media links are left alone. Reaches into the signalling client: a test of the engine.
 */
async function cutSignalling(session: SessionApi, holdMs: number): Promise<void> {
  const signaling = (session as unknown as { signaling: Record<string, unknown> }).signaling as {
    active: { stream: { destroy(): void } } | null;
    open(): void;
  };
  const down = waitForState(session, (s) => s.connection === 'reconnecting', 'signalling down');
  if (holdMs > 0) signaling.open = () => {};
  signaling.active!.stream.destroy();
  await down;
  if (holdMs === 0) return;
  setTimeout(() => {
    delete (signaling as { open?: unknown }).open;
    signaling.open();
  }, holdMs);
}

describe('group calls: three Sessions in one page, against the real backend', () => {
  afterEach(() => disposeSessions());

  it('start and join (two at the same instant): media flows between every pair; leave and rejoin; room chat', async () => {
    const { people, roomId } = await threeInARoom();
    const [ada, bob, cy] = people as [SignedIn, SignedIn, SignedIn];

    await ada.session.joinGroupCall(roomId, { audio: true, video: true });
    expect(ada.session.state.error).to.equal(null);
    // Bob sees the call on in the room before joining it.
    await waitForState(bob.session, (s) => s.roomCalls[roomId]?.members.length === 1, 'Bob sees the call on');
    await Promise.all([bob.session.joinGroupCall(roomId), cy.session.joinGroupCall(roomId)]);
    for (const s of sessionsOf(people)) await waitForState(s, allConnected(3), 'everyone linked to everyone', 30_000);
    const seats = ada.session.state.groupCall!.members.map((m) => m.seat);
    expect(new Set(seats).size).to.equal(3);
    for (const p of people) await mediaFromEveryone(p.user.user.name, p.session.state.groupCall!);
    // The fake microphones make sound: an active speaker is found from the real audio levels, played
    // out as the widget's tiles play them (Chromium updates a receiver's levels only from its playout).
    const players = ada.session.state
      .groupCall!.members.filter((m) => !m.me)
      .map((m) => {
        const audio = new Audio();
        audio.srcObject = m.stream;
        void audio.play().catch(() => undefined);
        return audio;
      });
    await waitForState(ada.session, (st) => st.groupCall!.members.some((m) => m.speaking), 'an active speaker', 20_000);
    for (const audio of players) audio.srcObject = null;
    // In a call, as in a 1:1 call: the own status says busy; every link carries this tab's video.
    expect(ada.session.state.status).to.equal('busy');
    const links = await (ada.session as Session).getGroupCallStats();
    expect(links.map((l) => l.user).sort()).to.deep.equal([bob.user.user.id, cy.user.user.id].sort());
    for (const l of links) expect(l.stats.bytesSent.video, 'video sent on each link').to.be.greaterThan(0);

    // Bob leaves: the others carry on; he joins again with a new seat and everyone links to it.
    await bob.session.leaveGroupCall();
    expect(bob.session.state.groupCall).to.equal(null);
    for (const s of [ada.session, cy.session]) await waitForState(s, allConnected(2), 'the two left carry on');
    await bob.session.joinGroupCall(roomId);
    for (const s of sessionsOf(people)) await waitForState(s, allConnected(3), 'Bob back, linked to everyone', 30_000);
    const bobSeat = bob.session.state.groupCall!.members.find((m) => m.me)!.seat;
    expect(bobSeat).to.be.greaterThan(Math.max(...seats));
    await mediaFromEveryone('Ada', ada.session.state.groupCall!);

    // Mute: the others see it on Bob's tile.
    bob.session.setMicrophone(false);
    await waitForState(cy.session, (s) => s.groupCall?.members.find((m) => m.seat === bobSeat)?.media.audio === false, 'Cy sees Bob muted');

    // Room chat reaches everyone in the room, once.
    await cy.session.sendRoomChat(roomId, 'hello, room');
    for (const s of sessionsOf(people)) {
      const state = await waitForState(s, (st) => (st.roomChats[roomId] ?? []).some((c) => c.text === 'hello, room'), 'room chat');
      expect(state.roomChats[roomId]!.filter((c) => c.text === 'hello, room')).to.have.length(1);
    }
    expect(ada.session.state.roomChats[roomId]![0]!.name).to.equal('Cy Group');

    // Everyone leaves: the call is over for the room.
    for (const s of sessionsOf(people)) await s.leaveGroupCall();
    await waitForState(ada.session, (s) => s.roomCalls[roomId] === undefined, 'the call ended');
    expect(ada.session.state.status).to.equal('available');
  });

  it('adding someone to a 1:1 call: it becomes the group call of a shared room, make before break', async () => {
    const { people, roomId } = await threeInARoom();
    const [ada, bob, cy] = people as [SignedIn, SignedIn, SignedIn];
    ada.session.selectRoom(roomId);
    await waitForState(
      ada.session,
      (s) => [bob, cy].every((p) => (s.roomPeers[roomId] ?? []).includes(p.user.user.id)),
      'Ada sees both in the room',
    );
    await connectedCall(ada, bob);
    await ada.session.addToCall(cy.user.user.id);
    expect(ada.session.state.error).to.equal(null);
    // Bob's widget joins by itself; the 1:1 call ends on both sides once their group link plays.
    for (const s of [ada.session, bob.session]) {
      await waitForState(s, (st) => allConnected(2)(st) && st.call === null, 'the 1:1 call replaced by the group call', 30_000);
    }
    expect(ada.session.state.status).to.equal('busy');
    const rung = await waitForState(cy.session, (s) => s.groupRing !== null, 'Cy is rung');
    expect(rung.groupRing!.roomId).to.equal(roomId);
    await cy.session.joinGroupCall(roomId, { audio: true, video: false });
    for (const s of sessionsOf(people)) await waitForState(s, allConnected(3), 'all three linked', 30_000);
  });

  it('closing the page gives the seats up at once (a keepalive request), and the others see the call end', async () => {
    const { people, roomId } = await threeInARoom();
    const [ada, bob, cy] = people as [SignedIn, SignedIn, SignedIn];
    await ada.session.joinGroupCall(roomId, { audio: true, video: false });
    await bob.session.joinGroupCall(roomId, { audio: true, video: false });
    await waitForState(cy.session, (s) => s.roomCalls[roomId]?.members.length === 2, 'Cy sees both in the call');
    // Every Session of this page hears the page go; Cy, in no call, has no seat to give up.
    const leftAt = Date.now();
    window.dispatchEvent(new PageTransitionEvent('pagehide'));
    expect(ada.session.state.groupCall).to.equal(null);
    await waitForState(cy.session, (s) => s.roomCalls[roomId] === undefined, 'the call over for the room', 5_000);
    // Not the lost-seat rule (15 s after a lost connection; these connections stay up): the requests.
    expect(Date.now() - leftAt).to.be.lessThan(5_000);
  });

  it("this tab's signalling lost: a short loss keeps seat and links; past the lost-seat rule it joins again", async function () {
    this.timeout(90_000);
    const { people, roomId } = await threeInARoom();
    const [ada, bob] = people as [SignedIn, SignedIn, SignedIn];
    for (const p of [ada, bob]) await p.session.joinGroupCall(roomId, { audio: true, video: false });
    for (const p of [ada, bob]) await waitForState(p.session, allConnected(2), 'linked');
    const mySeat = (s: SessionState) => s.groupCall?.members.find((m) => m.me)?.seat ?? 0;
    const bobSeat = mySeat(bob.session.state);

    // Short: Bob's MQTT connection drops and is made again at once (same clientId): nothing changes.
    await cutSignalling(bob.session, 0);
    await waitForState(bob.session, (s) => s.connection === 'online', 'Bob back online');
    await new Promise((r) => setTimeout(r, SEAT_LOST_AFTER_MS + 1_000));
    expect(mySeat(bob.session.state)).to.equal(bobSeat);
    expect(allConnected(2)(ada.session.state), 'Ada still linked to Bob').to.equal(true);

    // Long: no connection gets through for longer than the lost-seat rule: the backend ends Bob's seat,
    // Ada closes her link to it; back online, Bob joins again with a new seat and they link again.
    await cutSignalling(bob.session, SEAT_LOST_AFTER_MS + 2_000);
    await waitForState(ada.session, (s) => s.groupCall?.members.length === 1, "Bob's seat ended for Ada", 30_000);
    await waitForState(bob.session, (s) => mySeat(s) > bobSeat, 'Bob rejoined', 30_000);
    // A late retained roster once ended Bob's new seat (fixed in group-call.ts): a failure shows both views.
    const views = () =>
      JSON.stringify(
        [ada, bob].map((p) => [p.session.state.groupCall?.members.map((m) => [m.seat, m.state]) ?? null, p.session.state.error?.message]),
      );
    for (const p of [ada, bob]) {
      await waitForState(p.session, allConnected(2), 'linked again', 30_000).catch((e: Error) => {
        throw new Error(`${e.message.slice(0, 80)}… views ${views()}`);
      });
    }
    expect(bob.session.state.error).to.equal(null);
  });

  it("a link's video limit (bitrate and size) reaches the sender once the link is up", async () => {
    const made: PeerLink[] = [];
    const make = (role: 'offerer' | 'answerer', other: () => PeerLink) =>
      new PeerLink({
        role,
        iceServers: [],
        relayOnly: false,
        onDescription: (d) => void (d.type === 'offer' ? other().handleOffer(d.sdp) : other().acceptAnswer(d.sdp)),
        onCandidate: (c) => void other().addRemoteCandidate(c),
        onRemoteStream: () => {},
        onCondition: () => {},
      });
    const caller: PeerLink = make('offerer', () => callee);
    const callee: PeerLink = make('answerer', () => caller);
    made.push(caller, callee);
    try {
      const cam = await navigator.mediaDevices.getUserMedia({ video: true });
      const limit = groupVideoLimit(4);
      // Set before the offer, as the mesh does: kept, and applied once negotiated.
      await caller.setVideoLimit(limit);
      await caller.setTrack('video', cam.getVideoTracks()[0]!);
      await caller.createOffer();
      const encoding = () =>
        caller.pc
          .getTransceivers()
          .find((t) => t.receiver.track.kind === 'video')
          ?.sender.getParameters().encodings?.[0];
      const deadline = Date.now() + 15_000;
      while (!(encoding()?.maxBitrate === limit.maxBitrate && encoding()?.scaleResolutionDownBy === limit.scaleResolutionDownBy)) {
        if (Date.now() > deadline) throw new Error(`limit not applied: ${JSON.stringify(encoding())}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const t of cam.getTracks()) t.stop();
    } finally {
      for (const l of made) l.close();
    }
  });

  it('ringing someone of the room, and a full call', async () => {
    const { people, roomId } = await threeInARoom();
    const [ada, bob] = people as [SignedIn, SignedIn, SignedIn];
    await ada.session.joinGroupCall(roomId, { audio: true, video: false });
    await waitForState(ada.session, (s) => (s.roomPeers[roomId] ?? []).includes(bob.user.user.id), 'Ada sees Bob in the room');
    await ada.session.addToCall(bob.user.user.id);
    const rung = await waitForState(bob.session, (s) => s.groupRing !== null, 'Bob is rung');
    expect(rung.groupRing!.roomId).to.equal(roomId);
    expect(rung.groupRing!.from.id).to.equal(ada.user.user.id);
    await bob.session.joinGroupCall(roomId, { audio: true, video: false });
    expect(bob.session.state.groupRing).to.equal(null);
    await waitForState(ada.session, allConnected(2), 'Bob joined');
  });
});
