/**
 * The pre-call check without rendering: opens the camera and microphone, reads the microphone's
 * level, runs the connection check, and holds what each part found plus the verdict. The element
 * (`<rtc-precall-check>`) shows it and tells it when the preview shows frames; `stop()` releases
 * everything (tracks, AudioContexts, the throwaway RTCPeerConnection's result is ignored).
 */
import { acquireUserMedia, type MediaDevicesLike, type UserMediaResult } from '../media.js';
import type { SessionErrorCode } from '../types.js';
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
}

/** A media error code as the check's word for that device. */
const deviceCheck = (code: SessionErrorCode | undefined): 'missing' | 'denied' | 'failed' =>
  code === 'media_missing' ? 'missing' : code === 'media_denied' ? 'denied' : 'failed';

/**
 * Opens camera and microphone together (one prompt), and when that fails for another reason than a
 * refusal, each alone, so a missing camera does not hide a working microphone or the other way round.
 */
async function openDevices(video: boolean, md: MediaDevicesLike | null | undefined) {
  const open = (kinds: { audio: boolean; video: boolean }) => (md === undefined ? acquireUserMedia(kinds) : acquireUserMedia(kinds, md));
  // The device settings' choice (<rtc-device-settings>, branch `devices`) goes into these constraints at merge.
  const both = await open({ audio: true, video });
  if (!both.error || both.error.code === 'media_denied') return { camera: both, microphone: both };
  // acquireUserMedia already fell back to the microphone alone: when that worked, the camera was the
  // problem (`both.error`); when it did not either, only the camera alone tells about the camera.
  const camera: UserMediaResult = video && !both.got.video && !both.got.audio ? await open({ audio: false, video: true }) : both;
  return { camera, microphone: both };
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
    const { camera, microphone } = await openDevices(this.deps.video, this.deps.mediaDevices);
    const tracks = [
      ...(this.deps.video ? (camera.stream?.getVideoTracks().slice(0, 1) ?? []) : []),
      ...(microphone.stream?.getAudioTracks().slice(0, 1) ?? []),
    ];
    // Whatever else was opened (a camera from the combined try that is not used, extra tracks) closes now.
    for (const stream of new Set([camera.stream, microphone.stream])) {
      for (const track of stream?.getTracks() ?? []) if (!tracks.includes(track)) track.stop();
    }
    if (this.stopped) return tracks.forEach((t) => t.stop());
    const audio = tracks.find((t) => t.kind === 'audio');
    const video = tracks.find((t) => t.kind === 'video');
    if (audio) this.meter = new MicLevel(audio);
    this.update({
      stream: tracks.length ? new MediaStream(tracks) : null,
      microphone: audio ? 'ok' : deviceCheck(microphone.error?.code),
      // With a camera, the preview decides (framesSeen).
      ...(this.deps.video && !video && { camera: deviceCheck(camera.error?.code) }),
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
