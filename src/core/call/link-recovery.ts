/**
 * What a call does with its media link's conditions: connected (again), closed by the peer,
 * failed, relay unavailable, or lost — then the lost-link watch until it recovers or the call
 * ends, and the ICE restart when signalling comes back.
 */
import type { SessionError } from '../types.js';
import type { LinkCondition } from '../peer.js';
import { texts } from '../texts.js';
import { lostLinkStep } from '../timing.js';
import type { Call } from './call.js';

export interface RecoveryHooks {
  /** The call's view changed (interrupted or not). */
  render(call: Call): void;
  reportError(error: SessionError): void;
}

export function onLinkCondition(call: Call, condition: LinkCondition, relayOnly: boolean, hooks: RecoveryHooks): void {
  if (!call.isLive) return;
  const { machine, peer } = call;
  switch (condition) {
    case 'connected': {
      call.timers.clear('recovery');
      const wasInterrupted = call.interrupted;
      call.interrupted = false;
      if (!machine.send({ type: 'connected' }) && wasInterrupted) hooks.render(call);
      return;
    }
    case 'closed':
      machine.send({ type: 'remote-hangup' });
      return;
    case 'relay-unavailable':
      machine.send({ type: 'fail', message: texts.call.relayProblem(peer.name, call.link?.relayProblem() === 'refused') });
      return;
    case 'failed':
      machine.send({ type: 'fail', message: texts.call.linkFailed(peer.name, relayOnly) });
      if (relayOnly) hooks.reportError({ code: 'turn_failed', scope: 'call', message: texts.call.relayFailed });
      return;
    case 'interrupted':
      // ICE may resume on its own, or through the caller's ICE restart.
      if (!call.timers.has('recovery')) void watchLostLink(call, hooks);
      return;
  }
}

/** The caller of a connected call whose link is lost restarts ICE again (a no-op otherwise). */
export function restartLostLink(call: Call): void {
  if (call.machine.phase !== 'connected' || !call.link) return;
  call.link.restartIceNow().catch(() => {
    // A rollback refused mid-negotiation: the restart under way goes on, and the deadline still holds.
  });
}

/**
 * Follows a link the browser reports lost until it says 'connected' again, from the packets
 * themselves (lostLinkStep): the browser reports a loss only seconds after it (Chromium ~8 s), so
 * the call ends once no packet arrived for 13 s, and shows the interruption meanwhile. Packets
 * flowing again count as recovered even before the browser says so (Firefox may stay
 * 'disconnected' for many seconds after media is back).
 */
async function watchLostLink(call: Call, hooks: RecoveryHooks, due = false): Promise<void> {
  const silence = (await call.link?.silenceMs().catch(() => null)) ?? null;
  if (!call.isLive || call.timers.has('recovery') || call.link?.connectionState === 'connected') return;
  const step = lostLinkStep(silence, due);
  if (step.end) {
    call.machine.send({ type: 'fail', message: texts.call.lost(call.peer.name) });
    return;
  }
  if (call.interrupted !== step.interrupted) {
    call.interrupted = step.interrupted;
    hooks.render(call);
  }
  call.timers.set('recovery', () => void watchLostLink(call, hooks, true), step.checkInMs);
}
