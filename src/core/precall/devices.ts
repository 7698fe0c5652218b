/**
 * Opening the pre-call check's camera and microphone, and telling apart which of the two failed:
 * getUserMedia refuses both together when either is missing, so a failed combined try is followed
 * by each device alone (never after a refusal: the browser would only refuse again, or prompt twice).
 */
import { acquireUserMedia, type MediaDevicesLike, type UserMediaResult } from '../media.js';
import type { DeviceChoice } from '../devices.js';
import type { SessionErrorCode } from '../types.js';

/** Why a device is not there. */
export type DeviceProblem = 'missing' | 'denied' | 'failed';

export interface PrecallDevices {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  /** Why there is no camera; null when it opened or was not asked for. */
  cameraProblem: DeviceProblem | null;
  /** Why there is no microphone; null when it opened. */
  microphoneProblem: DeviceProblem | null;
}

/** A media error code as the check's word for that device. */
const problemOf = (code: SessionErrorCode | undefined): DeviceProblem =>
  code === 'media_missing' ? 'missing' : code === 'media_denied' ? 'denied' : 'failed';

/**
 * Opens the microphone, and the camera when `video`, from the `chosen` devices (the device
 * settings'; the default when gone): one track of each at most; any other track opened on the way
 * is stopped. `md` is the browser's mediaDevices by default.
 */
export async function openPrecallDevices(
  video: boolean,
  md?: MediaDevicesLike | null,
  chosen: Partial<DeviceChoice> = {},
): Promise<PrecallDevices> {
  const open = (kinds: { audio: boolean; video: boolean }) => acquireUserMedia(kinds, md === undefined ? undefined : md, chosen);
  const both = await open({ audio: true, video });
  // acquireUserMedia already fell back to the microphone alone: when that worked, the camera was the
  // problem (`both.error`); when it did not either, only the camera alone tells about the camera.
  const retryCamera = video && both.error !== null && both.error.code !== 'media_denied' && !both.got.audio;
  const camera: UserMediaResult = retryCamera ? await open({ audio: false, video: true }) : both;
  const audio = both.stream?.getAudioTracks()[0] ?? null;
  const videoTrack = video ? (camera.stream?.getVideoTracks()[0] ?? null) : null;
  for (const stream of new Set([both.stream, camera.stream])) {
    for (const track of stream?.getTracks() ?? []) if (track !== audio && track !== videoTrack) track.stop();
  }
  return {
    audio,
    video: videoTrack,
    cameraProblem: video && !videoTrack ? problemOf(camera.error?.code) : null,
    microphoneProblem: audio ? null : problemOf(both.error?.code),
  };
}
