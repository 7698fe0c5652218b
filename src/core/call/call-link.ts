/**
 * Creating a call's media link: the ICE servers for it, and the relay-only policy (the visitor's
 * choice or the server's): relay-only without a TURN server fails the call at once and says why.
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
  const [ice, certificate] = await Promise.all([deps.iceForCall(), deps.certificate()]);
  if (!call.isLive || call.disposed) return null;
  const relayOnly = deps.relayOnly() || ice.policy === 'relay';
  if (relayOnly && !hasTurn(ice.servers)) {
    call.machine.send({ type: 'fail', message: texts.call.relayNeeded });
    // After the generic call_failed the end reports: this is the error to show.
    deps.reportError({ code: 'turn_failed', scope: 'call', message: texts.call.relayMissing });
    return null;
  }
  const link = deps.createLink({
    role,
    iceServers: ice.servers,
    relayOnly,
    certificate: certificate ?? undefined,
    onDescription: (d) => deps.send(call, d.type === 'offer' ? { type: 'offer', sdp: d.sdp } : { type: 'answer', sdp: d.sdp }),
    onCandidate: (candidate) => deps.send(call, { type: 'candidate', candidate }),
    onRemoteStream: (stream) => {
      call.remoteStream = stream;
      deps.render(call);
    },
    onCondition: (c) => onLinkCondition(call, c, relayOnly, deps),
  });
  call.link = link;
  await deps.applyTracks(call);
  if (role === 'offerer') await link.createOffer();
  return link;
}
