/**
 * The active speaker of a group call, from the audio level of each member (0..1, as
 * `RTCRtpSynchronizationSource.audioLevel` gives it): the loudest voice above a threshold, with
 * hysteresis so the highlight does not flicker between two people talking over each other or
 * drop between words.
 */

/** Levels below this are silence or background noise (about −40 dBov). */
export const SPEAKING_LEVEL = 0.01;
/** Someone else takes over only when this much louder than the current speaker. */
export const TAKE_OVER_FACTOR = 1.5;
/** How many samples in a row a new speaker must lead before taking over. */
export const TAKE_OVER_SAMPLES = 2;
/** How many silent samples in a row before the current speaker is no longer highlighted (pauses between words). */
export const RELEASE_SAMPLES = 6;
/** How often the levels are sampled. */
export const SPEAKER_SAMPLE_MS = 250;

export interface SpeakerState {
  /** The member highlighted, or null. */
  speaker: number | null;
  /** The member about to take over, and for how many samples it has led. */
  candidate: number | null;
  leads: number;
  /** Samples in a row the current speaker has been silent. */
  quiet: number;
}

export const NO_SPEAKER: SpeakerState = { speaker: null, candidate: null, leads: 0, quiet: 0 };

/** One sample of every member's level (by seat; null: unknown) → the next state. */
export function nextSpeaker(state: SpeakerState, levels: ReadonlyMap<number, number | null>): SpeakerState {
  let loudest: number | null = null;
  let loudestLevel = 0;
  for (const [seat, level] of levels) {
    if (level === null || level < SPEAKING_LEVEL) continue;
    if (loudest === null || level > loudestLevel) [loudest, loudestLevel] = [seat, level];
  }
  const current = state.speaker !== null && levels.has(state.speaker) ? state.speaker : null;
  const currentLevel = current === null ? 0 : (levels.get(current) ?? 0);
  const quiet = current !== null && currentLevel < SPEAKING_LEVEL ? state.quiet + 1 : 0;
  const stillSpeaking = current !== null && quiet < RELEASE_SAMPLES;

  if (loudest === null || loudest === current) {
    return { speaker: stillSpeaking ? current : null, candidate: null, leads: 0, quiet: stillSpeaking ? quiet : 0 };
  }
  // Someone else is loudest: they take over at once when nobody speaks, else after leading clearly for a while.
  if (!stillSpeaking) return { speaker: loudest, candidate: null, leads: 0, quiet: 0 };
  const clearly = loudestLevel >= currentLevel * TAKE_OVER_FACTOR;
  const leads = clearly ? (state.candidate === loudest ? state.leads + 1 : 1) : 0;
  if (leads >= TAKE_OVER_SAMPLES) return { speaker: loudest, candidate: null, leads: 0, quiet: 0 };
  return { speaker: current, candidate: clearly ? loudest : null, leads, quiet };
}
