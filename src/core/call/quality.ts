/**
 * The connection-quality poller of a call: from the moment it connects, it reads the link's
 * statistics every QUALITY_POLL_MS, judges both sides (link-quality.ts) and shows the result in
 * the call view. The call's timers hold the next poll, so the call's end (dispose) stops it.
 */
import { assessQuality, holdPoor, type QualitySample } from '../link-quality.js';
import type { Call } from './call.js';

/** How often the bars follow the link: getStats() is cheap, and receiver reports come about every second. */
export const QUALITY_POLL_MS = 2_000;

/** Calls whose quality is being watched: 'connected' again after a recovery must not start a second poller. */
const watched = new WeakSet<Call>();

/** Starts polling the quality of a connected call, once per call; `render` shows each new judgement. */
export function watchQuality(call: Call, render: (call: Call) => void): void {
  if (watched.has(call)) return;
  watched.add(call);
  let previous: QualitySample | null = null;
  const poll = async (): Promise<void> => {
    const sample = (await call.link?.qualitySample().catch(() => null)) ?? null;
    if (call.disposed || !call.isLive) return;
    if (sample) {
      call.quality = holdPoor(call.quality, assessQuality(previous, sample));
      previous = sample;
      render(call);
    }
    call.timers.set('quality', () => void poll(), QUALITY_POLL_MS);
  };
  void poll();
}
