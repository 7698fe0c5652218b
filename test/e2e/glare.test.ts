/**
 * Glare through the widget's UI, in Chromium↔Chromium and Chromium↔Firefox
 * ESR: both people click "call" on each other at (nearly) the same moment,
 * the clicks fired together from here with a few offsets. Whatever the
 * offset, exactly one call results on both sides, with no error and no
 * "ended" flash: either both invites crossed and one side silently yields to
 * the other's call (the call ids decide, the same way on both sides), or the
 * first invite arrived before the second click, which then met the
 * incoming-call dialog over the page, and that person answers there. The
 * call connects with video playing and media flowing both ways, hangs up, and
 * the same people start the next round (and finally a plain call) afterwards.
 */
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import type { Page } from 'puppeteer-core';
import { expectMediaArriving, expectNoConnection } from './support/media-checks.js';
import { recordedEvents, rtcSnapshot, waitForEvent, type HookedWindow } from './support/page-hooks.js';
import { connectCall, type Person } from './support/person.js';
import { describeEachPair } from './support/suite.js';

/** Who clicks first, and how long after the first click the other one clicks. */
const ROUNDS: ReadonlyArray<{ first: 'alice' | 'bob'; offsetMs: number }> = [
  { first: 'alice', offsetMs: 0 },
  { first: 'bob', offsetMs: 20 },
  { first: 'alice', offsetMs: 60 },
  { first: 'bob', offsetMs: 150 },
];

interface CallEvent {
  callId: string;
  direction: 'outgoing' | 'incoming';
  phase: string;
  endReason?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Finds the video call button in `other`'s row and returns a trigger that
 * clicks it with real mouse input, so the click itself is all that is left
 * to do at the chosen moment. The page records when the mouse button came
 * up: the click goes to whatever is on screen at that instant.
 */
async function armCallButton(person: Person, other: Person): Promise<() => Promise<void>> {
  const row = await person.peer(other.name);
  const button = await person.part('video-call', { within: row });
  await button.scrollIntoView();
  const point = await button.clickablePoint();
  await person.page.evaluate(() => {
    const w = window as unknown as { __glareClickAt?: number };
    delete w.__glareClickAt;
    document.addEventListener('mouseup', () => (w.__glareClickAt ??= Date.now()), { capture: true, once: true });
  });
  return () => person.page.mouse.click(point.x, point.y);
}

const clickedAt = (page: Page) => page.evaluate(() => (window as unknown as { __glareClickAt?: number }).__glareClickAt ?? null);

/** Forgets the events recorded so far, so one round's checks see only its own. */
const clearEvents = (page: Page) => page.evaluate(() => void ((window as unknown as HookedWindow).__rtcTesting.events.length = 0));

async function callEvents(page: Page): Promise<CallEvent[]> {
  return (await recordedEvents(page, 'rtc-call-state')).map((e) => (e.detail as { call: CallEvent }).call);
}

/** One round: both click, one call connects on both sides; returns how the glare was resolved. */
async function glareRound(t: TestContext, alice: Person, bob: Person, first: 'alice' | 'bob', offsetMs: number): Promise<string> {
  const where = `offset ${offsetMs} ms, ${first} first`;
  await Promise.all([clearEvents(alice.page), clearEvents(bob.page)]);
  const [clickAlice, clickBob] = await Promise.all([armCallButton(alice, bob), armCallButton(bob, alice)]);
  const [early, late] = first === 'alice' ? [clickAlice, clickBob] : [clickBob, clickAlice];
  await Promise.all([early(), sleep(offsetMs).then(late)]);

  const [aliceAt, bobAt] = await Promise.all([clickedAt(alice.page), clickedAt(bob.page)]);
  assert.ok(aliceAt !== null && bobAt !== null, `${where}: both clicks reached the pages (alice ${aliceAt}, bob ${bobAt})`);

  // If the first invite arrived before the second click, that click met the incoming-call dialog over the
  // page, and the person answers there. Any other incoming call means two calls went out and did not merge.
  let answeredInDialog: string | null = null;
  for (const [person, at] of [
    [alice, aliceAt],
    [bob, bobAt],
  ] as const) {
    const rang = await recordedEvents(person.page, 'rtc-incoming-call');
    if (rang.length === 0) continue;
    assert.ok(
      rang.every((e) => e.at <= at),
      `${where}: ${person.label} was rung by a call that arrived after their own click`,
    );
    assert.equal(answeredInDialog, null, `${where}: both sides were rung`);
    answeredInDialog = person.label;
    await person.part('incoming-call', { text: person === alice ? bob.name : alice.name });
    await person.accept();
  }

  // Both end up in one connected call, shown as such, with video playing and media flowing both ways.
  const [aliceUp, bobUp] = await Promise.all([
    waitForEvent(alice.page, 'rtc-call-state', { call: { phase: 'connected' } }, 30_000),
    waitForEvent(bob.page, 'rtc-call-state', { call: { phase: 'connected' } }, 30_000),
  ]).catch(async (error: unknown) => {
    const told = async (p: Person) =>
      JSON.stringify((await callEvents(p.page)).map((e) => `${e.callId.slice(0, 6)} ${e.direction} ${e.phase}`));
    throw new Error(
      `${where}: no connected call on both sides (${(error as Error).message}); alice saw ${await told(alice)}, bob saw ${await told(bob)}`,
    );
  });
  const callId = (aliceUp.detail as { call: CallEvent }).call.callId;
  assert.equal((bobUp.detail as { call: CallEvent }).call.callId, callId, `${where}: both sides are in the same call`);
  await Promise.all([
    alice.part('status', { text: `In a call with ${bob.name}` }),
    bob.part('status', { text: `In a call with ${alice.name}` }),
  ]);
  await Promise.all([alice.expectRemoteVideoPlaying(), bob.expectRemoteVideoPlaying()]);
  await Promise.all([expectMediaArriving(alice), expectMediaArriving(bob)]);

  // Exactly one call: one open peer connection a side (a yielded call's link is closed), no dialog left ringing.
  for (const person of [alice, bob]) {
    assert.equal((await rtcSnapshot(person.page)).connections, 1, `${where}: ${person.label} has exactly one open peer connection`);
    assert.equal(await person.hasPart('incoming-call'), false, `${where}: ${person.label} has no incoming call left ringing`);
    assert.equal(await person.hasPart('error'), false, `${where}: ${person.label} shows no error`);
    assert.deepEqual(await recordedEvents(person.page, 'rtc-error'), [], `${where}: ${person.label} got no rtc-error`);
  }

  // What each side was told: the surviving call never ended; any other call id is the one that yielded,
  // seen only on its own side and only as an outgoing call ringing (replaced silently, never "ended").
  const seen = { alice: await callEvents(alice.page), bob: await callEvents(bob.page) };
  const yielded: Array<{ side: string; callId: string }> = [];
  for (const [side, events] of Object.entries(seen)) {
    const survivor = events.filter((e) => e.callId === callId);
    assert.deepEqual(
      survivor.filter((e) => e.phase === 'ended'),
      [],
      `${where}: ${side} saw no end of the surviving call`,
    );
    const others = events.filter((e) => e.callId !== callId);
    for (const e of others) {
      assert.ok(
        e.direction === 'outgoing' && e.phase === 'ringing',
        `${where}: ${side}'s replaced call only rang out, got ${JSON.stringify(e)}`,
      );
    }
    for (const id of new Set(others.map((e) => e.callId))) yielded.push({ side, callId: id });
    // Once the surviving call shows up, the other one is gone for good.
    const firstSurvivor = events.findIndex((e) => e.callId === callId);
    assert.ok(
      events.slice(firstSurvivor).every((e) => e.callId === callId),
      `${where}: ${side} went back to the replaced call`,
    );
  }
  assert.ok(yielded.length <= 1, `${where}: at most one call yielded, got ${JSON.stringify(yielded)}`);
  assert.ok(yielded.length === 1 || answeredInDialog, `${where}: the calls crossed (one yielded) or one was answered in the dialog`);
  assert.ok(!(yielded.length === 1 && answeredInDialog), `${where}: a yielded call and a ringing dialog at once`);
  const how =
    yielded.length === 1 ? `crossed, ${yielded[0]!.side} yielded` : `the first invite arrived first, ${answeredInDialog} answered`;
  t.diagnostic(`${where}: clicks ${Math.abs(aliceAt - bobAt)} ms apart in the pages; ${how}`);

  // Hang up ends it on both sides; nothing stays open.
  const hanger = first === 'alice' ? bob : alice;
  const other = hanger === alice ? bob : alice;
  await hanger.click('hangup');
  await waitForEvent(other.page, 'rtc-call-state', { call: { callId, phase: 'ended', endReason: 'remote-hangup' } });
  await waitForEvent(hanger.page, 'rtc-call-state', { call: { callId, phase: 'ended', endReason: 'hangup' } });
  await Promise.all([expectNoConnection(alice), expectNoConnection(bob)]);
  return how;
}

describeEachPair('glare', (suite, pair) => {
  it(
    'both call each other at once: exactly one call on both sides, at several offsets, and calls work after',
    { timeout: 240_000 },
    async (t) => {
      const [alice, bob] = await suite.pair(t, pair);
      for (const { first, offsetMs } of ROUNDS) await glareRound(t, alice, bob, first, offsetMs);

      // A plain call still works afterwards.
      await Promise.all([clearEvents(alice.page), clearEvents(bob.page)]);
      await connectCall(bob, alice);
      await alice.click('hangup');
      await waitForEvent(bob.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'remote-hangup' } });
      await Promise.all([expectNoConnection(alice), expectNoConnection(bob)]);
    },
  );
});
