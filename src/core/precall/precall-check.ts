/**
 * The pre-call check without rendering: opens the camera and microphone, reads the microphone's
 * level, runs the connection check, and holds what each part found plus the verdict. The element
 * (`<rtc-precall-check>`) shows it and tells it when the preview shows frames; `stop()` releases
 * everything (tracks, AudioContexts, the throwaway RTCPeerConnection's result is ignored).
 */
import type { MediaDevicesLike } from '../media.js';
import type { DeviceChoice } from '../devices.js';
import { openPrecallDevices } from './devices.js';
import { MicLevel } from './mic-level.js';
import { precallVerdict, type CameraCheck, type ConnectionCheck, type MicrophoneCheck, type Verdict } from './verdict.js';

export interface PrecallState {
  camera: CameraCheck;
  microphone: MicrophoneCheck;
  /** The camera and microphone as opened (the preview's stream), or null. */
  stream: MediaStream | null;
  connection: ConnectionCheck | null;
  verdict: Verdict | null;
}

export interface PrecallDeps {
  /** Whether calls use video (`video="false"` on the widget: no camera needed). */
  video: boolean;
  /** The connection check with the session's ICE servers (`SessionApi.checkConnection`). */
  checkConnection(): Promise<ConnectionCheck>;
  /** Called after every change of `state`. */
  changed(state: PrecallState): void;
  mediaDevices?: MediaDevicesLike | null;
  /** The camera and microphone chosen in the device settings (`SessionState.devices.chosen`). */
  chosen?: Partial<DeviceChoice>;
}

export class PrecallCheck {
  private current: PrecallState;
  private meter: MicLevel | null = null;
  private stopped = false;

  constructor(private readonly deps: PrecallDeps) {
    this.current = { camera: deps.video ? 'pending' : 'unused', microphone: 'pending', stream: null, connection: null, verdict: null };
  }

  get state(): PrecallState {
    return this.current;
  }

  /** Starts every check; resolves when the devices are open and the connection check is done. */
  async start(): Promise<void> {
    await Promise.all([this.openMedia(), this.runConnectionCheck()]);
  }

  /** The microphone's level now, 0…1 (0 without a microphone). */
  micLevel(): number {
    return this.meter?.level() ?? 0;
  }

  /** The preview showed frames (`true`), or none came in time (`false`). */
  framesSeen(seen: boolean): void {
    if (this.current.camera !== 'pending' || this.stopped) return;
    this.update({ camera: seen ? 'ok' : 'no-frames' });
  }

  /** Closes the devices and the meter; nothing changes after this. */
  stop(): void {
    this.stopped = true;
    this.meter?.close();
    this.meter = null;
    for (const track of this.current.stream?.getTracks() ?? []) track.stop();
  }

  private async openMedia(): Promise<void> {
    const devices = await openPrecallDevices(this.deps.video, this.deps.mediaDevices, this.deps.chosen);
    const tracks = [devices.video, devices.audio].filter((t): t is MediaStreamTrack => t !== null);
    if (this.stopped) return tracks.forEach((t) => t.stop());
    if (devices.audio) this.meter = new MicLevel(devices.audio);
    this.update({
      stream: tracks.length ? new MediaStream(tracks) : null,
      microphone: devices.microphoneProblem ?? 'ok',
      // With a camera, the preview decides (framesSeen).
      ...(devices.cameraProblem && { camera: devices.cameraProblem }),
    });
  }

  private async runConnectionCheck(): Promise<void> {
    const connection = await this.deps.checkConnection();
    if (!this.stopped) this.update({ connection });
  }

  private update(change: Partial<PrecallState>): void {
    const next = { ...this.current, ...change };
    this.current = { ...next, verdict: precallVerdict(next.camera, next.connection) };
    this.deps.changed(this.current);
  }
}

/**
 * Resolves `true` once `video` shows a frame, `false` if none comes within `timeoutMs`. Uses
 * `requestVideoFrameCallback` (Chromium, Firefox 132+), else a size and a moving clock.
 */
export function waitForFrames(video: HTMLVideoElement, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), timeoutMs);
    let poll: ReturnType<typeof setInterval> | undefined;
    function finish(seen: boolean) {
      clearTimeout(timer);
      clearInterval(poll);
      resolve(seen);
    }
    if (typeof video.requestVideoFrameCallback === 'function') video.requestVideoFrameCallback(() => finish(true));
    else poll = setInterval(() => video.videoWidth > 0 && video.currentTime > 0 && finish(true), 100);
  });
}
