import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { PrecallCheck, waitForFrames, type PrecallState } from '../../core/precall/precall-check.js';
import type { Verdict } from '../../core/precall/verdict.js';
import type { SessionApi } from '../../core/types.js';

/** How often the meter reads the microphone: smooth enough to follow speech, cheap to render. */
const METER_INTERVAL_MS = 100;
/** How long the preview may take to show its first frame before the check says "no picture". */
const FIRST_FRAME_TIMEOUT_MS = 5_000;

export interface PrecallHostOptions {
  session(): SessionApi | undefined;
  /** The preview element, once rendered. */
  preview(): HTMLVideoElement | null;
  /** Calls use video (`<rtc-call video="false">` makes them audio only). */
  video(): boolean;
  /** How long the connection check gathers candidates (ms); the core's default when undefined. */
  gatherTimeout(): number | undefined;
  verdict(verdict: Verdict): void;
}

/**
 * Runs one pre-call check for its host while the host is on the page: starts it once a session is
 * there, reads the microphone level on a short interval, watches the preview for frames, and stops
 * everything (tracks, AudioContext, timers) when the host leaves the page.
 */
export class PrecallController implements ReactiveController {
  private check: PrecallCheck | null = null;
  private meterTimer?: ReturnType<typeof setInterval>;
  private watchedStream: MediaStream | null = null;
  private reported: Verdict | null = null;
  private connected = false;
  /** The camera and microphone the running check opened (the device settings' choice then). */
  private openedWith = '';
  /** The microphone's level, 0…1. */
  level = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: PrecallHostOptions,
  ) {
    host.addController(this);
  }

  get state(): PrecallState | null {
    return this.check?.state ?? null;
  }

  hostConnected(): void {
    this.connected = true;
  }

  hostUpdated(): void {
    // Another camera or microphone chosen in the device settings: check that one instead.
    if (this.check && this.choiceKey() !== this.openedWith) this.reset();
    if (this.connected && !this.check) this.start();
    this.watchFrames();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.reset();
  }

  /** Stops the running check and forgets what it found. */
  private reset(): void {
    clearInterval(this.meterTimer);
    this.check?.stop();
    this.check = null;
    this.watchedStream = null;
    this.reported = null;
    this.level = 0;
  }

  private start(): void {
    const session = this.options.session();
    if (!session) return;
    const timeoutMs = this.options.gatherTimeout();
    const chosen = session.state.devices.chosen;
    this.openedWith = this.choiceKey();
    let listed = false;
    const check = new PrecallCheck({
      video: this.options.video(),
      chosen: { camera: chosen.camera, microphone: chosen.microphone },
      checkConnection: () => session.checkConnection(timeoutMs === undefined ? {} : { timeoutMs }),
      changed: (state) => {
        if (check !== this.check) return;
        // Access granted: the device settings can show names (and, in Firefox, speakers) now.
        if (state.stream && !listed) {
          listed = true;
          void session.refreshDevices();
        }
        this.host.requestUpdate();
        if (state.verdict && state.verdict.reason !== this.reported?.reason) {
          this.reported = state.verdict;
          this.options.verdict(state.verdict);
        }
      },
    });
    this.check = check;
    void check.start();
    this.meterTimer = setInterval(() => this.readMeter(), METER_INTERVAL_MS);
  }

  private choiceKey(): string {
    const chosen = this.options.session()?.state.devices.chosen;
    return `${chosen?.camera ?? ''}\n${chosen?.microphone ?? ''}`;
  }

  private readMeter(): void {
    const level = Math.round((this.check?.micLevel() ?? 0) * 100) / 100;
    if (level === this.level) return;
    this.level = level;
    this.host.requestUpdate();
  }

  /** Once per preview stream: the first frame decides whether the camera works. */
  private watchFrames(): void {
    const check = this.check;
    const stream = check?.state.stream ?? null;
    const video = this.options.preview();
    if (!check || !stream || !video || stream === this.watchedStream || check.state.camera !== 'pending') return;
    this.watchedStream = stream;
    void waitForFrames(video, FIRST_FRAME_TIMEOUT_MS).then((seen) => check.framesSeen(seen));
  }
}
