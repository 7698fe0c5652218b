/**
 * Assertions on what actually flows between people, read from WebRTC
 * statistics of each page: media arriving (from each other person of a group
 * call too), and a stopped track no longer arriving.
 */
import assert from 'node:assert/strict';
import { bytesDuring, inboundByRemote, rtcConnections, rtcSnapshot, type MediaBytes } from './page-hooks.js';
import type { Person } from './person.js';

/**
 * Audio and video bytes arrive at `person`: some 1.5 s window within
 * `withinMs` has both growing (right after a track switch the first key frame
 * can take a moment on a loaded machine).
 */
export async function expectMediaArriving(person: Person, withinMs = 10_000): Promise<MediaBytes> {
  const deadline = Date.now() + withinMs;
  let got = await bytesDuring(person.page, 'inbound', 1500);
  while ((got.video === 0 || got.audio === 0) && Date.now() < deadline) {
    got = await bytesDuring(person.page, 'inbound', 1500);
  }
  if (got.video > 0 && got.audio > 0) return got;
  // What the page's connections say, so a failure tells a stuck negotiation from a silent sender.
  const states = JSON.stringify((await rtcConnections(person.page)).map((c) => ({ ...c.states, pair: c.selectedPair })));
  assert.ok(
    got.video > 0,
    `${person.label}: no inbound video bytes for ${withinMs / 1000} s (last 1.5 s: ${JSON.stringify(got)}; ${states})`,
  );
  assert.ok(
    got.audio > 0,
    `${person.label}: no inbound audio bytes for ${withinMs / 1000} s (last 1.5 s: ${JSON.stringify(got)}; ${states})`,
  );
  return got;
}

/**
 * `kind` bytes stop arriving at `receiver` after the other side turned that
 * track off. Packets already in flight settle first; then, over 2 s, at most
 * 100 bytes or 1 % of what flowed before (`before`, over 1.5 s) may come. A
 * stopped or removed sender track gives 0; a track merely disabled keeps
 * sending silence or black frames, about 150 bytes/s or 3–8 % of the normal
 * rate, and does not pass.
 */
export async function expectStoppedArriving(receiver: Person, kind: keyof MediaBytes, before: MediaBytes): Promise<void> {
  await new Promise((r) => setTimeout(r, 1500));
  const got = await bytesDuring(receiver.page, 'inbound', 2000);
  const allowed = Math.max(100, ((before[kind] * 2000) / 1500) * 0.01);
  assert.ok(
    got[kind] <= allowed,
    `${receiver.label}: ${kind} still arriving after the other side turned it off: ${got[kind]} bytes in 2 s (flowing: ${before[kind]} in 1.5 s)`,
  );
}

/** The page uses a connected ICE candidate pair. */
export async function expectSelectedPair(person: Person): Promise<NonNullable<Awaited<ReturnType<typeof rtcSnapshot>>['selectedPair']>> {
  const snapshot = await rtcSnapshot(person.page);
  assert.ok(snapshot.selectedPair, `${person.label}: no selected ICE candidate pair`);
  assert.equal(snapshot.selectedPair.state, 'succeeded', `${person.label}: candidate pair ${JSON.stringify(snapshot.selectedPair)}`);
  return snapshot.selectedPair;
}

/** No open RTCPeerConnection is left in the page (the call's media is torn down). */
export async function expectNoConnection(person: Person): Promise<void> {
  const deadline = Date.now() + 5000;
  let open = (await rtcSnapshot(person.page)).connections;
  while (open > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    open = (await rtcSnapshot(person.page)).connections;
  }
  assert.equal(open, 0, `${person.label}: ${open} peer connection(s) still open after the call ended`);
}

/**
 * `kinds` of media from `sender` arrive at `receiver`: on the receiver's connection whose other
 * end is one of the sender's (matched by DTLS fingerprint), some 1.5 s window within `withinMs`
 * has each kind growing. A group call has one connection per other person, so the page's sum
 * would hide a pair that carries nothing.
 */
export async function expectMediaFrom(
  receiver: Person,
  sender: Person,
  kinds: ReadonlyArray<keyof MediaBytes> = ['audio', 'video'],
  withinMs = 15_000,
): Promise<MediaBytes> {
  const deadline = Date.now() + withinMs;
  let got: MediaBytes = { audio: 0, video: 0 };
  do {
    const senders = new Set((await rtcConnections(sender.page)).map((c) => c.localFingerprint));
    const arrived = [...(await inboundByRemote(receiver.page))].find(([remote]) => senders.has(remote));
    got = arrived?.[1] ?? { audio: 0, video: 0 };
  } while (kinds.some((kind) => got[kind] === 0) && Date.now() < deadline);
  for (const kind of kinds) {
    assert.ok(
      got[kind] > 0,
      `${receiver.label}: no ${kind} bytes from ${sender.label} for ${withinMs / 1000} s (last 1.5 s: ${JSON.stringify(got)})`,
    );
  }
  return got;
}

/** Audio and video flow both ways between every two of `people`, each pair on its own connection. */
export async function expectMediaBetweenEveryPair(people: readonly Person[], withinMs = 15_000): Promise<void> {
  await Promise.all(
    people.flatMap((receiver) =>
      people.filter((s) => s !== receiver).map((sender) => expectMediaFrom(receiver, sender, ['audio', 'video'], withinMs)),
    ),
  );
}
