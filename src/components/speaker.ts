import type { DevicesState } from '../core/types.js';

/**
 * Plays `video`'s sound on the speaker chosen in the device settings (`setSinkId`, where the
 * browser has it; the settings hide the choice elsewhere). Called after every render: the video
 * element may be new, and the choice may change mid-call.
 */
export async function playOnChosenSpeaker(video: HTMLVideoElement, devices: DevicesState | undefined): Promise<void> {
  if (!devices?.speakerSelectable || typeof video.setSinkId !== 'function') return;
  const sink = devices.chosen.speaker ?? '';
  if (video.sinkId === sink) return;
  try {
    await video.setSinkId(sink);
  } catch {
    // The speaker went away meanwhile: the browser keeps playing on the default, and the device list follows.
  }
}
