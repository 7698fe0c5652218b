/**
 * The call engine without rendering: what the elements and host pages use.
 */
export { Session } from './session.js';
export type { SessionEnvironment } from './session.js';
export { ApiClient, ApiRequestError, toApiRequestError } from './api-client.js';
export { CallStateMachine } from './call-state-machine.js';
export type { CallMachineEvent, CallSnapshot, MachinePhase, TimerApi } from './call-state-machine.js';
export { SignalingClient, mqttUrl } from './signaling.js';
export type { SignalingState, SignalingHandlers, SignalingOptions } from './signaling.js';
export { PeerLink, readLinkStats, isRelayCandidate } from './peer.js';
export type { LinkStats, LinkCondition } from './peer.js';
export { acquireUserMedia, acquireDisplayMedia, mapMediaError, stopStream } from './media.js';
export { reconnectDelay, tokenRenewalDelayMs } from './timing.js';
export { PrecallCheck, waitForFrames } from './precall/precall-check.js';
export type { PrecallState } from './precall/precall-check.js';
export { checkConnection, GATHER_TIMEOUT_MS } from './precall/candidates.js';
export { precallVerdict } from './precall/verdict.js';
export type * from './precall/verdict.js';
export type * from './types.js';
