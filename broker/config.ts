/**
 * The backend's configuration: environment variables with defaults. This is
 * the only module that reads `process.env`; everything else gets a `Config`.
 */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_TOKEN_TTL_SECONDS,
  INVITE_BURST,
  INVITE_REFILL_SECONDS,
  MAX_SESSIONS_PER_USER,
  PUBLISH_BURST,
  PUBLISH_RATE_PER_SECOND,
  TOKEN_ISSUER,
  USER_PUBLISH_BURST,
  USER_PUBLISH_RATE_PER_SECOND,
} from '../src/protocol/index.js';
import { DEFAULT_HISTORY_DAYS } from '../src/protocol/history.js';
import { DEFAULT_MAX_CALL_SIZE, MAX_CALL_AUDIO_SIZE_CEILING, MAX_CALL_SIZE_CEILING } from '../src/protocol/group-calls.js';
import { DEFAULT_MAX_FILE_BYTES, MAX_FILE_BYTES_CEILING } from '../src/protocol/files.js';

export type IceTransportPolicy = 'all' | 'relay';

/** Who may sign in: people with a password here, a site's own users (a site JWT), or both. */
export const ACCOUNTS_MODES = ['password', 'site', 'both'] as const;
export type AccountsMode = (typeof ACCOUNTS_MODES)[number];

export interface Config {
  host: string;
  port: number;
  /** Folder of the user store and the generated JWT secret. */
  dataDir: string;
  /** HS256 secret; when unset a strong one is generated once and kept in `dataDir`. */
  jwtSecret?: string;
  tokenTtlSeconds: number;
  /** A sign-in's tokens are renewed until this long after the sign-in; then the visitor signs in again. */
  sessionMaxAgeSeconds: number;
  /** `'*'` = any origin (the default: the widget is embedded in other sites). */
  allowedOrigins: '*' | string[];
  /** scrypt N (a power of two). OWASP default 2^17; tests lower it. */
  scryptCost: number;
  /**
   * scrypt derivations at once (register, login, reset); the rest wait their
   * turn. 0 = unbounded. The default leaves a core and two libuv threads
   * free for token checks, MQTT connects and files.
   */
  hashConcurrency: number;
  turnUrls: string[];
  turnSecret?: string;
  turnTtlSeconds: number;
  stunUrls: string[];
  iceTransportPolicy: IceTransportPolicy;
  /** Per-connection MQTT publish budget: sustained messages per second and burst. */
  publishRate: number;
  publishBurst: number;
  /** Per-user MQTT publish budget, shared by all of the user's connections. */
  userPublishRate: number;
  userPublishBurst: number;
  /** Concurrent MQTT connections one user may hold; the next CONNECT gets CONNACK 3. */
  maxSessionsPerUser: number;
  /** Invites from one user to another: a burst, then one every `inviteRefillSeconds`; the rest are dropped. */
  inviteBurst: number;
  inviteRefillSeconds: number;
  /** Requests to /api/register and /api/login per address per window (all attempts). */
  authRateMax: number;
  authRateWindowSeconds: number;
  /**
   * Failed logins for one normalised email from one address, and from one
   * address for any email, before that address gets 429 until the window ends.
   * Past `loginFailuresPerEmail` failures for an email from all addresses,
   * every attempt for it is slowed down (up to `loginSlowdownMaxMs`), never refused.
   */
  loginFailuresPerEmail: number;
  loginFailuresPerAddress: number;
  loginFailureWindowSeconds: number;
  loginSlowdownMaxMs: number;
  /** MQTT subscriptions one client may hold. */
  maxSubscriptionsPerClient: number;
  /** Folders served at `/`: the widget bundle (rollup output) and the demo pages. */
  distDir: string;
  demoDir: string;
  /**
   * Behind a reverse proxy: which proxies to trust for X-Forwarded-For, so
   * per-address throttles see clients, not the proxy. Fastify's `trustProxy`,
   * as the proxies' addresses only: `true` (trust every hop) would believe
   * whatever a client writes there.
   */
  trustProxy: false | string[];
  /** Serve the bundle's `*.map` files (rollup writes them); off: they are 404. */
  serveSourceMaps: boolean;
  /** Server log level (pino, to stderr); errors only by default. */
  logLevel: LogLevel;
  /** `password` (default): register/login; `site`: only site JWTs (POST /api/session); `both`. */
  accounts: AccountsMode;
  /** Site accounts: the site's HS256 secret, or the URL of its JWKS (RS256, ES256, EdDSA); exactly one. */
  siteJwtSecret?: string;
  siteJwksUrl?: string;
  /** Site accounts: the `iss` every site token must carry. */
  siteJwtIssuer?: string;
  /** A token with an unknown `kid` refetches the JWKS at most this often (key rotation without a restart). */
  siteJwksCooldownSeconds: number;
  /** Every password account is in the room `lobby` (PROTOCOL.md §4); LOBBY=off. */
  lobby: boolean;
  /** Guests may join by invite (POST /api/guest); GUESTS=off. */
  guests: boolean;
  /** A guest's whole life: tokens, session and account end this long after it was made. */
  guestTtlSeconds: number;
  /** Guests made per hour per address. */
  guestRatePerHour: number;
  /** Default lifetime of an invite with no `expiresIn`. */
  inviteTtlSeconds: number;
  /** Group rooms one person may have made (and not deleted). */
  maxRoomsPerUser: number;
  /** Seats with video in a room's group call (PROTOCOL.md §6): a mesh is comfortable at 4, ends at 6. */
  maxCallSize: number;
  /** Seats in all (audio-only ones too): at least `maxCallSize`, default twice it, at most 12. */
  maxCallAudioSize: number;
  /** `MAX_FILE_BYTES`: the largest file a `file-offer` may announce (PROTOCOL.md §9); the widget is told it with the ICE servers. */
  maxFileBytes: number;
  /**
   * Tests only, never from the environment: the clock of rooms and invites
   * (expiry, pruning), so a test can pass an invite's end without waiting
   * days. Default `Date.now`. Tokens and guests always use the real clock.
   */
  roomsClock?: () => number;
  /**
   * `redis://` or `rediss://` URL (REDIS_URL): users, revocations, rooms and
   * invites live there, shared by every backend node. Unset: the JSON files in
   * `dataDir`, for one process.
   */
  redisUrl?: string;
  /** Days a call stays in each person's history (PROTOCOL.md §7); HISTORY_DAYS. */
  historyDays: number;
  /** Tests only, never from the environment: the clock of the call history's retention. Default `Date.now`. */
  historyClock?: () => number;
  /** Tests only: how long a 1:1 call's dropped tab may take to come back before the call is over (call-recorder.ts, 30 s). */
  callLostGraceMs?: number;
  /**
   * Messages while away (PROTOCOL.md §8): at most this many kept per sender → recipient pair, of
   * at most `maxPendingBytesPerPair` bytes of text (UTF-8) together, and this many for one recipient
   * from everyone; each kept `messageTtlSeconds` at most, then dropped undelivered.
   */
  maxPendingPerPair: number;
  maxPendingBytesPerPair: number;
  maxPendingPerRecipient: number;
  messageTtlSeconds: number;
  /** Tests only, never from the environment: the clock of kept messages (expiry). Default `Date.now`. */
  messagesClock?: () => number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A configuration value that cannot be used; `variable` names the environment variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/**
 * The package root, so dist/ and demo/ resolve wherever the process starts:
 * the nearest folder above this file with a package.json. That is broker/..
 * from the sources (tsx) and dist/server/broker/../../.. once compiled (the
 * release, `npx rtc-call`).
 */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

const PACKAGE_ROOT = packageRoot(import.meta.dirname ?? path.dirname(fileURLToPath(import.meta.url)));

const OWASP_SCRYPT_COST = 2 ** 17;
const MIN_JWT_SECRET_LENGTH = 32;

type Env = Record<string, string | undefined>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `expected a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** `MAX_CALL_SIZE` and `MAX_CALL_AUDIO_SIZE`, the second never below the first. */
function callSizes(env: Env): { maxCallSize: number; maxCallAudioSize: number } {
  const maxCallSize = integer(env, 'MAX_CALL_SIZE', DEFAULT_MAX_CALL_SIZE, 2, MAX_CALL_SIZE_CEILING);
  const fallback = Math.min(2 * maxCallSize, MAX_CALL_AUDIO_SIZE_CEILING);
  const maxCallAudioSize = integer(env, 'MAX_CALL_AUDIO_SIZE', fallback, maxCallSize, MAX_CALL_AUDIO_SIZE_CEILING);
  return { maxCallSize, maxCallAudioSize };
}

function list(env: Env, name: string): string[] {
  const value = raw(env, name);
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function urlList(env: Env, name: string, schemes: string[]): string[] {
  const urls = list(env, name);
  for (const url of urls) {
    const scheme = url.split(':', 1)[0]!.toLowerCase();
    if (!schemes.includes(scheme) || url.length <= scheme.length + 1) {
      throw new ConfigError(name, `"${url}" is not a ${schemes.join(':/')}: URL`);
    }
  }
  return urls;
}

function origins(env: Env): '*' | string[] {
  const values = list(env, 'ALLOWED_ORIGINS');
  if (values.length === 0 || values.includes('*')) return '*';
  for (const origin of values) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError('ALLOWED_ORIGINS', `"${origin}" is not an origin like https://example.com`);
    }
    if (parsed.origin !== origin) {
      throw new ConfigError('ALLOWED_ORIGINS', `"${origin}" is not an origin (expected "${parsed.origin}")`);
    }
  }
  return values;
}

function trustProxy(env: Env): false | string[] {
  const value = raw(env, 'TRUST_PROXY');
  if (value === undefined || value === 'false') return false;
  // Fastify would take the leftmost X-Forwarded-For entry for `true`, and that is whatever the client wrote;
  // a hop count cannot tell the proxy from a client that connects directly. Only the proxy's address is exact.
  if (value === 'true' || /^\d+$/.test(value)) {
    throw new ConfigError(
      'TRUST_PROXY',
      `"${value}" would let clients choose their own address through X-Forwarded-For; set the proxy's address instead (for nginx on this host: 127.0.0.1)`,
    );
  }
  const entries = list(env, 'TRUST_PROXY');
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const version = isIP(address);
    const bits = version === 6 ? 128 : 32;
    if (version === 0 || extra !== undefined || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) {
      throw new ConfigError('TRUST_PROXY', `"${entry}" is not false or an IP address/CIDR of the proxy`);
    }
    // A /0 trusts every address, which is `true` again (and Fastify refuses it with a crash).
    if (prefix !== undefined && (Number(prefix) < 1 || Number(prefix) > bits)) {
      throw new ConfigError('TRUST_PROXY', `"${entry}": the prefix length must be 1–${bits}, the proxy's network, not everyone`);
    }
  }
  return entries;
}

/** `on` (or true/1) and `off` (or false/0); `fallback` when unset. */
function onOff(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (['on', 'true', '1'].includes(value)) return true;
  if (['off', 'false', '0'].includes(value)) return false;
  throw new ConfigError(name, `expected on or off, got "${value}"`);
}

function flag(env: Env, name: string): boolean {
  const value = raw(env, name);
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new ConfigError(name, `expected true or false, got "${value}"`);
}

/**
 * One fewer than the cores, and two fewer than libuv's thread pool (which
 * scrypt shares with file I/O and WebCrypto), at least 1.
 */
export function defaultHashConcurrency(env: Env, cores = availableParallelism()): number {
  const poolSize = Number(raw(env, 'UV_THREADPOOL_SIZE') ?? 4) || 4;
  return Math.max(1, Math.min(cores - 1, poolSize - 2));
}

/** https, or http to this machine only: keys fetched over the network in clear text could be swapped. */
function checkJwksUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('SITE_JWKS_URL', `"${value}" is not a URL`);
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError('SITE_JWKS_URL', `"${value}" must be an https: URL (http: only for localhost)`);
  }
}

function validateSiteAccounts(config: Config): void {
  if (!(ACCOUNTS_MODES as readonly string[]).includes(config.accounts)) {
    throw new ConfigError('ACCOUNTS', `must be one of ${ACCOUNTS_MODES.join(', ')}, got "${config.accounts}"`);
  }
  const keySet = config.siteJwtSecret !== undefined || config.siteJwksUrl !== undefined;
  if (config.accounts === 'password') {
    // Set for site accounts but never used: the operator most likely forgot ACCOUNTS.
    if (keySet || config.siteJwtIssuer !== undefined) {
      throw new ConfigError('ACCOUNTS', 'SITE_JWT_* / SITE_JWKS_URL are set but ACCOUNTS=password ignores them; set ACCOUNTS=site or both');
    }
    return;
  }
  if (!keySet) throw new ConfigError('SITE_JWT_SECRET', `ACCOUNTS=${config.accounts} needs SITE_JWT_SECRET or SITE_JWKS_URL`);
  if (config.siteJwtSecret !== undefined && config.siteJwksUrl !== undefined) {
    throw new ConfigError('SITE_JWT_SECRET', 'set SITE_JWT_SECRET or SITE_JWKS_URL, not both');
  }
  if (config.siteJwtSecret !== undefined) {
    if (config.siteJwtSecret.length < MIN_JWT_SECRET_LENGTH) {
      throw new ConfigError('SITE_JWT_SECRET', `must be at least ${MIN_JWT_SECRET_LENGTH} characters`);
    }
    // With one secret for both, the site could sign this backend's own session tokens.
    if (config.siteJwtSecret === config.jwtSecret) throw new ConfigError('SITE_JWT_SECRET', 'must differ from JWT_SECRET');
  }
  if (config.siteJwksUrl !== undefined) checkJwksUrl(config.siteJwksUrl);
  if (config.siteJwtIssuer === undefined) {
    throw new ConfigError('SITE_JWT_ISSUER', `is required with ACCOUNTS=${config.accounts} (the "iss" of the site's tokens)`);
  }
  if (config.siteJwtIssuer === TOKEN_ISSUER) {
    throw new ConfigError('SITE_JWT_ISSUER', `"${TOKEN_ISSUER}" is this backend's own issuer; use the site's (e.g. its URL)`);
  }
  if (!Number.isFinite(config.siteJwksCooldownSeconds) || config.siteJwksCooldownSeconds < 0) {
    throw new ConfigError('SITE_JWKS_COOLDOWN', `must be 0 or more seconds, got ${config.siteJwksCooldownSeconds}`);
  }
}

/** Checks values that may also come from `startBackend` overrides. */
export function validateConfig(config: Config): Config {
  validateSiteAccounts(config);
  const n = config.scryptCost;
  if (!Number.isInteger(n) || n < 2 || (n & (n - 1)) !== 0) {
    throw new ConfigError('SCRYPT_COST', `must be a power of two, got ${n}`);
  }
  if (!Number.isInteger(config.hashConcurrency) || config.hashConcurrency < 0) {
    throw new ConfigError('HASH_CONCURRENCY', `must be a whole number, 0 for unbounded, got ${config.hashConcurrency}`);
  }
  if (config.jwtSecret !== undefined && config.jwtSecret.length < MIN_JWT_SECRET_LENGTH) {
    throw new ConfigError('JWT_SECRET', `must be at least ${MIN_JWT_SECRET_LENGTH} characters`);
  }
  if (config.turnUrls.length > 0 && !config.turnSecret) {
    throw new ConfigError('TURN_SECRET', 'is required when TURN_URLS is set');
  }
  if (config.iceTransportPolicy === 'relay' && config.turnUrls.length === 0) {
    throw new ConfigError('ICE_TRANSPORT_POLICY', '"relay" needs TURN_URLS');
  }
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new ConfigError('PORT', `must be between 0 and 65535, got ${config.port}`);
  }
  if (config.redisUrl !== undefined) {
    validateRedisUrl(config.redisUrl);
    // A secret generated in each node's DATA_DIR would differ: a token from one node would fail on the next.
    if (config.jwtSecret === undefined)
      throw new ConfigError('JWT_SECRET', 'is required with REDIS_URL: every node must sign with the same secret');
  }
  return config;
}

/** A URL ioredis can use: redis: or rediss:, with a host; the message never repeats a password. */
function validateRedisUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('REDIS_URL', 'is not a URL (expected redis://[user:password@]host[:port][/db])');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', `must be a redis: or rediss: URL, got ${url.protocol}`);
  }
  if (url.hostname === '') throw new ConfigError('REDIS_URL', 'has no host (expected redis://host:port)');
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new ConfigError('REDIS_URL', `the path must be a database number, got "/${db}"`);
}

/** Reads the configuration; throws `ConfigError` naming the variable on a bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const policy = raw(env, 'ICE_TRANSPORT_POLICY') ?? 'all';
  if (policy !== 'all' && policy !== 'relay') {
    throw new ConfigError('ICE_TRANSPORT_POLICY', `must be "all" or "relay", got "${policy}"`);
  }
  const logLevel = raw(env, 'LOG_LEVEL') ?? 'error';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const config: Config = {
    host: raw(env, 'HOST') ?? '127.0.0.1',
    port: integer(env, 'PORT', 8080, 0, 65535),
    dataDir: path.resolve(raw(env, 'DATA_DIR') ?? './data'),
    tokenTtlSeconds: integer(env, 'TOKEN_TTL', DEFAULT_TOKEN_TTL_SECONDS, 1, 7 * 24 * 3600),
    sessionMaxAgeSeconds: integer(env, 'SESSION_MAX_AGE', 7 * 24 * 3600, 60, 365 * 24 * 3600),
    allowedOrigins: origins(env),
    scryptCost: integer(env, 'SCRYPT_COST', OWASP_SCRYPT_COST, 2, 2 ** 20),
    hashConcurrency: integer(env, 'HASH_CONCURRENCY', defaultHashConcurrency(env), 0, 1024),
    turnUrls: urlList(env, 'TURN_URLS', ['turn', 'turns']),
    turnTtlSeconds: integer(env, 'TURN_TTL', 3600, 60, 24 * 3600),
    stunUrls: urlList(env, 'STUN_URLS', ['stun', 'stuns']),
    iceTransportPolicy: policy,
    publishRate: integer(env, 'PUBLISH_RATE', PUBLISH_RATE_PER_SECOND, 1, 100_000),
    publishBurst: integer(env, 'PUBLISH_BURST', PUBLISH_BURST, 1, 100_000),
    userPublishRate: integer(env, 'USER_PUBLISH_RATE', USER_PUBLISH_RATE_PER_SECOND, 1, 100_000),
    userPublishBurst: integer(env, 'USER_PUBLISH_BURST', USER_PUBLISH_BURST, 1, 100_000),
    maxSessionsPerUser: integer(env, 'MAX_SESSIONS_PER_USER', MAX_SESSIONS_PER_USER, 1, 1000),
    inviteBurst: integer(env, 'INVITE_BURST', INVITE_BURST, 1, 1000),
    inviteRefillSeconds: integer(env, 'INVITE_REFILL_SECONDS', INVITE_REFILL_SECONDS, 1, 3600),
    authRateMax: integer(env, 'AUTH_RATE_MAX', 30, 1, 1_000_000),
    authRateWindowSeconds: integer(env, 'AUTH_RATE_WINDOW', 60, 1, 24 * 3600),
    loginFailuresPerEmail: integer(env, 'LOGIN_FAILURES_PER_EMAIL', 5, 1, 1_000_000),
    loginFailuresPerAddress: integer(env, 'LOGIN_FAILURES_PER_ADDRESS', 20, 1, 1_000_000),
    loginFailureWindowSeconds: integer(env, 'LOGIN_FAILURE_WINDOW', 900, 1, 24 * 3600),
    loginSlowdownMaxMs: integer(env, 'LOGIN_SLOWDOWN_MAX_MS', 5000, 0, 60_000),
    maxSubscriptionsPerClient: integer(env, 'MAX_SUBSCRIPTIONS_PER_CLIENT', 256, 2, 1000),
    distDir: path.join(PACKAGE_ROOT, 'dist'),
    demoDir: path.join(PACKAGE_ROOT, 'demo'),
    logLevel: logLevel as LogLevel,
    trustProxy: trustProxy(env),
    serveSourceMaps: flag(env, 'SERVE_SOURCE_MAPS'),
    accounts: (raw(env, 'ACCOUNTS') ?? 'password') as AccountsMode,
    siteJwksCooldownSeconds: integer(env, 'SITE_JWKS_COOLDOWN', 30, 0, 24 * 3600),
    lobby: onOff(env, 'LOBBY', true),
    guests: onOff(env, 'GUESTS', true),
    guestTtlSeconds: integer(env, 'GUEST_TTL', 3 * 3600, 60, 12 * 3600),
    guestRatePerHour: integer(env, 'GUEST_RATE', 20, 1, 1_000_000),
    inviteTtlSeconds: integer(env, 'INVITE_TTL', 7 * 24 * 3600, 60, 30 * 24 * 3600),
    maxRoomsPerUser: integer(env, 'MAX_ROOMS_PER_USER', 50, 1, 10_000),
    maxPendingPerPair: integer(env, 'MAX_PENDING_PER_PAIR', 50, 1, 10_000),
    maxPendingBytesPerPair: integer(env, 'MAX_PENDING_BYTES_PER_PAIR', 64 * 1024, 16 * 1024, 16 * 1024 * 1024),
    maxPendingPerRecipient: integer(env, 'MAX_PENDING_PER_RECIPIENT', 1000, 1, 1_000_000),
    messageTtlSeconds: integer(env, 'MESSAGE_TTL', 7 * 24 * 3600, 60, 90 * 24 * 3600),
    ...callSizes(env),
    historyDays: integer(env, 'HISTORY_DAYS', DEFAULT_HISTORY_DAYS, 1, 3650),
    maxFileBytes: integer(env, 'MAX_FILE_BYTES', DEFAULT_MAX_FILE_BYTES, 0, MAX_FILE_BYTES_CEILING),
  };
  const jwtSecret = raw(env, 'JWT_SECRET');
  if (jwtSecret !== undefined) config.jwtSecret = jwtSecret;
  const turnSecret = raw(env, 'TURN_SECRET');
  if (turnSecret !== undefined) config.turnSecret = turnSecret;
  const siteJwtSecret = raw(env, 'SITE_JWT_SECRET');
  if (siteJwtSecret !== undefined) config.siteJwtSecret = siteJwtSecret;
  const siteJwksUrl = raw(env, 'SITE_JWKS_URL');
  if (siteJwksUrl !== undefined) config.siteJwksUrl = siteJwksUrl;
  const siteJwtIssuer = raw(env, 'SITE_JWT_ISSUER');
  if (siteJwtIssuer !== undefined) config.siteJwtIssuer = siteJwtIssuer;
  const redisUrl = raw(env, 'REDIS_URL');
  if (redisUrl !== undefined) config.redisUrl = redisUrl;
  return validateConfig(config);
}
