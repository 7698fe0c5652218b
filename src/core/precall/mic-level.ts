/**
 * The microphone level meter of the pre-call check: an AnalyserNode on the microphone track, read
 * as the RMS of its latest samples and shown on a decibel scale (a meter on a linear RMS scale barely
 * moves for speech).
 */

/** The quietest level the meter shows above zero, in dBFS: room noise stays near the bottom. */
const FLOOR_DB = -60;

/** RMS of `samples` (−1…1) as a meter position 0…1: −60 dBFS or quieter is 0, full scale is 1. */
export function levelFromSamples(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  const rms = Math.sqrt(sum / samples.length);
  if (rms <= 0) return 0;
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB));
}

/** Reads the level of one microphone track; `close()` releases the AudioContext (not the track). */
export class MicLevel {
  private readonly context: AudioContext;
  private readonly analyser: AnalyserNode;
  private readonly samples: Float32Array<ArrayBuffer>;

  constructor(track: MediaStreamTrack) {
    this.context = new AudioContext();
    // Autoplay policy may start it suspended; a microphone already granted lets it run in both engines.
    this.context.resume().catch(() => undefined);
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.context.createMediaStreamSource(new MediaStream([track])).connect(this.analyser);
    this.samples = new Float32Array(this.analyser.fftSize);
  }

  /** The current level, 0…1. */
  level(): number {
    this.analyser.getFloatTimeDomainData(this.samples);
    return levelFromSamples(this.samples);
  }

  close(): void {
    this.context.close().catch(() => undefined);
  }
}
