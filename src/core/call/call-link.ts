/**
 * Creating a call's media link: the ICE servers for it, and the relay-only policy (the visitor's
 * choice or the server's): relay-only without a TURN server fails the call at once and says why.
 * And making a new link in place of one whose DTLS failed (PROTOCOL.md §3, "A link that fails"):
 * the caller opens it with a fresh offer, the callee on that offer; what the old link still says
 * goes nowhere.
 */
import { hasTurn, type IceConfig } from '../ice-config.js';
import type { SessionError } from '../types.js';
import { texts } from '../texts.js';
import type { Call, CallLink, CallLinkOptions, CallMessageBody } from './call.js';
import { onLinkCondition, type RecoveryHooks } from './link-recovery.js';

export interface LinkDeps extends RecoveryHooks {
  iceForCall(): Promise<IceConfig>;
  /** This browser's kept DTLS certificate; null lets the browser make one. */
  certificate(): Promise<RTCCertificate | null>;
  /** The visitor (or the site) asked to hide their IP address. */
  relayOnly(): boolean;
  createLink(options: CallLinkOptions): CallLink;
  send(call: Call, body: CallMessageBody): void;
  /** Puts the call's tracks on its new link. */
  applyTracks(call: Call): Promise<void>;
  reportError(error: SessionError): void;
}

/** The call's link, ready with its tracks (and the offer sent, for the caller); null when the call cannot have one. */
export async function openLink(call: Call, role: 'offerer' | 'answerer', deps: LinkDeps): Promise<CallLink | null> {
  const generation = call.linkGeneration;
  // Descriptions and candidates of a link after the first name it; the first one's carry nothing (older widgets).
  const tag = generation > 0 ? { link: generation } : {};
  const [ice, certificate] = await Promise.all([deps.iceForCall(), deps.certificate()]);
  // Ended meanwhile, or a newer link was started.
  if (!call.isLive || call.disposed || call.linkGeneration !== generation) return null;
  const relayOnly = deps.relayOnly() || ice.policy === 'relay';
  if (relayOnly && !hasTurn(ice.servers)) {
    call.machine.send({ type: 'fail', message: texts.call.relayNeeded });
    // After the generic call_failed the end reports: this is the error to show.
    deps.reportError({ code: 'turn_failed', scope: 'call', message: texts.call.relayMissing });
    return null;
  }
  // A link replaced by a newer one is closed or about to be: what it says is no longer the call's.
  const current = () => call.link === link;
  const link: CallLink = deps.createLink({
    role,
    iceServers: ice.servers,
    relayOnly,
    certificate: certificate ?? undefined,
    onDescription: (d) => current() && deps.send(call, { type: d.type, sdp: d.sdp, ...tag }),
    onCandidate: (candidate) => current() && deps.send(call, { type: 'candidate', candidate, ...tag }),
    onRemoteStream: (stream) => {
      if (!current()) return;
      call.remoteStream = stream;
      deps.render(call);
    },
    onCondition: (c) => current() && onLinkCondition(call, c, relayOnly, deps),
  });
  call.link = link;
  await deps.applyTracks(call);
  if (role === 'offerer') await link.createOffer();
  return link;
}

/**
 * Caller: the link's DTLS failed (ours, or the callee's as its `link-failed` says): a new link
 * with a fresh offer. The failed one stays open, silenced, until the new one connects: closing it
 * now would reach the callee's still-current link as a hang-up.
 */
export function replaceLink(call: Call, deps: LinkDeps): void {
  if (call.direction !== 'outgoing' || !call.isLive || call.machine.phase !== 'connected') return;
  const failed = call.link;
  if (failed && failed !== call.replacedLink) {
    call.replacedLink?.close();
    call.replacedLink = failed;
  }
  startNewLink(call, 'offerer', deps, call.linkGeneration + 1);
}

/** Callee: the caller's offer for a newer link: ours goes (its peer moved on), the new one answers. */
export async function takeNewLink(call: Call, generation: number, deps: LinkDeps): Promise<CallLink | null> {
  const old = call.link;
  startNewLink(call, 'answerer', deps, generation);
  old?.close();
  return call.linkReady;
}

function startNewLink(call: Call, role: 'offerer' | 'answerer', deps: LinkDeps, generation: number): void {
  call.linkGeneration = generation;
  call.link = null;
  call.linkUp = false;
  call.linkReady = openLink(call, role, deps);
}
