/**
 * HTTP API shapes of the wire contract (PROTOCOL.md §1).
 */

/** A user as the API returns it: never a password hash or any other stored field. */
export interface PublicUser {
  id: string;
  name: string;
  email: string;
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
  | 'internal';

export interface ApiErrorBody {
  error: { code: ApiErrorCode | string; message: string };
}

export const API_PATHS = {
  register: '/api/register',
  login: '/api/login',
  token: '/api/token',
  logout: '/api/logout',
  me: '/api/me',
  iceServers: '/api/ice-servers',
  healthz: '/healthz',
} as const;

/** MQTT over WebSocket endpoint path. */
export const MQTT_PATH = '/mqtt';
