import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface RingOptions {
  /** Tells, after each host update, whether the ring should sound. */
  shouldRing: () => boolean;
}

/** One ring cycle: two short bursts of a two-tone chord, then silence (UK-style cadence). */
const TONES_HZ = [400, 450];
const BURSTS: ReadonlyArray<[start: number, end: number]> = [
  [0, 0.4],
  [0.6, 1.0],
];
const CYCLE_S = 3;
const VOLUME = 0.12;

/**
 * Plays the ring tone of an incoming call, generated with Web Audio (two
 * oscillators gated by a gain envelope; no audio asset to load). Starts and
 * stops from its host's state after each update, and always stops when the
 * host is disconnected so no sound or AudioContext outlives the element.
 */
export class RingController implements ReactiveController {
  private context?: AudioContext;
  private timer?: ReturnType<typeof setInterval>;

  constructor(
    host: ReactiveControllerHost,
    private readonly options: RingOptions,
  ) {
    host.addController(this);
  }

  /** True while the ring is sounding (or scheduled). */
  get ringing(): boolean {
    return this.context !== undefined;
  }

  hostUpdated(): void {
    if (this.options.shouldRing()) this.start();
    else this.stop();
  }

  hostDisconnected(): void {
    this.stop();
  }

  start(): void {
    if (this.context) return;
    const Ctx = globalThis.AudioContext;
    if (!Ctx) return;
    const context = new Ctx();
    this.context = context;
    // Autoplay policy may keep it suspended until the visitor interacts; the dialog still shows.
    context.resume().catch(() => undefined);
    let next = context.currentTime + 0.05;
    const schedule = () => {
      // Keep one cycle scheduled ahead so timer jitter never leaves a gap.
      while (next < context.currentTime + CYCLE_S) {
        this.scheduleCycle(context, next);
        next += CYCLE_S;
      }
    };
    schedule();
    this.timer = setInterval(schedule, 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    const context = this.context;
    this.context = undefined;
    context?.close().catch(() => undefined);
  }

  private scheduleCycle(context: AudioContext, at: number): void {
    const gain = context.createGain();
    gain.gain.setValueAtTime(0, at);
    for (const [start, end] of BURSTS) {
      gain.gain.setTargetAtTime(VOLUME, at + start, 0.01);
      gain.gain.setTargetAtTime(0, at + end, 0.01);
    }
    gain.connect(context.destination);
    for (const hz of TONES_HZ) {
      const osc = context.createOscillator();
      osc.frequency.value = hz;
      osc.connect(gain);
      osc.start(at);
      osc.stop(at + BURSTS[BURSTS.length - 1]![1] + 0.1);
    }
  }
}
