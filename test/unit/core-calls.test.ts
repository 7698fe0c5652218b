/**
 * The calls of a tab (src/core/call/*) in node: real Calls, routing and state machines, with a
 * fake broker that lets each test play the rare orders of events — glare at every interleaving,
 * two callee tabs accepting within 1 ms, a presence flap, a lost link during an ICE restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCEPT_SETTLE_MS } from '../../src/core/call/callee-tabs.js';
import { PEER_LEFT_GRACE_MS } from '../../src/core/call/calls.js';
import { QUALITY_POLL_MS } from '../../src/core/call/quality.js';
import { readQualitySample } from '../../src/core/link-quality.js';
import { LOST_LINK_LIMITS } from '../../src/core/timing.js';
import { settle } from './support/engine-fakes.js';
import { World, type Tab } from './support/engine-world.js';

const ALICE = { id: 'alice', name: 'Alice' };
const BOB = { id: 'bob', name: 'Bob' };

/** Alice calls Bob and Bob accepts; both links report media flowing. */
async function connectedCall(world: World, a: Tab, b: Tab) {
  void a.calls.place(BOB.id, { video: true });
  await world.drain();
  assert.equal(b.phase, 'ringing');
  void b.calls.accept();
  await world.drain();
  a.link.condition('connected');
  b.link.condition('connected');
  await settle();
  assert.equal(a.phase, 'connected');
  assert.equal(b.phase, 'connected');
}

test('a call: invite, ringing, offer prepared while ringing, accept, answer, connected, hang up', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  void a.calls.place(BOB.id, {});
  await world.drain();
  assert.deepEqual(b.link.log, ['applyOffer offer-sdp', 'prepareAnswer', 'candidate'], 'the answer is ready while it rings');
  assert.equal(b.devices.userMediaCalls, 0, 'no device opens before the accept');
  assert.equal(a.outbox.types().filter((t) => t === 'media-state').length, 0, 'nothing about media before the accept');
  void b.calls.accept();
  await world.drain();
  assert.ok(a.link.log.includes('acceptAnswer answer-from-b1'));
  assert.equal(b.devices.userMediaCalls, 1);
  a.link.condition('connected');
  b.link.condition('connected');
  await settle();
  assert.equal(a.state.store.state.call?.phase, 'connected');
  b.calls.hangup();
  await world.drain();
  assert.equal(a.phase, 'ended');
  assert.equal(a.call?.machine.snapshot.endReason, 'remote-hangup');
  assert.deepEqual([...a.devices.live(), ...b.devices.live()], [], 'every device is closed');
  assert.equal(a.link.closed && b.link.closed, true);
});

type Step = 'placeA' | 'placeB' | 'deliverA' | 'deliverB';

/** Plays one schedule of glare: both call each other, messages delivered in the given order, then everything. */
async function playGlare(schedule: Step[]) {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  for (const step of schedule) {
    if (step === 'placeA') void a.calls.place(BOB.id, {});
    else if (step === 'placeB') void b.calls.place(ALICE.id, {});
    else await world.deliverFrom(step === 'deliverA' ? a : b);
    await settle();
  }
  await world.drain();
  await world.clock.advance(ACCEPT_SETTLE_MS);
  await world.drain();
  return { world, a, b };
}

/** Every schedule of the first `depth` steps in which both place a call. */
function* schedules(depth: number, prefix: Step[] = [], queued = { a: 0, b: 0 }): Generator<Step[]> {
  const placedA = prefix.includes('placeA');
  const placedB = prefix.includes('placeB');
  if (prefix.length === depth || (placedA && placedB && prefix.length >= 2 && queued.a + queued.b === 0)) {
    if (placedA && placedB) yield prefix;
    return;
  }
  if (!placedA) yield* schedules(depth, [...prefix, 'placeA'], { ...queued, a: queued.a + 3 });
  if (!placedB) yield* schedules(depth, [...prefix, 'placeB'], { ...queued, b: queued.b + 3 });
  // A placed call publishes invite, offer and a candidate; a delivery may also produce replies (not counted).
  if (queued.a > 0) yield* schedules(depth, [...prefix, 'deliverA'], { ...queued, a: queued.a - 1 });
  if (queued.b > 0) yield* schedules(depth, [...prefix, 'deliverB'], { ...queued, b: queued.b - 1 });
}

test('glare at every interleaving: exactly one call survives, on both sides, with the devices opened once', async () => {
  let played = 0;
  for (const schedule of schedules(8)) {
    const { a, b } = await playGlare(schedule);
    const where = schedule.join(' ');
    assert.ok(a.call && b.call, where);
    assert.equal(a.call.callId, b.call.callId, `one call id on both sides: ${where}`);
    assert.equal(a.phase, 'connecting', `Alice answered or was answered: ${where}`);
    assert.equal(b.phase, 'connecting', `Bob answered or was answered: ${where}`);
    const caller = a.call.direction === 'outgoing' ? a : b;
    const callee = caller === a ? b : a;
    assert.equal(callee.call!.direction, 'incoming', where);
    assert.deepEqual(
      caller.link.log.filter((l) => l.startsWith('acceptAnswer')),
      [`acceptAnswer answer-from-${callee.sid}`],
      `the caller applied the callee's answer once: ${where}`,
    );
    for (const t of [a, b]) {
      assert.ok(t.devices.userMediaCalls <= 1, `${t.sid} opened its devices at most once: ${where}`);
      const inCall = [t.call!.mic, t.call!.camera];
      for (const live of t.devices.live()) assert.ok(inCall.includes(live as never), `${t.sid} leaks no device: ${where}`);
      assert.equal(t.links.filter((l) => !l.closed).length, 1, `${t.sid} keeps one open link: ${where}`);
    }
    caller.link.condition('connected');
    callee.link.condition('connected');
    await settle();
    assert.equal(a.phase, 'connected', where);
    assert.equal(b.phase, 'connected', where);
    played++;
  }
  assert.ok(played >= 50, `played ${played} schedules`);
});

type TabStep = 'b1' | 'b2' | 'a';

/** Every order of delivering up to `n` messages from Alice's tab and Bob's two tabs. */
function* deliveryOrders(n: number, prefix: TabStep[] = []): Generator<TabStep[]> {
  if (prefix.length === n) return yield prefix;
  for (const s of ['b1', 'b2', 'a'] as const) yield* deliveryOrders(n, [...prefix, s]);
}

test('two callee tabs accept within 1 ms: the smaller sid wins everywhere, in every delivery order', async () => {
  let played = 0;
  for (const order of deliveryOrders(6)) {
    const world = new World();
    const a = world.tab(ALICE, 'a1');
    const b1 = world.tab(BOB, 'b1');
    const b2 = world.tab(BOB, 'b2');
    void a.calls.place(BOB.id, {});
    await world.drain();
    assert.equal(b1.phase, 'ringing');
    assert.equal(b2.phase, 'ringing');
    // The larger sid clicks first; the other 1 ms later, before anything of the first reached it.
    void b2.calls.accept();
    await world.clock.advance(1);
    void b1.calls.accept();
    await settle();
    const byName = { a, b1, b2 };
    for (const from of order) await world.deliverFrom(byName[from]);
    await world.drain();
    await world.clock.advance(ACCEPT_SETTLE_MS);
    await world.drain();
    const where = order.join(' ');
    assert.equal(b1.phase, 'connecting', `b1 won: ${where}`);
    assert.equal(b2.phase, 'ended', `b2 lost: ${where}`);
    assert.equal(b2.call!.machine.snapshot.endReason, 'answered-elsewhere', where);
    assert.equal(a.call!.peerSid, 'b1', `the caller follows the winner: ${where}`);
    assert.deepEqual(
      a.link.log.filter((l) => l.startsWith('acceptAnswer')),
      ['acceptAnswer answer-from-b1'],
      `one answer, the winner's: ${where}`,
    );
    assert.deepEqual(b2.devices.live(), [], `the losing tab closed its devices: ${where}`);
    played++;
  }
  assert.equal(played, 3 ** 6);
});

test('a busy tab does not refuse the call while another tab of the callee rings', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b1 = world.tab(BOB, 'b1');
  const b2 = world.tab(BOB, 'b2');
  const carol = world.tab({ id: 'carol', name: 'Carol' }, 'c1');
  await connectedCall(world, carol, b1); // Carol calls Bob first: b1 takes it, b2 stops ringing
  assert.equal(b1.phase, 'connected');
  void a.calls.place(BOB.id, {});
  await world.drain();
  assert.equal(a.phase, 'ringing', 'b1 said busy, but b2 still rings');
  assert.equal(b2.phase, 'ringing');
  b2.calls.decline();
  await world.drain();
  assert.equal(a.call!.machine.snapshot.endReason, 'declined');
});

test('a presence flap: a call not yet connected survives a short absence, and ends after the grace', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  world.tab(BOB, 'b1');
  void a.calls.place(BOB.id, {});
  await world.drain();
  world.setOnline(BOB.id, false);
  a.calls.peerGone(BOB.id);
  await world.clock.advance(PEER_LEFT_GRACE_MS - 1);
  world.setOnline(BOB.id, true);
  a.calls.peerHere(BOB.id, true);
  await world.clock.advance(PEER_LEFT_GRACE_MS);
  assert.equal(a.phase, 'ringing', 'back within the grace: still ringing');

  world.setOnline(BOB.id, false);
  a.calls.peerGone(BOB.id);
  await world.clock.advance(PEER_LEFT_GRACE_MS);
  assert.equal(a.phase, 'ended');
  assert.equal(a.call!.machine.snapshot.endReason, 'peer-left');
});

test('a presence flap during a connected call changes nothing, and the return restarts ICE', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  await connectedCall(world, a, b);
  world.setOnline(BOB.id, false);
  a.calls.peerGone(BOB.id);
  await world.clock.advance(PEER_LEFT_GRACE_MS * 3);
  assert.equal(a.phase, 'connected', 'presence proves nothing once media flows');
  world.setOnline(BOB.id, true);
  a.calls.peerHere(BOB.id, true);
  assert.equal(a.link.restarts, 1, 'their signalling is back: ICE restarts again');
  a.calls.peerHere(BOB.id, false);
  assert.equal(a.link.restarts, 1, 'a presence update of someone already here restarts nothing');
});

test('a link lost during an ICE restart: shown as interrupted, recovered when packets flow again', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  await connectedCall(world, a, b);
  const lostAt = world.clock.now();
  a.link.silence = () => world.clock.now() - lostAt + 2_000;
  a.link.condition('interrupted');
  await settle();
  assert.equal(a.state.store.state.call?.interrupted, true);
  a.calls.signalingBack();
  assert.equal(a.link.restarts, 1, 'signalling back: the restart offer goes again');
  await world.clock.advance(5_000);
  assert.equal(a.phase, 'connected', 'still within the loss limit');
  // The restart went through: packets flow before the browser says so.
  a.link.silence = 100;
  await world.clock.advance(LOST_LINK_LIMITS.watchMs);
  assert.equal(a.state.store.state.call?.interrupted, undefined, 'no longer shown as interrupted');
  a.link.condition('connected');
  await world.clock.advance(LOST_LINK_LIMITS.lossLimitMs * 2);
  assert.equal(a.phase, 'connected');
  assert.equal(a.call!.timers.has('recovery'), false, 'the watch has stopped');
});

test('a link lost for good ends the call at the loss limit, with the reason', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  await connectedCall(world, a, b);
  const lostAt = world.clock.now();
  a.link.silence = () => world.clock.now() - lostAt;
  a.link.condition('interrupted');
  await world.clock.advance(LOST_LINK_LIMITS.lossLimitMs - 1_000);
  assert.equal(a.phase, 'connected');
  await world.clock.advance(1_000);
  assert.equal(a.phase, 'ended');
  assert.match(a.call!.machine.snapshot.message, /connection to .*Bob.* was lost/);
  assert.equal(b.outbox.sent.length > 0 && a.outbox.types().at(-1), 'hangup', 'the other side is told');
});

test('a camera that cannot be put on the link changes nothing the visitor sees, and says why', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  // Bob keeps video off: he answers with his microphone only.
  const b = world.tab(BOB, 'b1', { video: false });
  await connectedCall(world, a, b);
  const before = b.state.store.state.call!.local;
  assert.equal(before.video, false);
  const sentBefore = b.outbox.sent.length;
  b.link.failSetTrack = true;
  await b.calls.media.setCamera(b.call, true);
  assert.deepEqual(b.state.store.state.call!.local, before, 'local state unchanged');
  assert.equal(b.state.store.state.error?.scope, 'media');
  assert.deepEqual(
    b.devices.live().filter((t) => t.kind === 'video'),
    [],
    'the camera opened for it is closed again',
  );
  assert.equal(b.outbox.sent.length, sentBefore, 'the peer is told nothing');
  b.link.failSetTrack = false;
  await b.calls.media.setCamera(b.call, true);
  assert.equal(b.state.store.state.call!.local.video, true);
  assert.equal(b.state.store.state.error, null, 'the next success clears the error');
  assert.equal(b.outbox.types().at(-1), 'media-state');
});

test('screen sharing ended by the browser puts the camera back and tells the peer', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  await connectedCall(world, a, b);
  const camera = a.call!.camera;
  await a.calls.media.startScreenShare(a.call);
  assert.equal(a.state.store.state.call!.local.screen, true);
  assert.notEqual(a.link.tracks.video, camera);
  (a.call!.screen as unknown as { end(): void }).end();
  await settle();
  assert.equal(a.state.store.state.call!.local.screen, false);
  assert.equal(a.link.tracks.video, camera);
  await world.drain();
  assert.equal(b.call!.remote.screen, false);
});

test('connection quality: polled every QUALITY_POLL_MS from the connect, shown in the call view, stopped by the end', async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  let reads = 0;
  const report = (at: number, received: number, lost: number) =>
    readQualitySample([
      { id: 'p', type: 'candidate-pair', selected: true, timestamp: at, currentRoundTripTime: 0.02 },
      { id: 'i', type: 'inbound-rtp', timestamp: at, packetsReceived: received, packetsLost: lost, jitter: 0.001 },
    ]);
  const samples = [report(1000, 100, 0), report(3000, 200, 0), report(5000, 250, 50)];
  const quality = () => a.state.store.state.call?.quality;
  await connectedCall(world, a, b);
  a.link.qualitySample = async () => samples[Math.min(reads++, samples.length - 1)]!;
  assert.equal(quality(), undefined, 'nothing shown before the first reading');
  // The link was swapped in after the connect: the first poll read the fake's empty answer (null).
  await world.clock.advance(QUALITY_POLL_MS);
  await settle();
  assert.deepEqual(quality()?.local, { bars: 4, rttMs: 20, lossPct: null, jitterMs: 1, bitrateKbps: null });
  await world.clock.advance(QUALITY_POLL_MS);
  await settle();
  assert.equal(quality()?.local.lossPct, 0);
  await world.clock.advance(QUALITY_POLL_MS);
  await settle();
  assert.equal(quality()?.local.lossPct, 50);
  assert.equal(quality()?.poor, 'local');
  // The link lost: the last figures are stale, the interruption is shown instead.
  a.link.silence = 2_000;
  a.link.condition('interrupted');
  await settle();
  assert.equal(a.state.store.state.call?.interrupted, true);
  assert.equal(quality(), undefined, 'no bars while interrupted');
  a.link.silence = 100;
  a.link.condition('connected');
  await world.clock.advance(QUALITY_POLL_MS);
  await settle();
  // Shown again; the fake's counters did not move, and an interval without packets says nothing about loss.
  assert.deepEqual([quality()?.local.bars, quality()?.local.lossPct], [4, null]);
  a.calls.hangup();
  await world.drain();
  const readsAtEnd = reads;
  await world.clock.advance(QUALITY_POLL_MS * 3);
  await settle();
  assert.equal(reads, readsAtEnd, 'no reading after the end');
  assert.equal(quality(), undefined, 'an ended call shows no bars');
});

test("do-not-disturb: the backend's busy refusal with dnd ends the call at once, however many tabs the callee has", async () => {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b1 = world.tab(BOB, 'b1');
  world.tab(BOB, 'b2');
  void a.calls.place(BOB.id, {});
  // The backend holds the invite back and answers for Bob (PROTOCOL.md §7); Bob's tabs never see it.
  const callId = a.call!.callId;
  a.receive(BOB.id, { type: 'reject', callId, sid: b1.sid, reason: 'busy', dnd: true });
  await settle();
  assert.equal(a.phase, 'ended');
  assert.equal(a.call!.machine.snapshot.endReason, 'busy');
  assert.equal(a.call!.machine.snapshot.message, 'Bob is busy — do not disturb'.replace('Bob', '\u2068Bob\u2069'));
});

/** Alice in a connected call with Bob, one tab each. */
async function inACall() {
  const world = new World();
  const a = world.tab(ALICE, 'a1');
  const b = world.tab(BOB, 'b1');
  await connectedCall(world, a, b);
  return { world, a, b };
}

/** What `tab` sent of `type`, as sent (with its `link`, if any). */
const sentOf = (tab: Tab, type: string) =>
  tab.outbox.sent.map((s) => s.message as { type: string; link?: number; dtls?: boolean }).filter((m) => m.type === type);

test("the callee's DTLS fails: it tells the caller, who makes a new link; the old one goes only once the new one is up", async () => {
  const { world, a, b } = await inACall();
  const [callerFirst, calleeFirst] = [a.link, b.link];

  // Firefox fails the callee's DTLS during a network cut, while the caller's side still looks connected.
  calleeFirst.condition('broken');
  await settle();
  assert.deepEqual(sentOf(b, 'link-failed'), [{ type: 'link-failed', callId: b.call!.callId, sid: 'b1', dtls: true }]);
  await world.drain();
  assert.equal(a.links.length, 2, 'the caller made a new link');
  assert.deepEqual(sentOf(a, 'offer').at(-1)?.link, 1, 'its offer names link 1');
  assert.equal(callerFirst.closed, false, 'the failed link stays until the new one is up: closing it would hang up the callee');
  assert.equal(b.links.length, 2, 'the callee took the new link');
  assert.equal(calleeFirst.closed, true);
  assert.ok(b.link.log.includes('handleOffer offer-sdp'));
  for (const t of [a, b]) assert.equal(t.call!.linkGeneration, 1);

  a.link.condition('connected');
  b.link.condition('connected');
  await settle();
  assert.equal(callerFirst.closed, true);
  assert.equal(a.phase, 'connected');
  assert.equal(b.phase, 'connected');
  assert.equal(b.call!.interrupted, false);
  // What the old links still say is no longer the call's: their close does not end it.
  calleeFirst.condition('closed');
  callerFirst.condition('closed');
  await settle();
  assert.equal(a.phase, 'connected');
  assert.equal(b.phase, 'connected');
});

test("the callee's link failed without its DTLS: the caller restarts ICE even though its side looks connected; stale requests change nothing", async () => {
  const { world, a, b } = await inACall();
  const callId = a.call!.callId;
  b.link.silence = 500;
  b.link.condition('interrupted');
  b.link.connectionState = 'failed';
  await settle();
  await world.drain();
  assert.equal(a.link.forcedRestarts, 1);
  assert.equal(a.links.length, 1, 'no new link: ICE restarts revive it');
  // While it lasts the callee asks again, every RESTART_RETRY_MS (at the lost-link watch's next look).
  await world.clock.advance(3_000 + LOST_LINK_LIMITS.watchMs);
  await world.drain();
  assert.equal(a.link.forcedRestarts, 2);
  // A request about a link already replaced is late news.
  a.receive(BOB.id, { type: 'link-failed', callId, sid: 'b1', dtls: true, link: 5 } as never);
  await settle();
  assert.equal(a.links.length, 1);
});

test('a new link still cut off does not end the call: the caller tries another, and the loss limit still ends it', async () => {
  const { world, a } = await inACall();
  const lostAt = world.clock.now();
  a.link.silence = () => world.clock.now() - lostAt;
  a.link.condition('broken');
  await settle();
  assert.equal(a.links.length, 2, "the caller's own DTLS failed: a new link at once");
  // The new link has no statistics, and fails too: the network is still down.
  a.link.condition('failed');
  await world.clock.advance(3_000);
  assert.equal(a.phase, 'connected');
  assert.equal(a.links.length, 3, 'another new link after RESTART_RETRY_MS');
  assert.equal(a.call!.linkGeneration, 2);
  a.link.condition('failed');
  await world.clock.advance(LOST_LINK_LIMITS.lossLimitMs - 3_000);
  assert.equal(a.phase, 'ended', 'no packet since the cut for the loss limit: the call is over');
  assert.match(a.call!.machine.snapshot.message, /connection to .*Bob.* was lost/);
});
