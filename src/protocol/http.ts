/**
 * HTTP API shapes of the wire contract (PROTOCOL.md §1).
 */
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './limits.js';

/** A lone UTF-16 surrogate: with the `u` flag a well-formed pair matches as one code point, never as `Cs`. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why a new password breaks the contract, or null when it is fine. Shared by
 * the widget and the backend. Lone surrogates are refused because they all
 * become U+FFFD when the password is encoded as UTF-8 for hashing, so
 * "\uD800…" and "\uDFFF…" would be the same password.
 */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    return `password must be ${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters`;
  }
  if (LONE_SURROGATE.test(password)) return 'password must be well-formed Unicode text (no unpaired surrogate characters)';
  return null;
}

/** A user as the API returns it: never a password hash or any other stored field. */
export interface PublicUser {
  id: string;
  name: string;
  email: string;
  /** A guest (PROTOCOL.md §4): present and true only for guests. */
  guest?: true;
}

export interface AuthResponse {
  token: string;
  user: PublicUser;
}

export interface MeResponse {
  user: PublicUser;
}

export interface IceServersResponse {
  iceServers: RTCIceServerJson[];
  iceTransportPolicy: 'all' | 'relay';
  /** Seconds the credentials stay valid. */
  ttl: number;
  /** `MAX_FILE_BYTES` (PROTOCOL.md §9): the largest file the backend lets a `file-offer` announce; absent from an older backend. */
  maxFileBytes?: number;
}

/** RTCIceServer as JSON (kept independent of the DOM lib so the backend can use it). */
export interface RTCIceServerJson {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export type ApiErrorCode =
  | 'invalid_input'
  | 'email_taken'
  | 'rate_limited'
  | 'invalid_credentials'
  | 'unauthorized'
  | 'not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'internal'
  // Several nodes on Redis (PROTOCOL.md §1): the shared storage cannot be reached right now.
  | 'unavailable'
  // Site accounts (PROTOCOL.md §1, "Site accounts").
  | 'invalid_site_token'
  | 'site_keys_unavailable'
  | 'site_accounts_disabled'
  | 'password_accounts_disabled'
  // Rooms, invites and guests (PROTOCOL.md §4).
  | 'room_not_found'
  | 'room_limit'
  | 'invite_limit'
  | 'invite_not_found'
  | 'invite_expired'
  | 'invite_revoked'
  | 'invite_used_up'
  | 'guests_disabled'
  | 'guests_cannot_invite'
  // Group calls (§6).
  | 'group_calls_not_allowed'
  | 'call_full'
  | 'call_full_video'
  | 'not_connected'
  // Messages while away (§8).
  | 'recipient_not_found'
  | 'pending_limit'
  | 'message_not_found'
  | 'message_id_taken';

export interface ApiErrorBody {
  error: { code: ApiErrorCode | string; message: string };
}

export const API_PATHS = {
  register: '/api/register',
  login: '/api/login',
  token: '/api/token',
  logout: '/api/logout',
  session: '/api/session',
  me: '/api/me',
  iceServers: '/api/ice-servers',
  rooms: '/api/rooms',
  invites: '/api/invites',
  guest: '/api/guest',
  healthz: '/healthz',
} as const;

/** `GET`/`DELETE /api/invites/<code>`. */
export const invitePath = (code: string): string => `${API_PATHS.invites}/${encodeURIComponent(code)}`;
/** `POST /api/invites/<code>/join`. */
export const inviteJoinPath = (code: string): string => `${invitePath(code)}/join`;

/** `POST /api/rooms/<roomId>/call` (a seat), `DELETE …/call/<sid>` (leaving it): PROTOCOL.md §6. */
export const roomCallPath = (roomId: string): string =>
  `${API_PATHS.rooms}/${roomId.startsWith(':') ? roomId : encodeURIComponent(roomId)}/call`;

/** MQTT over WebSocket endpoint path. */
export const MQTT_PATH = '/mqtt';
