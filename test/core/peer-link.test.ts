/**
 * PeerLink on its own: two links in one page, descriptions and candidates
 * handed over directly (no server), the browser's fake camera.
 */
import { expect } from '@open-wc/testing';
import { PeerLink, type LinkCondition } from '../../src/core/peer.js';

interface Side {
  link: PeerLink;
  conditions: LinkCondition[];
}

function linkedPair(): { caller: Side; callee: Side } {
  const caller: Side = { link: null as unknown as PeerLink, conditions: [] };
  const callee: Side = { link: null as unknown as PeerLink, conditions: [] };
  const make = (me: Side, other: () => Side, role: 'offerer' | 'answerer') =>
    new PeerLink({
      role,
      iceServers: [],
      relayOnly: false,
      onDescription: (d) => void (d.type === 'offer' ? other().link.handleOffer(d.sdp) : other().link.acceptAnswer(d.sdp)),
      onCandidate: (c) => void other().link.addRemoteCandidate(c),
      onRemoteStream: () => {},
      onCondition: (c) => me.conditions.push(c),
    });
  caller.link = make(caller, () => callee, 'offerer');
  callee.link = make(callee, () => caller, 'answerer');
  return { caller, callee };
}

const videoScale = (link: PeerLink) =>
  link.pc
    .getTransceivers()
    .find((t) => t.receiver.track.kind === 'video')
    ?.sender.getParameters().encodings?.[0]?.scaleResolutionDownBy;

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('PeerLink', () => {
  let links: PeerLink[] = [];
  afterEach(() => {
    for (const l of links) l.close();
    links = [];
  });

  it('starts video at half size for a quick first frame, then allows the full size once connected', async () => {
    const { caller, callee } = linkedPair();
    links = [caller.link, callee.link];
    const [camA, camB] = await Promise.all(
      [0, 1].map(() => navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } } })),
    );
    await caller.link.setTrack('video', camA!.getVideoTracks()[0]!);
    await callee.link.setTrack('video', camB!.getVideoTracks()[0]!);
    await caller.link.createOffer();
    await until(
      () => callee.link.pc.signalingState === 'have-remote-offer' || callee.link.pc.signalingState === 'stable',
      'the offer applied',
    );
    expect(videoScale(caller.link)).to.equal(2, 'caller sends half size before connecting');
    await until(() => caller.conditions.includes('connected') && callee.conditions.includes('connected'), 'both connected');
    expect(videoScale(callee.link)).to.equal(2, 'callee sends half size at first');
    await until(() => videoScale(caller.link) === 1 && videoScale(callee.link) === 1, 'full size allowed on both sides', 5_000);
    for (const t of [...camA!.getTracks(), ...camB!.getTracks()]) t.stop();
  });
});
