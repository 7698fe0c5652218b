/**
 * HTTP client for the backend API (PROTOCOL.md §1). Bearer token in a
 * header, never cookies; every failure becomes a typed `ApiRequestError` whose code
 * is a `SessionErrorCode` the UI can show.
 */
import {
  API_PATHS,
  type ApiErrorBody,
  type AuthResponse,
  type IceServersResponse,
  type Invite,
  type InvitePreview,
  type JoinCallRequest,
  type JoinCallResponse,
  type MeResponse,
  type Room,
  inviteJoinPath,
  MESSAGES_DELIVERED_PATH,
  MESSAGES_PATH,
  messagePath,
  type LeaveMessageRequest,
  type LeaveMessageResponse,
  type WaitingMessagesResponse,
  invitePath,
  passwordProblem,
  roomCallPath,
  HISTORY_PATHS,
  callEntryPath,
  type CallHistoryPage,
  type PrivacyResponse,
  type PrivacyUpdate,
} from '../protocol/index.js';
import type { InviteOptions, SessionError, SessionErrorCode } from './types.js';
import { errorText, texts } from './texts.js';

/** A request to the backend's HTTP API that failed, as the widget sees it (refused, or no answer at all). */
export class ApiRequestError extends Error {
  readonly code: SessionErrorCode;
  readonly status: number;
  constructor(code: SessionErrorCode, message: string, status: number) {
    super(message);
    this.name = 'ApiRequestError';
    this.code = code;
    this.status = status;
  }

  toSessionError(scope: SessionError['scope']): SessionError {
    return { code: this.code, message: this.message, scope };
  }
}

const KNOWN_CODES: ReadonlySet<SessionErrorCode> = new Set<SessionErrorCode>([
  'invalid_input',
  'invalid_credentials',
  'email_taken',
  'rate_limited',
  'unauthorized',
  'invalid_site_token',
  'site_keys_unavailable',
  'site_accounts_disabled',
  'password_accounts_disabled',
  'room_not_found',
  'room_limit',
  'invite_limit',
  'invite_not_found',
  'invite_expired',
  'invite_revoked',
  'invite_used_up',
  'guests_disabled',
  'guests_cannot_invite',
  'group_calls_not_allowed',
  'call_full',
  'call_full_video',
  'not_connected',
]);

/** Maps an HTTP status and error body to the code shown to the visitor. */
export function toApiRequestError(status: number, body: unknown): ApiRequestError {
  const err = (body as Partial<ApiErrorBody> | null)?.error;
  const rawCode = typeof err?.code === 'string' ? err.code : '';
  let code: SessionErrorCode;
  if (KNOWN_CODES.has(rawCode as SessionErrorCode)) code = rawCode as SessionErrorCode;
  else if (status === 429) code = 'rate_limited';
  else if (status === 401) code = 'unauthorized';
  else if (status === 400 || status === 413 || status === 415) code = 'invalid_input';
  else code = 'internal';
  const serverMessage = typeof err?.message === 'string' && err.message.length > 0 ? err.message : '';
  // The catalogue's sentence, in the visitor's language, wherever it has one for the code; the
  // server's own (English) words only for invalid input, where they name the field to fix.
  const catalogue = code === 'invalid_input' ? undefined : errorText(code);
  return new ApiRequestError(code, catalogue ?? (serverMessage || texts.errors.internal), status);
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export class ApiClient {
  readonly origin: string;
  private readonly fetchImpl: FetchLike;

  constructor(server: string, fetchImpl?: FetchLike) {
    this.origin = server.replace(/\/+$/, '');
    this.fetchImpl = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  }

  register(name: string, email: string, password: string): Promise<AuthResponse> {
    // The backend refuses it too; saying so here spares a round trip and a rate-limited attempt.
    const problem = passwordProblem(password);
    if (problem) return Promise.reject(new ApiRequestError('invalid_input', problem, 400));
    return this.request<AuthResponse>('POST', API_PATHS.register, null, { name, email, password });
  }

  login(email: string, password: string): Promise<AuthResponse> {
    return this.request<AuthResponse>('POST', API_PATHS.login, null, { email, password });
  }

  /** This backend's session for a site's own JWT (PROTOCOL.md §1, "Site accounts"). */
  exchangeSiteToken(siteToken: string): Promise<AuthResponse> {
    return this.request<AuthResponse>('POST', API_PATHS.session, null, { token: siteToken });
  }

  /** A fresh token (new expiry) for a still-valid one. */
  renewToken(token: string): Promise<AuthResponse> {
    return this.request<AuthResponse>('POST', API_PATHS.token, token);
  }

  /** Revokes this sign-in on the server: the token and every token renewed from it. */
  logout(token: string): Promise<void> {
    return this.request<void>('POST', API_PATHS.logout, token);
  }

  me(token: string): Promise<MeResponse> {
    return this.request<MeResponse>('GET', API_PATHS.me, token);
  }

  iceServers(token: string): Promise<IceServersResponse> {
    return this.request<IceServersResponse>('GET', API_PATHS.iceServers, token);
  }

  // ------------------------------------------------------------ rooms, invites and guests (PROTOCOL.md §4)

  /** The caller's rooms; an older backend without rooms answers 404. */
  rooms(token: string): Promise<{ rooms: Room[] }> {
    return this.request('GET', API_PATHS.rooms, token);
  }

  createRoom(token: string, name: string): Promise<{ room: Room; invite: Invite }> {
    return this.request('POST', API_PATHS.rooms, token, { name });
  }

  /** `target`: a group room's id, or `{ personal: true }` for the caller's "call me" room. */
  createInvite(token: string, target: { room: string } | { personal: true }, options: InviteOptions = {}): Promise<{ invite: Invite }> {
    return this.request('POST', API_PATHS.invites, token, { ...target, ...options });
  }

  invites(token: string): Promise<{ invites: Invite[] }> {
    return this.request('GET', API_PATHS.invites, token);
  }

  revokeInvite(token: string, code: string): Promise<void> {
    return this.request('DELETE', invitePath(code), token);
  }

  /** What anyone holding the link may learn of it; no sign-in needed. */
  previewInvite(code: string): Promise<{ invite: InvitePreview }> {
    return this.request('GET', invitePath(code), null);
  }

  joinInvite(token: string, code: string): Promise<{ room: Room }> {
    return this.request('POST', inviteJoinPath(code), token);
  }

  /** A guest account in the invite's room, signed in like a login. */
  guest(invite: string, name: string): Promise<AuthResponse> {
    return this.request('POST', API_PATHS.guest, null, { invite, name });
  }

  // ------------------------------------------------------------ group calls (PROTOCOL.md §6)

  /** A seat in `roomId`'s call for this tab (`sid`), starting the call when none is on. */
  joinRoomCall(token: string, roomId: string, body: JoinCallRequest): Promise<JoinCallResponse> {
    return this.request('POST', roomCallPath(roomId), token, body);
  }

  /**
   * Gives up the seat `sid` holds. `keepalive`: the request outlives the page (sent on `pagehide`),
   * so the others see the seat go at once rather than after the lost-seat rule's 15 s.
   */
  leaveRoomCall(token: string, roomId: string, sid: string, options: { keepalive?: boolean } = {}): Promise<void> {
    return this.request('DELETE', `${roomCallPath(roomId)}/${encodeURIComponent(sid)}`, token, undefined, options.keepalive);
  }

  // ------------------------------------------------------------ call history and privacy (PROTOCOL.md §7)

  /** One page of the visitor's own call history, newest first, after `cursor`. */
  callHistory(token: string, limit: number, cursor?: string): Promise<CallHistoryPage> {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    return this.request('GET', `${HISTORY_PATHS.calls}?${query}`, token);
  }

  deleteCall(token: string, id: string): Promise<void> {
    return this.request('DELETE', callEntryPath(id), token);
  }

  markCallsSeen(token: string): Promise<void> {
    return this.request('POST', HISTORY_PATHS.callsSeen, token);
  }

  privacy(token: string): Promise<PrivacyResponse> {
    return this.request('GET', HISTORY_PATHS.privacy, token);
  }

  setPrivacy(token: string, update: PrivacyUpdate): Promise<PrivacyResponse> {
    return this.request('POST', HISTORY_PATHS.privacy, token, update);
  }

  // ------------------------------------------------------------ messages while away (PROTOCOL.md §8)

  /** Leaves a chat with the backend for someone offline who shares a room. */
  leaveMessage(token: string, body: LeaveMessageRequest): Promise<LeaveMessageResponse> {
    return this.request('POST', MESSAGES_PATH, token, body);
  }

  /** Our messages the backend still keeps for their recipients. */
  waitingMessages(token: string): Promise<WaitingMessagesResponse> {
    return this.request('GET', MESSAGES_PATH, token);
  }

  withdrawMessage(token: string, id: string): Promise<void> {
    return this.request('DELETE', messagePath(id), token);
  }

  /** The messages kept for us that this tab has shown: the backend forgets them. */
  acknowledgeMessages(token: string, ids: string[]): Promise<void> {
    return this.request('POST', MESSAGES_DELIVERED_PATH, token, { ids });
  }

  private async request<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    token: string | null,
    body?: unknown,
    keepalive = false,
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.origin}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
        ...(keepalive ? { keepalive } : {}),
      });
    } catch {
      throw new ApiRequestError('server_unreachable', texts.errors.server_unreachable, 0);
    }
    if (res.status === 204) return undefined as T;
    let parsed: unknown;
    try {
      parsed = await res.json();
    } catch {
      // Not our API (a proxy error page, a wrong origin): say so rather than "internal".
      throw new ApiRequestError('server_unreachable', texts.errors.server_unreachable, res.status);
    }
    if (!res.ok) throw toApiRequestError(res.status, parsed);
    return parsed as T;
  }
}
