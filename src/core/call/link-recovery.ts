/**
 * What a call does with its media link's conditions: connected (again), closed by the peer,
 * failed, relay unavailable, lost or broken — then the lost-link watch until it recovers or the
 * call ends, the ICE restart when signalling comes back, and while the link stays failed the
 * caller's new ICE restart or new link, which the callee asks for (PROTOCOL.md §3, "A link that fails").
 */
import type { SessionError } from '../types.js';
import type { LinkCondition } from '../peer.js';
import { texts } from '../texts.js';
import { lostLinkStep } from '../timing.js';
import type { Call, CallMessageBody } from './call.js';

/** While a link stays failed, how often the caller tries again (ICE restart or new link), and the callee asks for it. */
export const RESTART_RETRY_MS = 3_000;

export interface RecoveryHooks {
  /** The call's view changed (interrupted or not). */
  render(call: Call): void;
  reportError(error: SessionError): void;
  send(call: Call, body: CallMessageBody): void;
  /** Caller: a new link in place of one whose DTLS failed (call-link.ts `replaceLink`). */
  replaceLink(call: Call): void;
}

export function onLinkCondition(call: Call, condition: LinkCondition, relayOnly: boolean, hooks: RecoveryHooks): void {
  if (!call.isLive) return;
  const { machine, peer } = call;
  switch (condition) {
    case 'connected': {
      call.timers.clear('recovery');
      call.timers.clear('restart');
      call.linkUp = true;
      call.lastPacketAt = null;
      // A new link is up: the failed one it replaced can go (the callee left it already).
      call.replacedLink?.close();
      call.replacedLink = null;
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
      // A new link in place of a failed one, still cut off: the lost-link watch decides, and tries again.
      if (call.linkGeneration > 0) return onLinkCondition(call, 'interrupted', relayOnly, hooks);
      machine.send({ type: 'fail', message: texts.call.linkFailed(peer.name, relayOnly) });
      if (relayOnly) hooks.reportError({ code: 'turn_failed', scope: 'call', message: texts.call.relayFailed });
      return;
    case 'broken':
      // No ICE restart revives a failed DTLS transport: the caller makes a new link, the callee asks for one.
      call.timers.clear('restart');
      retryRestart(call, hooks, true);
      return onLinkCondition(call, 'interrupted', relayOnly, hooks);
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
  // The statistics say how long before their own reading the last packet came: read against the time asked.
  const asked = call.clock.now();
  const reading = (await call.link?.silenceMs().catch(() => null)) ?? null;
  if (!call.isLive || call.timers.has('recovery') || call.link?.connectionState === 'connected') return;
  // The latest packet seen counts: a new link has no statistics yet, and once its ICE failed Firefox may
  // report only entries from before a cut, which would make media that flowed a moment ago look long gone.
  const now = call.clock.now();
  if (reading !== null) call.lastPacketAt = Math.max(call.lastPacketAt ?? 0, asked - reading);
  const silence = call.lastPacketAt === null ? null : Math.max(0, now - call.lastPacketAt);
  const step = lostLinkStep(silence, due);
  if (step.end) {
    call.machine.send({ type: 'fail', message: texts.call.lost(call.peer.name) });
    return;
  }
  if (call.interrupted !== step.interrupted) {
    call.interrupted = step.interrupted;
    hooks.render(call);
  }
  if (call.link?.connectionState === 'failed') retryRestart(call, hooks, false);
  call.timers.set('recovery', () => void watchLostLink(call, hooks, true), step.checkInMs);
}

/**
 * The link failed (PROTOCOL.md §3, "A link that fails"). The callee tells the caller at once and
 * then every RESTART_RETRY_MS while it lasts (the caller's side may look fine). The caller makes a
 * new link at once when DTLS broke (`broken`); otherwise it restarted ICE when its link failed, and
 * tries again each RESTART_RETRY_MS the link stays failed: a new ICE restart (that offer, or its
 * answer, may be lost), or a new link when DTLS failed or a new link never came up.
 */
function retryRestart(call: Call, hooks: RecoveryHooks, broken: boolean): void {
  if (call.timers.has('restart')) return;
  if (call.direction === 'incoming') {
    const dtls = broken || (call.link?.dtlsFailed() ?? false);
    hooks.send(call, { type: 'link-failed', dtls, ...(call.linkGeneration > 0 ? { link: call.linkGeneration } : {}) });
    call.timers.set('restart', () => undefined, RESTART_RETRY_MS);
    return;
  }
  if (broken) hooks.replaceLink(call);
  call.timers.set(
    'restart',
    () => {
      const link = call.link;
      if (link?.connectionState !== 'failed') return;
      if (link.dtlsFailed() || !call.linkUp) hooks.replaceLink(call);
      else restartLostLink(call);
    },
    RESTART_RETRY_MS,
  );
}
