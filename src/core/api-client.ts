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
  type MeResponse,
  passwordProblem,
} from '../protocol/index.js';
import type { SessionError, SessionErrorCode } from './types.js';
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
  return new ApiRequestError(code, serverMessage || (errorText(code) ?? texts.errors.internal), status);
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

  private async request<T>(method: 'GET' | 'POST', path: string, token: string | null, body?: unknown): Promise<T> {
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
