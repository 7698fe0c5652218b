/**
 * The pre-call connection check: which ICE candidate types this browser gathers with the service's
 * own ICE servers, and whether the configured TURN server answers. A throwaway RTCPeerConnection
 * with one data channel makes an offer and gathers; nothing is ever sent to anyone.
 */
import { hasTurn, type IceConfig } from '../ice-config.js';
import type { CandidateCounts, ConnectionCheck, TurnAnswer } from './verdict.js';

/**
 * How long gathering may take. With a TURN server that answers, both engines complete in well under a
 * second on loopback; with TURN on a closed port neither Chromium 156 nor Firefox ESR 153 had
 * completed gathering after 5 s (test/turn/precall.test.ts), so the check stops waiting here and
 * counts what came.
 */
export const GATHER_TIMEOUT_MS = 5_000;

/** The candidate type of an ICE candidate line (`host`, `srflx`, `prflx`, `relay`), or null. */
export function candidateType(line: string): string | null {
  return /\styp (\w+)/.exec(line)?.[1] ?? null;
}

/** Counts gathered candidate lines by type. */
export function countCandidates(lines: readonly string[]): CandidateCounts {
  const counts: CandidateCounts = { host: 0, srflx: 0, relay: 0 };
  for (const line of lines) {
    const type = candidateType(line);
    if (type === 'host' || type === 'srflx' || type === 'relay') counts[type]++;
  }
  return counts;
}

/** Whether the TURN server answered: a relay candidate says it did; ICE error 401 or 403 that it refused us. */
export function turnAnswer(servers: RTCIceServer[], relayCandidates: number, iceErrors: ReadonlySet<number>): TurnAnswer {
  if (!hasTurn(servers)) return 'not-configured';
  if (relayCandidates > 0) return 'answered';
  return iceErrors.has(401) || iceErrors.has(403) ? 'refused' : 'no-answer';
}

export interface GatherOptions {
  timeoutMs?: number;
  /** The browser's RTCPeerConnection by default. */
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
}

/** What gathering saw: every candidate line and ICE error code, and whether it completed in time. */
export interface Gathering {
  lines: string[];
  errors: Set<number>;
  complete: boolean;
}

/**
 * Gathers every candidate type (policy `all`, even for a relay-only visitor: the candidates never
 * leave this browser, and the check says which paths exist), then closes the connection.
 */
export async function gatherCandidates(servers: RTCIceServer[], options: GatherOptions = {}): Promise<Gathering> {
  const create = options.createPeerConnection ?? ((config) => new RTCPeerConnection(config));
  const result: Gathering = { lines: [], errors: new Set(), complete: false };
  const pc = create({ iceServers: servers, iceTransportPolicy: 'all' });
  try {
    pc.addEventListener('icecandidate', (e) => {
      if (e.candidate?.candidate) result.lines.push(e.candidate.candidate);
    });
    pc.addEventListener('icecandidateerror', (e) => result.errors.add((e as RTCPeerConnectionIceErrorEvent).errorCode));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finished = new Promise<void>((resolve) => {
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState !== 'complete') return;
        result.complete = true;
        resolve();
      });
      timer = setTimeout(resolve, options.timeoutMs ?? GATHER_TIMEOUT_MS);
    });
    pc.createDataChannel('precall');
    await pc.setLocalDescription(await pc.createOffer());
    await finished;
    clearTimeout(timer);
  } finally {
    pc.close();
  }
  return result;
}

/**
 * The connection check with `ice` (the sign-in's ICE servers and the service's policy); `relayOnly`
 * is the visitor's or the site's choice. A browser without WebRTC gathers nothing: "will not connect".
 */
export async function checkConnection(ice: IceConfig, relayOnly: boolean, options: GatherOptions = {}): Promise<ConnectionCheck> {
  let gathering: Gathering;
  try {
    gathering = await gatherCandidates(ice.servers, options);
  } catch {
    gathering = { lines: [], errors: new Set(), complete: false };
  }
  const candidates = countCandidates(gathering.lines);
  return {
    candidates,
    turn: turnAnswer(ice.servers, candidates.relay, gathering.errors),
    relayOnly: relayOnly || ice.policy === 'relay',
  };
}
