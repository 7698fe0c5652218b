/**
 * The session's published state: one immutable `SessionState` (a new object and a `change`
 * event per change), the typed events, and the errors shown to the visitor. Every part of the
 * engine changes state only through this store.
 */
import { ApiRequestError } from './api-client.js';
import { texts } from './texts.js';
import { NO_HISTORY, NO_PRIVACY } from './call-history.js';
import type { SessionError, SessionEventMap, SessionState } from './types.js';

export const SIGNED_OUT: Omit<SessionState, 'relayOnly' | 'devices'> = {
  connection: 'signed-out',
  user: null,
  status: 'available',
  peers: [],
  rooms: [],
  room: null,
  roomPeers: {},
  invites: [],
  invite: null,
  call: null,
  chats: {},
  unread: {},
  error: null,
  roomCalls: {},
  groupCall: null,
  roomChats: {},
  groupRing: null,
  history: NO_HISTORY,
  privacy: NO_PRIVACY,
  fileTransfers: [],
};

export class SessionStore {
  private current: SessionState;

  constructor(
    private readonly target: EventTarget,
    initial: SessionState,
  ) {
    this.current = initial;
  }

  get state(): SessionState {
    return this.current;
  }

  update(patch: Partial<SessionState>): void {
    this.current = { ...this.current, ...patch };
    this.emit('change', this.current);
  }

  /** Back to signed out, keeping the visitor's relay-only choice and devices; `error` explains why, if anything. */
  reset(error: SessionError | null): void {
    this.current = { ...SIGNED_OUT, relayOnly: this.current.relayOnly, devices: this.current.devices, error };
    this.emit('change', this.current);
  }

  emit<K extends keyof SessionEventMap>(type: K, detail: SessionEventMap[K]['detail']): void {
    this.target.dispatchEvent(new CustomEvent(type, { detail }));
  }

  reportError(error: SessionError): void {
    this.update({ error });
    this.emit('error', error);
  }

  clearError(scope: SessionError['scope']): void {
    if (this.current.error?.scope === scope) this.update({ error: null });
  }
}

/** Any failure as an error of `scope` the visitor can read. */
export function toSessionError(e: unknown, scope: SessionError['scope']): SessionError {
  if (e instanceof ApiRequestError) return e.toSessionError(scope);
  return { code: 'internal', scope, message: texts.unexpected };
}
