/**
 * The group call mesh of one tab (src/core/group/mesh.ts) with fake links and a fake clock:
 * the higher seat offers to each lower one, people joining at the same instant, an offer that
 * overtakes the roster, leaving, a seat replaced by a rejoin, one pair's lost link touching
 * no other pair, and a pair given up linked again while both seats stay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupVideoLimit } from '../../src/core/group/bandwidth.js';
import { GroupMesh, RELINK_DELAY_MS } from '../../src/core/group/mesh.js';
import { LOST_LINK_LIMITS } from '../../src/core/timing.js';
import {
  CALL_CONNECT_TIMEOUT_MS,
  UNKNOWN_SEAT_WAIT_MS,
  type GroupPairMessage,
  type RoomCall,
  type Seat,
} from '../../src/protocol/index.js';
import { FakeClock, FakeLink, settle } from './support/engine-fakes.js';

const CALL_ID = 'c'.repeat(22);

interface Member {
  user: string;
  sid: string;
  mesh: GroupMesh;
  links: FakeLink[];
}

/** Several tabs whose per-pair messages go to each other through `deliver` (the inboxes). */
class Room {
  readonly clock = new FakeClock();
  readonly members = new Map<string, Member>();
  /** Messages in flight; `flush` delivers them. */
  private readonly inFlight: { to: string; from: string; message: GroupPairMessage }[] = [];
  held = false;
  /** Whether the tabs' signalling is up. */
  online = true;

  member(name: string, sid = `${name}-tab`): Member {
    const links: FakeLink[] = [];
    const mesh = new GroupMesh({
      clock: this.clock,
      me: { user: name, sid },
      createLink: (options) => {
        const link = new FakeLink(options, `${name}→`);
        links.push(link);
        return link;
      },
      linkOptions: () => ({ iceServers: [], relayOnly: false }),
      send: (user, message) => this.inFlight.push({ to: user, from: name, message }),
      online: () => this.online,
      tracks: () => ({ audio: null, video: null }),
      changed: () => {},
    });
    const m = { user: name, sid, mesh, links };
    this.members.set(sid, m);
    return m;
  }

  async flush(): Promise<void> {
    await settle();
    while (this.inFlight.length > 0) {
      const { to, from, message } = this.inFlight.shift()!;
      for (const m of this.members.values()) if (m.user === to && m.sid === sidOfSeat(this.call, message.to)) m.mesh.receive(from, message);
      await settle();
    }
  }

  call: RoomCall | null = null;

  /** The backend's roster reaches every member (or only `only`). */
  async roster(seats: Seat[], only?: Member[]): Promise<void> {
    this.call = { id: CALL_ID, room: 'lobby', startedAt: 0, members: seats, limits: { video: 4, total: 8 } };
    for (const m of only ?? this.members.values()) m.mesh.update(this.call);
    await this.flush();
  }
}

function sidOfSeat(call: RoomCall | null, seat: number): string | undefined {
  return call?.members.find((m) => m.seat === seat)?.sid;
}

const seat = (m: Member, n: number): Seat => ({
  user: m.user,
  name: m.user,
  sid: m.sid,
  seat: n,
  media: { audio: true, video: true },
  joinedAt: n,
});
const offersMade = (m: Member) => m.links.filter((l) => l.log.includes('createOffer')).length;
const offersTaken = (m: Member) => m.links.filter((l) => l.log.some((e) => e.startsWith('handleOffer'))).length;
const state = (m: Member) => m.mesh.peers().map((p) => `${p.user}#${p.seat}:${p.state}`);

test('the newcomer offers to everyone already there; nobody else offers', async () => {
  const room = new Room();
  const [a, b, c] = [room.member('a'), room.member('b'), room.member('c')];
  await room.roster([seat(a, 1)], [a]);
  await room.roster([seat(a, 1), seat(b, 2)], [a, b]);
  await room.roster([seat(a, 1), seat(b, 2), seat(c, 3)]);
  assert.deepEqual([offersMade(a), offersMade(b), offersMade(c)], [0, 1, 2]);
  assert.deepEqual([offersTaken(a), offersTaken(b), offersTaken(c)], [2, 1, 0]);
  assert.equal(a.links.length, 2);
  assert.deepEqual(state(a), ['b#2:connecting', 'c#3:connecting']);
});

test('people joining at the same instant: the seats decide, no glare', async () => {
  const room = new Room();
  const people = ['a', 'b', 'c', 'd'].map((n) => room.member(n));
  await room.roster(people.map((p, i) => seat(p, i + 1)));
  for (const [i, p] of people.entries()) {
    assert.equal(offersMade(p), i, `${p.user} offers to the ${i} lower seats`);
    assert.equal(offersTaken(p), people.length - 1 - i);
    for (const link of p.links) {
      assert.ok(
        !(link.log.includes('createOffer') && link.log.some((e) => e.startsWith('handleOffer'))),
        'no link both offers and answers',
      );
    }
  }
});

test('an offer that overtakes the roster waits for it; past the wait it is dropped', async () => {
  const room = new Room();
  const [a, b] = [room.member('a'), room.member('b')];
  room.call = { id: CALL_ID, room: 'lobby', startedAt: 0, members: [seat(a, 1), seat(b, 2)], limits: { video: 4, total: 8 } };
  // b sees the roster first and offers; a does not know seat 2 yet.
  a.mesh.update({ ...room.call, members: [seat(a, 1)] });
  b.mesh.update(room.call);
  await room.flush();
  assert.equal(offersTaken(a), 0);
  a.mesh.update(room.call);
  await room.flush();
  assert.equal(offersTaken(a), 1, 'replayed once the roster shows the seat');

  const late = new Room();
  const [x, y] = [late.member('x'), late.member('y')];
  late.call = { id: CALL_ID, room: 'lobby', startedAt: 0, members: [seat(x, 1), seat(y, 2)], limits: { video: 4, total: 8 } };
  x.mesh.update({ ...late.call, members: [seat(x, 1)] });
  y.mesh.update(late.call);
  await late.flush();
  await late.clock.advance(UNKNOWN_SEAT_WAIT_MS);
  x.mesh.update(late.call);
  await late.flush();
  assert.equal(offersTaken(x), 0, 'too late: dropped');
});

test('leaving closes the leaver’s links to everyone and everyone’s links to the leaver, nothing else', async () => {
  const room = new Room();
  const [a, b, c] = [room.member('a'), room.member('b'), room.member('c')];
  await room.roster([seat(a, 1), seat(b, 2), seat(c, 3)]);
  await room.roster([seat(a, 1), seat(c, 3)]);
  assert.ok(
    b.links.every((l) => l.closed),
    'b closed all its links',
  );
  assert.equal(b.mesh.seat, null);
  assert.deepEqual(state(a), ['c#3:connecting']);
  assert.equal(a.links.filter((l) => l.closed).length, 1);
  assert.equal(c.links.filter((l) => l.closed).length, 1);
});

test('a rejoin (a reload: a new tab, a higher seat) replaces the old links with new ones the newcomer offers', async () => {
  const room = new Room();
  const [a, b] = [room.member('a'), room.member('b')];
  await room.roster([seat(a, 1), seat(b, 2)]);
  const reloaded = room.member('a', 'a-reloaded');
  await room.roster([seat(b, 2), seat(reloaded, 3)]);
  assert.equal(a.mesh.seat, null, 'the old tab holds no seat');
  assert.ok(a.links.every((l) => l.closed));
  assert.deepEqual(state(b), ['a#3:connecting']);
  assert.equal(offersMade(reloaded), 1, 'the newcomer offers, though b was the offerer before');
  assert.equal(b.links.filter((l) => !l.closed).length, 1);
});

test('one pair’s lost link: interrupted, then lost at the limit; the other pairs carry on', async () => {
  const room = new Room();
  const [a, b, c] = [room.member('a'), room.member('b'), room.member('c')];
  await room.roster([seat(a, 1), seat(b, 2), seat(c, 3)]);
  for (const m of [a, b, c]) for (const link of m.links) link.condition('connected');
  await room.flush();
  assert.deepEqual(state(a), ['b#2:connected', 'c#3:connected']);
  // c's network goes: a's and b's links to c report it; a-b is untouched.
  a.links[1]!.condition('interrupted');
  b.links[1]!.condition('interrupted');
  await settle(); // the watch asks each link when its last packet came
  assert.deepEqual(state(a), ['b#2:connected', 'c#3:interrupted']);
  await room.clock.advance(LOST_LINK_LIMITS.lossLimitMs - 1);
  assert.deepEqual(state(b), ['a#1:connected', 'c#3:interrupted']);
  await room.clock.advance(1);
  assert.deepEqual(state(a), ['b#2:connected', 'c#3:lost']);
  assert.deepEqual(state(b), ['a#1:connected', 'c#3:lost']);
  assert.equal(a.links[0]!.closed, false, 'a–b still up');
  // Back in time instead: the pair recovers.
  const again = new Room();
  const [x, y] = [again.member('x'), again.member('y')];
  await again.roster([seat(x, 1), seat(y, 2)]);
  x.links[0]!.condition('connected');
  x.links[0]!.condition('interrupted');
  await settle();
  await again.clock.advance(LOST_LINK_LIMITS.lossLimitMs - 1000);
  x.links[0]!.condition('connected');
  await again.clock.advance(10 * LOST_LINK_LIMITS.lossLimitMs);
  assert.deepEqual(state(x), ['y#2:connected']);
});

test('a pair is lost 13 s after its last packet, as in a 1:1 call, not 13 s after the browser said so', async () => {
  const room = new Room();
  const [a, b] = [room.member('a'), room.member('b')];
  await room.roster([seat(a, 1), seat(b, 2)]);
  a.links[0]!.condition('connected');
  // Chromium reports the loss ~8 s after the last packet: by then 8 s of the 13 are gone.
  const reportedAt = room.clock.now();
  a.links[0]!.silence = () => 8_000 + room.clock.now() - reportedAt;
  a.links[0]!.condition('interrupted');
  await settle();
  assert.deepEqual(state(a), ['b#2:interrupted']);
  await room.clock.advance(LOST_LINK_LIMITS.lossLimitMs - 8_000 - 1_000);
  assert.deepEqual(state(a), ['b#2:interrupted']);
  await room.clock.advance(1_000);
  assert.deepEqual(state(a), ['b#2:lost']);
});

test('messages from another user for a seat, or for another call, are ignored', async () => {
  const room = new Room();
  const [a, b] = [room.member('a'), room.member('b')];
  await room.roster([seat(a, 1), seat(b, 2)]);
  const before = a.links[0]!.log.length;
  a.mesh.receive('mallory', { type: 'group-offer', callId: CALL_ID, sid: 'm', seat: 2, to: 1, sdp: 'v=0' });
  a.mesh.receive('b', { type: 'group-offer', callId: 'other'.repeat(5), sid: 'b-tab', seat: 2, to: 1, sdp: 'v=0' });
  await room.flush();
  assert.equal(a.links[0]!.log.length, before);
});

/** a, b, c in a call, every link connected. */
async function threeConnected() {
  const room = new Room();
  const [a, b, c] = [room.member('a'), room.member('b'), room.member('c')];
  await room.roster([seat(a, 1), seat(b, 2), seat(c, 3)]);
  for (const m of [a, b, c]) for (const link of m.links) link.condition('connected');
  await room.flush();
  return { room, a, b, c };
}

const openLinks = (m: Member) => m.links.filter((l) => !l.closed);

test('a pair given up while both seats stay is linked again: the offerer makes a new connection, the other side replaces its own', async () => {
  const { room, a, b, c } = await threeConnected();
  // Only the a–c path breaks (both keep their signalling and their seats).
  const [aToC, cToA] = [a.links[1]!, c.links[0]!];
  aToC.condition('interrupted');
  cToA.condition('interrupted');
  await settle(); // each watch asks its link when the last packet came
  await room.clock.advance(LOST_LINK_LIMITS.lossLimitMs);
  assert.deepEqual(state(a), ['b#2:connected', 'c#3:lost']);
  assert.ok(aToC.closed && cToA.closed);
  await room.clock.advance(RELINK_DELAY_MS - 1);
  await room.flush();
  assert.equal(c.links.length, 2, 'not before the delay');
  await room.clock.advance(1);
  await room.flush();
  assert.equal(c.links.length, 3, 'c (the higher seat) made a new link to a');
  assert.deepEqual(c.links[2]!.log.slice(0, 1), ['createOffer']);
  assert.equal(a.links.length, 3, 'a made a new link for its offer');
  assert.ok(a.links[2]!.log.some((e) => e.startsWith('handleOffer')));
  // Both new links get the call's video limit, as every link does.
  assert.deepEqual([a.links[2]!.videoLimit, c.links[2]!.videoLimit], [groupVideoLimit(3), groupVideoLimit(3)]);
  assert.deepEqual(state(a), ['b#2:connected', 'c#3:connecting']);
  a.links[2]!.condition('connected');
  c.links[2]!.condition('connected');
  await room.flush();
  assert.deepEqual(state(a), ['b#2:connected', 'c#3:connected']);
  assert.deepEqual(state(c), ['a#1:connected', 'b#2:connected']);
  // Nobody else's links were touched.
  assert.equal(b.links.length, 2);
  assert.ok(b.links.every((l) => !l.closed));
  assert.equal(openLinks(a).length, 2);
});

test("after a new link, the old connection's messages are ignored, and only the new link's offer opens it", async () => {
  const { room, a, c } = await threeConnected();
  a.links[1]!.condition('failed');
  c.links[0]!.condition('failed');
  // A candidate of the new connection before its offer opens nothing.
  a.mesh.receive('c', {
    type: 'group-candidate',
    callId: CALL_ID,
    sid: c.sid,
    seat: 3,
    to: 1,
    link: 1,
    candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
  });
  assert.equal(a.links.length, 2);
  await room.clock.advance(RELINK_DELAY_MS);
  await room.flush();
  const fresh = a.links[2]!;
  const before = fresh.log.length;
  // A late message of the old connection (link 0) changes nothing.
  a.mesh.receive('c', { type: 'group-offer', callId: CALL_ID, sid: c.sid, seat: 3, to: 1, sdp: 'old-offer' });
  a.mesh.receive('c', {
    type: 'group-media-state',
    callId: CALL_ID,
    sid: c.sid,
    seat: 3,
    to: 1,
    audio: false,
    video: false,
    screen: false,
  });
  await room.flush();
  assert.equal(fresh.log.length, before);
  assert.equal(a.links.length, 3);
  assert.deepEqual(a.mesh.peers().find((p) => p.seat === 3)!.media.audio, true);
});

test('an offerer whose link never gets through gives it up after the connect timeout and links again; the answerer waits', async () => {
  const room = new Room();
  const [a, b] = [room.member('a'), room.member('b')];
  await room.roster([seat(a, 1), seat(b, 2)]);
  await room.clock.advance(CALL_CONNECT_TIMEOUT_MS - 1);
  assert.deepEqual(state(b), ['a#1:connecting']);
  await room.clock.advance(1);
  assert.deepEqual(state(b), ['a#1:lost']);
  assert.deepEqual(state(a), ['b#2:connecting'], 'the answerer does not judge: it waits for the offerer');
  await room.clock.advance(RELINK_DELAY_MS);
  await room.flush();
  assert.equal(b.links.length, 2);
  assert.equal(a.links.length, 2, "a replaced its link on b's new offer");
  assert.ok(a.links[0]!.closed);
});

test('a tab whose signalling is down does not link again (it joins again once back); a seat gone is not linked again', async () => {
  const { room, a, b, c } = await threeConnected();
  room.online = false;
  c.links[0]!.condition('failed');
  await room.clock.advance(RELINK_DELAY_MS * 5);
  assert.equal(c.links.length, 2, 'no new link while cut off');
  assert.deepEqual(state(c), ['a#1:lost', 'b#2:connected']);
  room.online = true;
  // b (seat 2) loses its link to a; a's seat ends before b would link again.
  b.links[0]!.condition('failed');
  await room.roster([seat(b, 2), seat(c, 3)]);
  await room.clock.advance(RELINK_DELAY_MS);
  await room.flush();
  assert.equal(b.links.length, 2, 'no link to a seat that is gone');
  assert.ok(a.links.length === 2);
});
