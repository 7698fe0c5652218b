/**
 * Speed and time left of a file transfer, from byte counts sampled on a clock. Pure, so node tests
 * cover it. The speed is a moving average over the last few seconds: a single slow or fast sample
 * (a garbage-collection pause, a burst out of the send buffer) does not make the time left jump.
 */

/** Samples older than this no longer count towards the speed. */
export const SPEED_WINDOW_MS = 3_000;
/** Before this much time has passed, no speed (nor time left) is shown: the first samples say little. */
export const FIRST_ESTIMATE_AFTER_MS = 500;

export interface ProgressFigures {
  bytes: number;
  /** Bytes per second over the last few seconds; 0 until there is an estimate. */
  bytesPerSecond: number;
  /** Seconds until the last byte at that speed; null while unknown (no estimate, or no progress). */
  secondsLeft: number | null;
}

export class ProgressMeter {
  private readonly samples: { at: number; bytes: number }[] = [];

  constructor(
    private readonly total: number,
    private readonly startedAt: number,
  ) {
    this.samples.push({ at: startedAt, bytes: 0 });
  }

  /** Records that `bytes` (a running count) were reached at `now`, and gives the figures to show. */
  sample(bytes: number, now: number): ProgressFigures {
    this.samples.push({ at: now, bytes });
    // Keep one sample at or before the window's start, so the window spans its whole length.
    while (this.samples.length > 2 && this.samples[1]!.at <= now - SPEED_WINDOW_MS) this.samples.shift();
    if (now - this.startedAt < FIRST_ESTIMATE_AFTER_MS) return { bytes, bytesPerSecond: 0, secondsLeft: null };
    const first = this.samples[0]!;
    const elapsed = (now - first.at) / 1000;
    const bytesPerSecond = elapsed > 0 ? Math.max(0, (bytes - first.bytes) / elapsed) : 0;
    return { bytes, bytesPerSecond, secondsLeft: secondsLeft(this.total - bytes, bytesPerSecond) };
  }
}

/** Whole seconds (rounded up) to move `remaining` bytes at `bytesPerSecond`; null when nothing moves. */
export function secondsLeft(remaining: number, bytesPerSecond: number): number | null {
  if (remaining <= 0) return 0;
  if (!(bytesPerSecond > 0)) return null;
  return Math.ceil(remaining / bytesPerSecond);
}
