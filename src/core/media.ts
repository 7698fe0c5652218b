/**
 * Camera, microphone and screen capture, with errors mapped to codes the UI
 * can explain. Acquisition degrades instead of failing: video+audio, then
 * audio only, then nothing, so a visitor without a camera (or who refused
 * it) can still chat and receive calls.
 */
import type { MediaKinds } from '../protocol/index.js';
import type { SessionError } from './types.js';
import { texts } from './texts.js';
import { userMediaConstraints, type DeviceChoice } from './devices.js';

export type MediaPurpose = 'camera' | 'microphone' | 'camera and microphone' | 'screen';

/** Maps a getUserMedia/getDisplayMedia rejection to a visitor-facing error. */
export function mapMediaError(error: unknown, purpose: MediaPurpose): SessionError {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : '';
  const words = texts.media;
  const device = words.devices[purpose];
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return {
        code: 'media_denied',
        scope: 'media',
        message: purpose === 'screen' ? words.screenDenied : words.denied(device),
      };
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return { code: 'media_missing', scope: 'media', message: words.missing(device) };
    case 'InvalidStateError':
      // Firefox and Safari only open the picker from a click (user activation).
      if (purpose === 'screen') {
        return { code: 'media_failed', scope: 'media', message: words.screenNeedsClick };
      }
      return { code: 'media_failed', scope: 'media', message: words.notStarted(device) };
    default:
      return {
        code: 'media_failed',
        scope: 'media',
        message: name === 'NotReadableError' ? words.inUse(device) : words.notStarted(device),
      };
  }
}

function purposeOf(kinds: MediaKinds): MediaPurpose {
  if (kinds.audio && kinds.video) return 'camera and microphone';
  return kinds.video ? 'camera' : 'microphone';
}

export interface UserMediaResult {
  /** null when nothing could be acquired. */
  stream: MediaStream | null;
  /** What we actually got. */
  got: MediaKinds;
  /** The first error met, if any (kept even when a fallback succeeded). */
  error: SessionError | null;
}

export interface MediaDevicesLike {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  getDisplayMedia?(constraints?: DisplayMediaStreamOptions): Promise<MediaStream>;
}

function devices(): MediaDevicesLike | null {
  return typeof navigator !== 'undefined' && navigator.mediaDevices ? navigator.mediaDevices : null;
}

/** The camera the widget asks for; the call-setup benchmarks give their references the same media. */
export const CAMERA_CONSTRAINTS: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 } };

/**
 * Acquires what `wanted` asks for, from the `chosen` camera and microphone, falling back to audio
 * only and then to nothing. A refusal of both together is not retried for audio alone: the
 * browser would just refuse again (or prompt twice).
 */
export async function acquireUserMedia(
  wanted: MediaKinds,
  md: MediaDevicesLike | null = devices(),
  chosen: Partial<DeviceChoice> = {},
): Promise<UserMediaResult> {
  const none: MediaKinds = { audio: false, video: false };
  if (!wanted.audio && !wanted.video) return { stream: null, got: none, error: null };
  if (!md) {
    return {
      stream: null,
      got: none,
      error: {
        code: 'media_failed',
        scope: 'media',
        message: texts.media.insecure,
      },
    };
  }
  try {
    const stream = await openChosen(md, wanted, chosen);
    return { stream, got: kindsOf(stream), error: null };
  } catch (first) {
    const error = mapMediaError(first, purposeOf(wanted));
    if (error.code === 'media_denied' || !(wanted.video && wanted.audio)) return { stream: null, got: none, error };
    try {
      const stream = await openChosen(md, { audio: true, video: false }, chosen);
      return { stream, got: kindsOf(stream), error };
    } catch {
      return { stream: null, got: none, error };
    }
  }
}

/**
 * getUserMedia of the chosen devices; a chosen device that is gone (OverconstrainedError, or
 * NotFoundError in some browsers) falls back to the default device, silently: the device list
 * then shows the default as chosen (devices.ts).
 */
async function openChosen(md: MediaDevicesLike, kinds: MediaKinds, chosen: Partial<DeviceChoice>): Promise<MediaStream> {
  const usesChoice = (kinds.video && chosen.camera) || (kinds.audio && chosen.microphone);
  try {
    return await md.getUserMedia(userMediaConstraints(kinds, CAMERA_CONSTRAINTS, chosen));
  } catch (e) {
    const name = (e as { name?: unknown } | null)?.name;
    if (!usesChoice || (name !== 'OverconstrainedError' && name !== 'NotFoundError')) throw e;
    return md.getUserMedia(userMediaConstraints(kinds, CAMERA_CONSTRAINTS));
  }
}

/** Asks for a screen, window or tab; the video track only (no system audio). */
export async function acquireDisplayMedia(
  md: MediaDevicesLike | null = devices(),
): Promise<{ track: MediaStreamTrack | null; error: SessionError | null }> {
  if (!md?.getDisplayMedia) {
    return { track: null, error: { code: 'media_failed', scope: 'media', message: texts.media.noScreenSharing } };
  }
  try {
    const stream = await md.getDisplayMedia({ video: true, audio: false });
    const track = stream.getVideoTracks()[0] ?? null;
    for (const t of stream.getTracks()) if (t !== track) t.stop();
    if (!track) return { track: null, error: { code: 'media_failed', scope: 'media', message: texts.media.noScreenVideo } };
    return { track, error: null };
  } catch (e) {
    return { track: null, error: mapMediaError(e, 'screen') };
  }
}

export function kindsOf(stream: MediaStream | null): MediaKinds {
  return {
    audio: Boolean(stream?.getAudioTracks().some((t) => t.readyState === 'live')),
    video: Boolean(stream?.getVideoTracks().some((t) => t.readyState === 'live')),
  };
}

/** Stops every track (camera light off, microphone released). */
export function stopStream(stream: MediaStream | null | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
