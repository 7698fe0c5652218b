import type { CallView, SessionState } from '../core/types.js';

/** An incoming call that still rings: the dialog shows it, not the stage. */
export function ringingIncoming(state: SessionState | undefined): CallView | null {
  const call = state?.call ?? null;
  return call && call.direction === 'incoming' && call.phase === 'ringing' ? call : null;
}

/** The call the stage and the controls show: placed or answered (null while an incoming one still rings). */
export function stageCall(state: SessionState | undefined): CallView | null {
  const call = state?.call ?? null;
  return call && !ringingIncoming(state) ? call : null;
}
