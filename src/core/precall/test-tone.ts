/**
 * The speaker test's sound: a short two-note chime generated with Web Audio (no audio file), as a
 * MediaStream. Played through an `<audio>` element, it honours `setSinkId` (the chosen speaker);
 * an AudioContext's own output always goes to the default device.
 */
import { canChooseSpeaker } from '../devices.js';

/** The notes (Hz) and how long each sounds (s). */
const NOTES: ReadonlyArray<[hz: number, start: number, end: number]> = [
  [660, 0, 0.35],
  [880, 0.4, 0.9],
];
const VOLUME = 0.25;
/** Time for the `<audio>` element to start before the first note. */
const LEAD_S = 0.15;

/** One playing of the test sound: `stream` carries it, `done` resolves when it has finished. */
export class TestTone {
  readonly stream: MediaStream;
  readonly done: Promise<void>;
  private readonly context: AudioContext;

  constructor() {
    const context = (this.context = new AudioContext());
    context.resume().catch(() => undefined);
    const out = context.createMediaStreamDestination();
    const at = context.currentTime + LEAD_S;
    for (const [hz, start, end] of NOTES) {
      const gain = context.createGain();
      gain.gain.setValueAtTime(0, at + start);
      gain.gain.setTargetAtTime(VOLUME, at + start, 0.01);
      gain.gain.setTargetAtTime(0, at + end - 0.05, 0.02);
      gain.connect(out);
      const osc = context.createOscillator();
      osc.frequency.value = hz;
      osc.connect(gain);
      osc.start(at + start);
      osc.stop(at + end);
    }
    this.stream = out.stream;
    const lengthMs = (LEAD_S + NOTES[NOTES.length - 1]![2]) * 1000;
    this.done = new Promise((resolve) => setTimeout(resolve, lengthMs + 100));
  }

  /** Releases the AudioContext (the stream's track ends with it). */
  stop(): void {
    for (const track of this.stream.getTracks()) track.stop();
    this.context.close().catch(() => undefined);
  }
}

// Whether this browser can send audio to a chosen speaker: one answer, the device settings' (devices.ts).
export { canChooseSpeaker };

/**
 * Plays `tone` on `audio`, on the speaker `sinkId` when given and possible; resolves when it has
 * played. A speaker that cannot be set rejects, with the browser's error.
 */
export async function playTone(audio: HTMLAudioElement, tone: TestTone, sinkId?: string): Promise<void> {
  if (sinkId !== undefined && canChooseSpeaker()) await audio.setSinkId(sinkId);
  audio.srcObject = tone.stream;
  await audio.play();
  await tone.done;
}
