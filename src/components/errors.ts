/**
 * Which error the widget shows, and where. An error is data with a scope
 * (`SessionError`): the session reports the failures it knows of in
 * `state.error`. A session promise that rejects anyway is never swallowed: the
 * element that called it turns the rejection into an error of the action's
 * scope (`attempt`), shown where that scope is shown and raised to the page as
 * `rtc-error` (bubbling and composed: from inside `<rtc-call>` it reaches the
 * page on `<rtc-call>`, like the session's own errors the root forwards).
 *
 * Such reports are kept per session here, not in the Session, so its state
 * stays its own, and every element of one session agrees on the one error to
 * show and on the one place that shows it.
 */
import type { SessionApi, SessionError, SessionErrorCode, SessionState } from '../core/types.js';
import { texts } from '../core/texts.js';
import { createRtcEvent } from '../events.js';
import { stageCall } from './call-view.js';

export type ErrorScope = SessionError['scope'];

/**
 * Where an error shows: the sign-in form, the banner under the top bar, beside the call controls, in the 1:1 chat,
 * in the room chat, in the invites panel (`rooms`), on the invite link being opened (`invite`).
 */
export type ErrorPlace = 'login' | 'banner' | 'call-controls' | 'chat' | 'room-chat' | 'rooms' | 'invite' | 'history';

/**
 * Sign-in and connection errors show in the sign-in form while signed out, in the banner once signed in.
 * Media and call errors show beside the call controls while a call (1:1 or group) is on the stage, else in the banner.
 * Chat errors show in their chat: the 1:1 chat's in `<rtc-chat>`, a room's in `<rtc-room-chat>`. Room and invite errors show in the invites panel. An invite link's
 * errors show on the link while it is open, else in the banner (or the sign-in form when signed out).
 */
export function errorPlace(error: SessionError, state: SessionState): ErrorPlace {
  switch (error.scope) {
    case 'chat':
      return 'chat';
    case 'room-chat':
      return 'room-chat';
    case 'rooms':
      return 'rooms';
    case 'history':
      // The call history and the do-not-disturb/invisible choices (`<rtc-call-history>`, `<rtc-privacy>`).
      return 'history';
    case 'invite':
      return state.invite ? 'invite' : state.user ? 'banner' : 'login';
    case 'auth':
    case 'connection':
      return state.user ? 'banner' : 'login';
    case 'media':
    case 'call':
      // The group call's own controls (`<rtc-group-call>`) show them while it is on.
      return stageCall(state) || state.groupCall ? 'call-controls' : 'banner';
  }
}

interface Board {
  /** An error an element met, and the session's own error at that moment (a newer one of the session's replaces it). */
  reported?: { error: SessionError; over: SessionError | null; off: () => void };
  /** The error the visitor closed. */
  dismissed?: SessionError;
}

const boards = new WeakMap<SessionApi, Board>();

/** Tells the elements of a session that its shown error changed (`detail` is the session). */
export const errorChanges = new EventTarget();

function changed(session: SessionApi): void {
  errorChanges.dispatchEvent(new CustomEvent('change', { detail: session }));
}

function board(session: SessionApi): Board {
  let found = boards.get(session);
  if (!found) boards.set(session, (found = {}));
  return found;
}

function forgetReport(session: SessionApi): void {
  const current = boards.get(session);
  if (!current?.reported) return;
  current.reported.off();
  delete current.reported;
  changed(session);
}

/** The error to show now: an element's report unless the session has a newer one; nothing once the visitor closed it. */
export function shownError(session: SessionApi): SessionError | null {
  const { reported, dismissed } = boards.get(session) ?? {};
  const error = reported?.error ?? session.state.error;
  return error && error !== dismissed ? error : null;
}

/** The error `place` shows now, or null. */
export function errorAt(session: SessionApi | undefined, place: ErrorPlace): SessionError | null {
  const error = session ? shownError(session) : null;
  return error && errorPlace(error, session!.state) === place ? error : null;
}

/** Hides `error` (the visitor closed it); a later error shows again. */
export function dismissError(session: SessionApi, error: SessionError): void {
  board(session).dismissed = error;
  if (boards.get(session)?.reported?.error === error) forgetReport(session);
  changed(session);
}

/** Every code a visitor may see, to tell a rejection that carries one (the API client's errors) from any other. */
const CODES: Record<SessionErrorCode, true> = {
  invalid_input: true,
  invalid_credentials: true,
  email_taken: true,
  rate_limited: true,
  unauthorized: true,
  invalid_site_token: true,
  site_keys_unavailable: true,
  site_accounts_disabled: true,
  password_accounts_disabled: true,
  site_token_url_failed: true,
  server_unreachable: true,
  file_failed: true,
  media_denied: true,
  media_missing: true,
  media_failed: true,
  call_failed: true,
  turn_failed: true,
  chat_failed: true,
  internal: true,
  room_not_found: true,
  room_limit: true,
  invite_limit: true,
  invite_not_found: true,
  invite_expired: true,
  invite_revoked: true,
  invite_used_up: true,
  guests_disabled: true,
  guests_cannot_invite: true,
  group_calls_not_allowed: true,
  call_full: true,
  call_full_video: true,
  not_connected: true,
};

/** The error of `scope` a rejection stands for: its own code and sentence when it has them, else "something went wrong". */
export function rejectionError(reason: unknown, scope: ErrorScope): SessionError {
  const { code, message } = (typeof reason === 'object' && reason !== null ? reason : {}) as Partial<Record<'code' | 'message', unknown>>;
  if (typeof code === 'string' && Object.hasOwn(CODES, code) && typeof message === 'string' && message) {
    return { code: code as SessionErrorCode, message, scope };
  }
  return { code: 'internal', message: texts.unexpected, scope };
}

/** Shows `reason` as an error of `scope` and raises it from `host` as `rtc-error`. */
export function reportRejection(host: EventTarget, session: SessionApi, scope: ErrorScope, reason: unknown): SessionError {
  const error = rejectionError(reason, scope);
  forgetReport(session);
  const over = session.state.error;
  // Any change of the session's own error after this one (a new error, or one cleared by a success) replaces it.
  const onChange = () => {
    if (session.state.error !== over) forgetReport(session);
  };
  session.addEventListener('change', onChange);
  board(session).reported = { error, over, off: () => session.removeEventListener('change', onChange) };
  changed(session);
  host.dispatchEvent(createRtcEvent('rtc-error', error));
  return error;
}

/**
 * Runs a session action of `scope` for `host`; a rejection (or a throw) is reported, never swallowed.
 * Starting it clears an earlier report of the same scope. Never rejects itself.
 */
export async function attempt(
  host: EventTarget,
  session: SessionApi | undefined,
  scope: ErrorScope,
  action: (session: SessionApi) => unknown,
): Promise<void> {
  if (!session) return;
  if (boards.get(session)?.reported?.error.scope === scope) forgetReport(session);
  try {
    await action(session);
  } catch (reason) {
    reportRejection(host, session, scope, reason);
  }
}
