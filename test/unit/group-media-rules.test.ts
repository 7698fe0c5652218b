/**
 * The pure rules of a group call's media: each link's video budget as the call grows
 * (group/bandwidth.ts) and the active speaker with its hysteresis (group/speaker.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_UPLOAD_BUDGET_BPS, LINK_VIDEO_CEILING_BPS, LINK_VIDEO_FLOOR_BPS, groupVideoLimit } from '../../src/core/group/bandwidth.js';
import { NO_SPEAKER, RELEASE_SAMPLES, nextSpeaker, type SpeakerState } from '../../src/core/group/speaker.js';

test('video per link: the upload budget divided among the links, capped, floored, smaller pictures as the call grows', () => {
  assert.deepEqual(groupVideoLimit(2), { maxBitrate: LINK_VIDEO_CEILING_BPS, scaleResolutionDownBy: 1 });
  assert.deepEqual(groupVideoLimit(3), { maxBitrate: 1_250_000, scaleResolutionDownBy: 1.5 });
  assert.deepEqual(groupVideoLimit(4), { maxBitrate: 833_333, scaleResolutionDownBy: 2 });
  assert.deepEqual(groupVideoLimit(6), { maxBitrate: 500_000, scaleResolutionDownBy: 3 });
  assert.equal(groupVideoLimit(40).maxBitrate, LINK_VIDEO_FLOOR_BPS);
  for (let n = 2; n <= 6; n++) {
    const { maxBitrate } = groupVideoLimit(n);
    assert.ok(maxBitrate * (n - 1) <= Math.max(GROUP_UPLOAD_BUDGET_BPS, LINK_VIDEO_CEILING_BPS), `upload within budget at ${n}`);
  }
  assert.equal(groupVideoLimit(4, true).scaleResolutionDownBy, 1, 'a shared screen keeps its size');
  assert.equal(groupVideoLimit(1).maxBitrate, LINK_VIDEO_CEILING_BPS, 'alone: one link at most');
});

/** Runs samples of levels by seat; the speaker after each. */
function run(samples: Record<number, number | null>[], from: SpeakerState = NO_SPEAKER): (number | null)[] {
  let state = from;
  return samples.map((levels) => (state = nextSpeaker(state, new Map(Object.entries(levels).map(([k, v]) => [Number(k), v])))).speaker);
}

test('the active speaker: the loudest above the threshold, held through pauses, taken over only by a clear lead', () => {
  assert.deepEqual(run([{ 1: 0, 2: 0.001 }]), [null], 'silence and noise: nobody');
  assert.deepEqual(run([{ 1: 0.2, 2: 0.05 }]), [1], 'nobody speaking: the loudest at once');
  // 2 speaks louder, clearly, for two samples: takes over at the second.
  assert.deepEqual(run([{ 1: 0.2 }, { 1: 0.1, 2: 0.3 }, { 1: 0.1, 2: 0.3 }].map((l) => ({ 2: 0, ...l }))), [1, 1, 2]);
  // Barely louder is no take-over (no flicker between two voices).
  assert.deepEqual(
    run([
      { 1: 0.2, 2: 0 },
      { 1: 0.2, 2: 0.25 },
      { 1: 0.2, 2: 0.25 },
      { 1: 0.2, 2: 0.25 },
    ]),
    [1, 1, 1, 1],
  );
  // A pause between words keeps the highlight; a long silence drops it.
  const pause = Array.from({ length: RELEASE_SAMPLES - 1 }, () => ({ 1: 0, 2: 0 }));
  assert.deepEqual(run([{ 1: 0.2, 2: 0 }, ...pause]).at(-1), 1);
  assert.deepEqual(run([{ 1: 0.2, 2: 0 }, ...pause, { 1: 0, 2: 0 }]).at(-1), null);
  // Someone else answering in the current speaker's pause takes over after the same short lead.
  assert.deepEqual(
    run([
      { 1: 0.2, 2: 0 },
      { 1: 0, 2: 0 },
      { 1: 0, 2: 0.1 },
      { 1: 0, 2: 0.1 },
    ]),
    [1, 1, 1, 2],
  );
  // A member who left is no longer the speaker.
  assert.deepEqual(run([{ 1: 0.2 }, { 2: 0.1 }]), [1, 2]);
  // Unknown levels count as silence.
  assert.deepEqual(run([{ 1: null, 2: null }]), [null]);
});
