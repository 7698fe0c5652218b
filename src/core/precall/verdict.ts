/**
 * The pre-call check's verdict: what the visitor can expect from a call, from what the check found
 * (the camera, and the ICE candidates this browser gathers with the service's own ICE servers).
 * Pure, so every rule is tested in node (test/unit/core-precall-verdict.test.ts).
 */

/** What the camera check found. `unused`: the widget makes audio calls only (`video="false"`). */
export type CameraCheck = 'pending' | 'ok' | 'missing' | 'denied' | 'failed' | 'no-frames' | 'unused';

/** What the microphone check found; it is shown next to the meter and does not change the verdict. */
export type MicrophoneCheck = 'pending' | 'ok' | 'missing' | 'denied' | 'failed';

/**
 * Whether the configured TURN server answered: `answered` it gave a relay candidate, `refused` it
 * rejected the credentials (ICE error 401/403), `no-answer` nothing came back before the check gave
 * up, `not-configured` the service hands out no TURN server.
 */
export type TurnAnswer = 'answered' | 'refused' | 'no-answer' | 'not-configured';

/** How many candidates of each type were gathered (peer-reflexive ones never come from gathering). */
export interface CandidateCounts {
  host: number;
  srflx: number;
  relay: number;
}

/** The connection check's result. */
export interface ConnectionCheck {
  candidates: CandidateCounts;
  turn: TurnAnswer;
  /** Calls relay all media: the visitor's "hide my IP address", the site's `relay-only`, or the service's policy. */
  relayOnly: boolean;
}

export type PrecallVerdict = 'ready' | 'video-may-not-work' | 'needs-relay' | 'will-not-connect';

/** Why the verdict is what it is; each has its own sentence in the catalogue (`texts.ui.precall.reasons`). */
export type VerdictReason =
  | 'relay-only-without-turn'
  | 'relay-only-turn-silent'
  | 'no-candidates'
  | 'camera-missing'
  | 'camera-denied'
  | 'camera-failed'
  | 'camera-no-frames'
  | 'relay-only'
  | 'relay-only-path'
  | 'all-clear';

export interface Verdict {
  verdict: PrecallVerdict;
  reason: VerdictReason;
}

const CAMERA_REASONS = {
  missing: 'camera-missing',
  denied: 'camera-denied',
  failed: 'camera-failed',
  'no-frames': 'camera-no-frames',
} as const satisfies Partial<Record<CameraCheck, VerdictReason>>;

/**
 * The verdict, worst first: a call that cannot connect matters more than a missing camera, and a
 * call without video matters more than one that connects through the relay (it still works fully).
 * Null while a check that decides it is still running.
 */
export function precallVerdict(camera: CameraCheck, connection: ConnectionCheck | null): Verdict | null {
  if (!connection) return null;
  const { candidates, turn, relayOnly } = connection;
  const relay = candidates.relay > 0;
  const direct = candidates.host + candidates.srflx > 0;
  if (relayOnly && turn === 'not-configured') return { verdict: 'will-not-connect', reason: 'relay-only-without-turn' };
  if (relayOnly && !relay) return { verdict: 'will-not-connect', reason: 'relay-only-turn-silent' };
  if (!relay && !direct) return { verdict: 'will-not-connect', reason: 'no-candidates' };
  if (camera === 'pending') return null;
  if (camera in CAMERA_REASONS) return { verdict: 'video-may-not-work', reason: CAMERA_REASONS[camera as keyof typeof CAMERA_REASONS] };
  if (relayOnly) return { verdict: 'needs-relay', reason: 'relay-only' };
  if (!direct) return { verdict: 'needs-relay', reason: 'relay-only-path' };
  return { verdict: 'ready', reason: 'all-clear' };
}
