/**
 * Group calls in the engine (src/core/group/group-calls.ts) with the backend's real seats
 * (broker/calls/room-calls.ts), fake links, fake devices and a fake clock: joining and the
 * links it makes, the size limits, leaving, a seat taken by another tab, the rejoin after this
 * tab's network came back, the media controls on every link, ringing, busy, and room chat.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallFullError, RoomCalls } from '../../broker/calls/room-calls.js';
import { ApiRequestError } from '../../src/core/api-client.js';
import { GroupCalls, GROUP_RING_MS, sharedCallRoom } from '../../src/core/group/group-calls.js';
import { groupVideoLimit } from '../../src/core/group/bandwidth.js';
import { SPEAKER_SAMPLE_MS } from '../../src/core/group/speaker.js';
import { RoomChatBook } from '../../src/core/group/room-chat.js';
import type { IceConfig } from '../../src/core/ice-config.js';
import { routeInbox } from '../../src/core/routing.js';
import { texts } from '../../src/core/texts.js';
import { LOST_LINK_LIMITS } from '../../src/core/timing.js';
import { SEAT_LOST_AFTER_MS, type GroupMessage, type RoomCall } from '../../src/protocol/index.js';
import type { Room } from '../../src/protocol/index.js';
import { FakeClock, FakeDevices, FakeLink, FakeOutbox, makeStore, settle } from './support/engine-fakes.js';

const ICE: IceConfig = {
  servers: [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'c' }],
  policy: 'all',
  fetchedAt: 0,
  ttl: 3600,
};
const LOBBY: Room = { id: 'lobby', name: 'Lobby', kind: 'lobby' };
const PERSONAL: Room = { id: '~' + 'p'.repeat(22), name: 'Call me', kind: 'personal', owner: 'x' };

class Tab {
  readonly outbox: FakeOutbox;
  readonly devices = new FakeDevices();
  readonly links: FakeLink[] = [];
  readonly group: GroupCalls;
  readonly chat: RoomChatBook;
  readonly state: ReturnType<typeof makeStore>;
  oneToOne = false;
  /** The other person of a connected 1:1 call, and how often the group call ended it. */
  oneToOnePeer: string | null = null;
  /** What this tab's microphone meter reads (0..1 on its dB scale). */
  micLevel = 0;
  oneToOneEnded = 0;

  constructor(
    readonly world: World,
    readonly user: { id: string; name: string },
    readonly sid: string,
  ) {
    this.state = makeStore({ user: { ...user, email: `${user.id}@example.test` }, connection: 'online', rooms: [LOBBY, PERSONAL] });
    this.outbox = new FakeOutbox(sid);
    const presence = { get: (id: string) => world.presence(id), tabsOf: () => 1 };
    this.group = new GroupCalls({
      store: this.state.store,
      outbox: this.outbox,
      clock: world.clock,
      api: world.api(this),
      token: () => 'token',
      presence,
      ice: { forCall: () => Promise.resolve(ICE) },
      certificate: () => Promise.resolve(null),
      devices: this.devices,
      createLink: (o) => {
        const link = new FakeLink(o, `${sid}#${this.links.length}`);
        this.links.push(link);
        return link;
      },
      inOneToOneCall: () => this.oneToOne,
      meter: () => ({ level: () => this.micLevel, close: () => {} }),
      oneToOnePeer: () => this.oneToOnePeer,
      endOneToOne: () => {
        this.oneToOneEnded++;
        this.oneToOne = false;
        this.oneToOnePeer = null;
      },
      video: true,
    });
    this.chat = new RoomChatBook(this.state.store, this.outbox, presence, world.clock);
  }

  get view() {
    return this.state.store.state.groupCall;
  }

  /** The members as `name#seat:state`, mine marked with `*`. */
  members(): string[] {
    return (this.view?.members ?? []).map((m) => `${m.name}#${m.seat}:${m.me ? '*' : m.state}`);
  }

  setOnline(online: boolean): void {
    this.outbox.online = online;
    this.state.store.update({ connection: online ? 'online' : 'reconnecting' });
    this.group.connectionChanged(online);
  }
}

/** Tabs of several people, the backend's seats, and the room call topic and inboxes between them. */
class World {
  readonly clock = new FakeClock();
  readonly tabs: Tab[] = [];
  readonly seats: RoomCalls;
  constructor(limits = { video: 4, total: 8 }) {
    this.seats = new RoomCalls({ limits, clock: this.clock, publish: (roomId, call) => this.publish(roomId, call) });
  }

  tab(name: string, sid = `${name}-tab`): Tab {
    const tab = new Tab(this, { id: name.repeat(22).slice(0, 22), name }, sid);
    this.tabs.push(tab);
    return tab;
  }

  presence(id: string) {
    const tab = this.tabs.find((t) => t.user.id === id);
    return tab ? { id, name: tab.user.name, status: 'available' as const, sessions: 1 } : undefined;
  }

  /** The backend's HTTP routes as a tab reaches them. */
  api(tab: Tab) {
    return {
      joinRoomCall: async (_token: string, roomId: string, body: { sid: string; media: { audio: boolean; video: boolean } }) => {
        await settle();
        try {
          return this.seats.join(roomId, { user: tab.user.id, name: tab.user.name, ...body });
        } catch (e) {
          if (e instanceof CallFullError) throw new ApiRequestError(e.code, e.message, 409);
          throw e;
        }
      },
      leaveRoomCall: async (_token: string, roomId: string, sid: string) => {
        this.seats.leave(roomId, tab.user.id, sid);
      },
    };
  }

  /** The retained call topic: every online tab gets it; one that was offline gets the latest when back. */
  latest: RoomCall | null = null;
  private publish(roomId: string, call: RoomCall | null): void {
    this.latest = call;
    for (const t of this.tabs) if (t.outbox.online) t.group.onRoomCall(roomId, call);
  }

  /** Delivers every group message sent (and those they cause), through the inboxes of online tabs. */
  async drain(): Promise<void> {
    await settle();
    for (let busy = true; busy;) {
      busy = false;
      for (const from of this.tabs) {
        for (const { to, message } of from.outbox.groupSent.splice(0)) {
          busy = true;
          for (const t of this.tabs) if (t.user.id === to && t.outbox.online) t.group.onMessage(from.user.id, message as GroupMessage);
        }
      }
      await settle();
    }
  }
}

const offers = (t: Tab) => t.links.filter((l) => l.log.includes('createOffer')).length;
const answers = (t: Tab) => t.links.filter((l) => l.log.some((e) => e.startsWith('handleOffer'))).length;

test('three people join one after another: each newcomer offers to everyone there, and all see all', async () => {
  const w = new World();
  const [a, b, c] = [w.tab('a'), w.tab('b'), w.tab('c')];
  const watcher = w.tab('d');
  for (const t of [a, b, c]) {
    await t.group.join('lobby');
    await w.drain();
  }
  assert.deepEqual([offers(a), offers(b), offers(c)], [0, 1, 2]);
  assert.deepEqual([answers(a), answers(b), answers(c)], [2, 1, 0]);
  assert.deepEqual(a.members(), ['a#1:*', 'b#2:connecting', 'c#3:connecting']);
  for (const l of [...a.links, ...b.links, ...c.links]) l.condition('connected');
  assert.deepEqual(b.members(), ['a#1:connected', 'b#2:*', 'c#3:connected']);
  // Every link carries this tab's microphone and camera, opened once.
  assert.equal(c.devices.userMediaCalls, 1);
  for (const l of c.links) assert.ok(l.tracks.audio && l.tracks.video);
  // Someone not in the call sees it on, with its seats left.
  const summary = watcher.state.store.state.roomCalls.lobby!;
  assert.deepEqual(
    summary.members.map((m) => m.seat),
    [1, 2, 3],
  );
  assert.deepEqual(summary.free, { video: 1, total: 5 });
  assert.equal(watcher.view, null);
});

test('two people joining at the same instant: the backend orders them, exactly one offers', async () => {
  const w = new World();
  const [a, b] = [w.tab('a'), w.tab('b')];
  await Promise.all([a.group.join('lobby'), b.group.join('lobby')]);
  await w.drain();
  assert.equal(offers(a) + offers(b), 1);
  assert.equal(answers(a) + answers(b), 1);
  assert.equal(a.members().length, 2);
  assert.equal(b.members().length, 2);
});

test('a full call says so: video seats full offers audio only; no seat at all is full', async () => {
  const w = new World({ video: 2, total: 3 });
  const [a, b, c, d] = [w.tab('a'), w.tab('b'), w.tab('c'), w.tab('d')];
  await a.group.join('lobby');
  await b.group.join('lobby');
  await c.group.join('lobby');
  const error = c.state.store.state.error;
  assert.deepEqual(error, { code: 'call_full_video', scope: 'call', message: texts.ui.group.fullVideo });
  assert.equal(c.view, null);
  assert.equal(c.devices.live().length, 0, 'the devices opened for the join are closed again');
  await c.group.join('lobby', { audio: true, video: false });
  await w.drain();
  assert.equal(c.members().length, 3);
  await d.group.join('lobby', { audio: true, video: false });
  assert.equal(d.state.store.state.error?.code, 'call_full');
  assert.equal(d.state.store.state.error?.message, texts.ui.group.full);
});

test('leaving: the seat goes, links and devices close, the others carry on; the last one out ends it', async () => {
  const w = new World();
  const [a, b, c] = [w.tab('a'), w.tab('b'), w.tab('c')];
  for (const t of [a, b, c]) await t.group.join('lobby');
  await w.drain();
  await b.group.leave();
  assert.equal(b.view, null);
  assert.ok(b.links.every((l) => l.closed));
  assert.equal(b.devices.live().length, 0);
  assert.deepEqual(a.members(), ['a#1:*', 'c#3:connecting']);
  assert.ok(a.links[0]!.closed, "a's link to b is closed");
  assert.ok(!a.links[1]!.closed, "a's link to c stays");
  await a.group.leave();
  await c.group.leave();
  assert.equal(w.latest, null);
  assert.deepEqual(a.state.store.state.roomCalls, {});
});

test('joining is refused in a personal room, during a 1:1 call, and a 1:1 invite gets busy during a group call', async () => {
  const w = new World();
  const a = w.tab('a');
  await a.group.join(PERSONAL.id);
  assert.equal(a.state.store.state.error?.code, 'group_calls_not_allowed');
  a.oneToOne = true;
  await a.group.join('lobby');
  assert.equal(a.state.store.state.error?.message, texts.ui.group.inOneToOne);
  assert.equal(a.view, null);
  const invite = { type: 'invite' as const, callId: 'x'.repeat(16), sid: 'b-tab', media: { audio: true, video: true } };
  assert.equal(routeInbox('a', 'a-tab', null, 'b', invite, true).action, 'busy');
  assert.equal(routeInbox('a', 'a-tab', null, 'b', invite, false).action, 'invite');
});

test('the seat taken by another tab of the same person ends the call here, and says why', async () => {
  const w = new World();
  const [a, b] = [w.tab('a'), w.tab('b')];
  const a2 = w.tab('a', 'a-other-tab');
  await a.group.join('lobby');
  await b.group.join('lobby');
  await w.drain();
  await a2.group.join('lobby');
  await w.drain();
  assert.equal(a.view, null);
  assert.equal(a.state.store.state.error?.message, texts.ui.group.joinedElsewhere);
  assert.ok(a.links.every((l) => l.closed));
  assert.deepEqual(b.members(), ['b#2:*', 'a#3:connecting']);
});

test("this tab's network lost past the lost-seat rule: back online, it joins again and everyone links to the new seat", async () => {
  const w = new World();
  const [a, b, c] = [w.tab('a'), w.tab('b'), w.tab('c')];
  for (const t of [a, b, c]) await t.group.join('lobby');
  await w.drain();
  for (const l of [...a.links, ...b.links, ...c.links]) l.condition('connected');
  // c's network goes: its broker connection is gone, its seat ends after the rule's 15 s.
  c.setOnline(false);
  w.seats.disconnected('c-tab');
  for (const l of c.links) l.condition('interrupted');
  await w.clock.advance(SEAT_LOST_AFTER_MS);
  assert.deepEqual(a.members(), ['a#1:*', 'b#2:connected'], 'the others carry on without c');
  // Back: the retained roster (without c) arrives after the resubscription.
  const changesBefore = c.state.events.length;
  c.setOnline(true);
  c.group.signalingBack();
  c.group.onRoomCall('lobby', w.latest);
  await w.drain();
  assert.deepEqual(a.members(), ['a#1:*', 'b#2:connected', 'c#4:connecting']);
  assert.deepEqual(c.members(), ['a#1:connecting', 'b#2:connecting', 'c#4:*']);
  assert.equal(c.devices.userMediaCalls, 1, 'the rejoin keeps the devices');
  const shown = c.state.events.slice(changesBefore).filter((e) => e.type === 'change');
  assert.ok(
    shown.every((e) => (e.detail as { groupCall: unknown }).groupCall !== null),
    'the call stays shown while it rejoins',
  );
  assert.equal(c.state.store.state.error, null);
});

test('every link lost while the signalling stayed up (a cut within the broker keep-alive): this tab joins again', async () => {
  const w = new World();
  const [a, b, c] = [w.tab('a'), w.tab('b'), w.tab('c')];
  for (const t of [a, b, c]) await t.group.join('lobby');
  await w.drain();
  for (const l of [...a.links, ...b.links, ...c.links]) l.condition('connected');
  // c's packets stop both ways; every socket, its broker connection too, stays open.
  for (const l of [...c.links, a.links[1]!, b.links[1]!]) l.condition('interrupted');
  await settle(); // each watch asks its link when the last packet came
  await w.clock.advance(LOST_LINK_LIMITS.lossLimitMs);
  await w.drain();
  assert.deepEqual(c.members(), ['a#1:connecting', 'b#2:connecting', 'c#4:*'], 'c took a new seat, with fresh links');
  assert.deepEqual(a.members(), ['a#1:*', 'b#2:connected', 'c#4:connecting']);
  assert.equal(a.links[0]!.closed, false, 'a–b untouched');
  assert.equal(c.state.store.state.error, null);
  // A link lost that never connected says nothing of our own network: no second rejoin.
  for (const l of c.links.slice(2)) l.condition('failed');
  await w.drain();
  assert.deepEqual(c.members(), ['a#1:lost', 'b#2:lost', 'c#4:*']);
});

/** a and b in the lobby's call, linked; then b's network goes (its broker connection lost). */
async function bCutOff() {
  const w = new World();
  const [a, b] = [w.tab('a'), w.tab('b')];
  await a.group.join('lobby');
  await b.group.join('lobby');
  await w.drain();
  for (const l of [...a.links, ...b.links]) l.condition('connected');
  b.setOnline(false);
  w.seats.disconnected('b-tab');
  return { w, a, b };
}

test('a short loss of signalling keeps the seat and the links (a token renewal, a quick reconnect)', async () => {
  const { w, b } = await bCutOff();
  await w.clock.advance(3_000);
  b.setOnline(true);
  w.seats.reconnected('b-tab');
  b.group.signalingBack();
  b.group.onRoomCall('lobby', w.latest);
  await w.clock.advance(SEAT_LOST_AFTER_MS);
  assert.deepEqual(b.members(), ['a#1:connected', 'b#2:*']);
  assert.equal(b.links.length, 1, 'no new link');
});

test('the media controls act on every link: mute takes the microphone off, camera off, screen sharing', async () => {
  const w = new World();
  const [a, b, c] = [w.tab('a'), w.tab('b'), w.tab('c')];
  for (const t of [a, b, c]) await t.group.join('lobby');
  await w.drain();
  const call = c.group.call!;
  c.group.media.setMicrophone(call, false);
  await settle();
  assert.ok(c.links.every((l) => l.tracks.audio === null));
  await w.drain();
  assert.equal(a.view!.members.find((m) => m.name === 'c')!.media.audio, false, 'the others hear of it');
  await c.group.media.setCamera(call, false);
  assert.ok(c.links.every((l) => l.tracks.video === null));
  await c.group.media.startScreenShare(call);
  await w.drain();
  assert.ok(c.links.every((l) => l.tracks.video !== null));
  assert.equal(a.view!.sharing, 3);
  assert.equal(c.view!.sharing, 3);
});

test('ringing someone of the room: they see the invitation until they join, dismiss it, or it goes', async () => {
  const w = new World();
  const [a, b] = [w.tab('a'), w.tab('b')];
  await a.group.join('lobby');
  await w.drain();
  a.state.store.update({ roomPeers: { lobby: [b.user.id] } });
  await a.group.ring(b.user.id);
  await w.drain();
  const ring = b.state.store.state.groupRing;
  assert.equal(ring?.roomId, 'lobby');
  assert.equal(ring?.from.name, 'a');
  await w.clock.advance(GROUP_RING_MS);
  assert.equal(b.state.store.state.groupRing, null);
  await a.group.ring(b.user.id);
  await w.drain();
  await b.group.join('lobby');
  assert.equal(b.state.store.state.groupRing, null, 'joining takes the invitation');
  await a.group.ring('nobody'.repeat(4).slice(0, 22));
  assert.equal(a.state.store.state.error?.message, texts.ui.group.notInRoom);
});

test('room chat: sent with the broker’s acknowledgement, shown once when it comes back, others see the name', async () => {
  const w = new World();
  const [a, b] = [w.tab('a'), w.tab('b')];
  await a.chat.send('lobby', 'hello room');
  const [sent] = a.outbox.roomChats;
  assert.equal(sent?.roomId, 'lobby');
  for (const t of [a, b]) t.chat.receive('lobby', a.user.id, sent!.message);
  assert.deepEqual(
    a.state.store.state.roomChats.lobby!.map((c) => [c.text, c.fromMe, c.delivery]),
    [['hello room', true, 'sent']],
  );
  assert.deepEqual(
    b.state.store.state.roomChats.lobby!.map((c) => [c.text, c.fromMe, c.name]),
    [['hello room', false, 'a']],
  );
  await a.chat.send(PERSONAL.id, 'no');
  assert.equal(a.state.store.state.error?.code, 'room_not_found');
});

test('the room for turning a 1:1 call into a group call: the one shown if all are online there, else the first that fits', () => {
  const team: Room = { id: 'team', name: 'Team', kind: 'group' };
  const rooms = [LOBBY, team, PERSONAL];
  const roomPeers = { lobby: ['b'], team: ['b', 'c'], [PERSONAL.id]: ['b', 'c'] };
  assert.equal(sharedCallRoom({ rooms, roomPeers, room: 'lobby' }, ['b', 'c']), 'team');
  assert.equal(sharedCallRoom({ rooms, roomPeers, room: 'team' }, ['b']), 'team');
  assert.equal(sharedCallRoom({ rooms, roomPeers, room: null }, ['b']), 'lobby');
  assert.equal(sharedCallRoom({ rooms: [LOBBY, PERSONAL], roomPeers, room: null }, ['b', 'c']), null, 'never a personal room');
});

test('adding someone to a 1:1 call: both join the room call, the added one is rung, the 1:1 call ends once linked', async () => {
  const w = new World();
  const [a, b, c] = [w.tab('a'), w.tab('b'), w.tab('c')];
  [a.oneToOne, a.oneToOnePeer] = [true, b.user.id];
  [b.oneToOne, b.oneToOnePeer] = [true, a.user.id];
  a.state.store.update({ roomPeers: { lobby: [b.user.id, c.user.id] } });
  await a.group.convert(c.user.id);
  await w.drain();
  assert.equal(a.state.store.state.error, null);
  assert.deepEqual(b.members(), ['a#1:connecting', 'b#2:*'], 'b joined at once, without a ring');
  assert.equal(b.state.store.state.groupRing, null);
  assert.equal(c.state.store.state.groupRing?.from.id, a.user.id, 'c is rung');
  assert.equal(a.oneToOneEnded + b.oneToOneEnded, 0, 'make before break: the 1:1 call stays until the group link plays');
  for (const l of [...a.links, ...b.links]) l.condition('connected');
  assert.deepEqual([a.oneToOneEnded, b.oneToOneEnded], [1, 1]);
  await c.group.join('lobby');
  await w.drain();
  assert.deepEqual(c.members(), ['a#1:connecting', 'b#2:connecting', 'c#3:*']);
});

test('an audio-only member gets the camera only while a video seat is free', async () => {
  const w = new World({ video: 1, total: 3 });
  const [a, b] = [w.tab('a'), w.tab('b')];
  await a.group.join('lobby');
  await b.group.join('lobby', { audio: true, video: false });
  await w.drain();
  await b.group.setCamera(b.group.call!, true);
  assert.equal(b.state.store.state.error?.code, 'call_full_video');
  assert.equal(b.state.store.state.error?.message, texts.ui.group.noVideoSeat);
  assert.ok(b.links.every((l) => l.tracks.video === null));
  await a.group.leave();
  await b.group.setCamera(b.group.call!, true);
  assert.equal(b.view!.members.find((m) => m.me)!.media.video, true);
});

test('a new subscription forgets the calls known before: the retained ones come again, an ended one does not', async () => {
  const w = new World();
  const [a, b] = [w.tab('a'), w.tab('b')];
  await a.group.join('lobby');
  assert.ok(b.state.store.state.roomCalls.lobby);
  b.group.resubscribed();
  assert.deepEqual(b.state.store.state.roomCalls, {});
  b.group.onRoomCall('lobby', w.latest);
  assert.equal(b.state.store.state.roomCalls.lobby?.members.length, 1);
  // The call this tab is in carries on through it.
  a.group.resubscribed();
  assert.equal(a.members().length, 1);
});

test('the active speaker from the audio levels, mine included; every link limits its video by the size of the call', async () => {
  const w = new World();
  const [a, b, c] = [w.tab('a'), w.tab('b'), w.tab('c')];
  for (const t of [a, b, c]) await t.group.join('lobby');
  await w.drain();
  for (const l of [...a.links, ...b.links, ...c.links]) l.condition('connected');
  const speaking = (t: Tab) => t.view!.members.filter((m) => m.speaking).map((m) => m.name);
  a.links[0]!.level = 0.3; // b, as a hears them
  await w.clock.advance(SPEAKER_SAMPLE_MS);
  assert.deepEqual(speaking(a), ['b']);
  a.links[0]!.level = 0;
  c.micLevel = 0.9; // c speaks: c's own tile lights up at c
  await w.clock.advance(SPEAKER_SAMPLE_MS * 10);
  assert.deepEqual(speaking(a), []);
  assert.deepEqual(speaking(c), ['c']);
  for (const l of a.links) assert.deepEqual(l.videoLimit, groupVideoLimit(3));
  await c.group.leave();
  await w.drain();
  assert.deepEqual(a.links[0]!.videoLimit, groupVideoLimit(2), 'more for each link as the call shrinks');
});

test('signed out while the join was getting ready: nothing is joined, no device opened', async () => {
  const w = new World();
  const a = w.tab('a');
  const joining = a.group.join('lobby');
  a.state.store.reset(null);
  a.group.clear();
  await joining;
  await w.drain();
  assert.equal(a.group.call, null);
  assert.equal(a.devices.userMediaCalls, 0);
  assert.equal(w.latest, null, 'no seat taken');
});

test('a rejoin at once after a resubscription: the retained roster from before it, coming late, changes nothing', async () => {
  const { w, b } = await bCutOff();
  for (const l of b.links) l.condition('closed');
  await w.clock.advance(SEAT_LOST_AFTER_MS);
  const retained = w.latest; // a alone: what b's new subscription gets, late
  b.setOnline(true);
  b.group.resubscribed();
  b.group.signalingBack(); // its links were given up: it joins again at once
  await w.drain();
  assert.deepEqual(b.members(), ['a#1:connecting', 'b#3:*']);
  b.group.onRoomCall('lobby', retained);
  assert.deepEqual(b.members(), ['a#1:connecting', 'b#3:*'], 'not ended, links kept');
  assert.equal(b.state.store.state.error, null);
  assert.equal(b.links.at(-1)!.closed, false);
  // Later, a roster without the seat is real again (here: the backend ended it).
  await w.clock.advance(6_000);
  b.group.onRoomCall('lobby', retained);
  assert.equal(b.view, null);
});
