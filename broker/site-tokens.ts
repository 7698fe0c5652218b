/**
 * Site accounts (PROTOCOL.md §1, "Site accounts"): a site that has its own
 * users signs a short JWT for one of them, and POST /api/session exchanges it
 * for this backend's own session token. This module checks the site's token:
 * HS256 with SITE_JWT_SECRET, or RS256/ES256/EdDSA with a key from the site's
 * JWKS (SITE_JWKS_URL), fetched, cached and refetched for an unknown `kid`
 * by jose's `createRemoteJWKSet`. The algorithm list is pinned to the key
 * kind, so neither `alg: none` nor an HS256 token "signed" with a public key
 * is ever tried.
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { MAX_ROOMS_PER_TOKEN, ROOM_ID_PATTERN, TOKEN_AUDIENCE, checkName } from '../src/protocol/index.js';
import type { Config } from './config.js';
import type { SiteUser } from './store/user-store.js';

const SECRET_ALGORITHMS = ['HS256'];
const JWKS_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
/** Seconds of clock difference allowed between the site and this backend (`exp`, `nbf`). */
const CLOCK_TOLERANCE_SECONDS = 5;
/** How long one JWKS fetch may take before the exchange answers 503. */
const JWKS_TIMEOUT_MS = 5000;
const SUB_MAX_LENGTH = 255;

/** The site's token is not acceptable (401 invalid_site_token); the message says why. */
export class SiteTokenError extends Error {
  override name = 'SiteTokenError';
}

/** The site's key set could not be fetched or read (503 site_keys_unavailable). */
export class SiteKeysUnavailableError extends Error {
  override name = 'SiteKeysUnavailableError';
}

/**
 * The user id of a site account: the same for the same issuer and `sub`,
 * unguessable without them, and 24 characters, so it never equals a
 * password account's (16) and matches the protocol's id pattern.
 */
export function siteUserId(iss: string, sub: string): string {
  return createHash('sha256')
    .update(JSON.stringify([iss, sub]))
    .digest('base64url')
    .slice(0, 24);
}

/**
 * A JWKS failure that is about fetching the set (network, timeout, not 200,
 * not a key set), as opposed to the token (no key with its `kid`).
 */
function isKeySetUnavailable(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  // fetch() itself fails with a TypeError; jose's plain JOSEError is "not 200" or "not JSON".
  return !(error instanceof errors.JOSEError) || error.code === errors.JOSEError.code;
}

/** The key getter of the configured site, with fetch failures told apart from bad tokens. */
function siteKey(config: Pick<Config, 'siteJwtSecret' | 'siteJwksUrl' | 'siteJwksCooldownSeconds'>): {
  key: JWTVerifyGetKey;
  algorithms: string[];
} {
  if (config.siteJwtSecret !== undefined) {
    const secret = new TextEncoder().encode(config.siteJwtSecret);
    return { key: () => secret, algorithms: SECRET_ALGORITHMS };
  }
  const remote = createRemoteJWKSet(new URL(config.siteJwksUrl!), {
    cooldownDuration: config.siteJwksCooldownSeconds * 1000,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  const key: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (isKeySetUnavailable(error)) {
        throw new SiteKeysUnavailableError(`the site's key set (SITE_JWKS_URL) cannot be fetched: ${(error as Error).message}`);
      }
      throw error;
    }
  };
  return { key, algorithms: JWKS_ALGORITHMS };
}

function checkRooms(rooms: unknown): string[] | undefined {
  if (rooms === undefined) return undefined;
  if (
    !Array.isArray(rooms) ||
    rooms.length > MAX_ROOMS_PER_TOKEN ||
    !rooms.every((r) => typeof r === 'string' && ROOM_ID_PATTERN.test(r))
  ) {
    throw new SiteTokenError(`"rooms" must be an array of at most ${MAX_ROOMS_PER_TOKEN} room ids (${ROOM_ID_PATTERN.source})`);
  }
  return [...new Set(rooms as string[])];
}

export class SiteTokenVerifier {
  readonly #issuer: string;
  readonly #key: JWTVerifyGetKey;
  readonly #algorithms: string[];

  constructor(config: Pick<Config, 'siteJwtSecret' | 'siteJwksUrl' | 'siteJwtIssuer' | 'siteJwksCooldownSeconds'>) {
    this.#issuer = config.siteJwtIssuer!;
    ({ key: this.#key, algorithms: this.#algorithms } = siteKey(config));
  }

  /**
   * The site account a valid site token describes. Throws `SiteTokenError`
   * for any token that is not acceptable, `SiteKeysUnavailableError` when
   * the key set cannot be fetched.
   */
  async verify(token: string): Promise<SiteUser> {
    let payload;
    try {
      // jose checks the algorithm against the list before it looks for a key.
      ({ payload } = await jwtVerify(token, this.#key, {
        algorithms: this.#algorithms,
        issuer: this.#issuer,
        audience: TOKEN_AUDIENCE,
        requiredClaims: ['sub', 'exp', 'name'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      if (error instanceof SiteKeysUnavailableError) throw error;
      if (error instanceof errors.JWKSNoMatchingKey) throw new SiteTokenError("no key in the site's key set matches the token");
      throw new SiteTokenError(error instanceof errors.JOSEError ? error.message : 'not a valid JWT');
    }
    const { sub, name } = payload;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > SUB_MAX_LENGTH) {
      throw new SiteTokenError(`"sub" must be a string of 1–${SUB_MAX_LENGTH} characters`);
    }
    const checked = checkName(name);
    if (!checked.ok) throw new SiteTokenError(`"name": ${checked.message}`);
    const rooms = checkRooms(payload.rooms);
    return {
      id: siteUserId(this.#issuer, sub),
      name: checked.name,
      site: { iss: this.#issuer, sub, ...(rooms && { rooms }) },
    };
  }
}

/**
 * Fetches the site's JWKS once (SITE_JWKS_URL), so that an operator who
 * mistyped it learns so at start-up rather than from the first visitor's
 * 503. Returns a warning to log, or null when the set is there; never throws:
 * the site may simply be starting too, and sign-ins fetch the set again.
 */
export async function checkSiteKeySet(config: Pick<Config, 'siteJwksUrl'>): Promise<string | null> {
  if (config.siteJwksUrl === undefined) return null;
  const problem = await fetch(config.siteJwksUrl, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS), redirect: 'error' }).then(
    async (response) => {
      if (response.status !== 200) return `it answered HTTP ${response.status}`;
      const body: unknown = await response.json().catch(() => undefined);
      const keys = (body as { keys?: unknown } | undefined)?.keys;
      return Array.isArray(keys) && keys.length > 0 ? null : 'it is not a key set ({"keys": [...]} with at least one key)';
    },
    (error: unknown) => `it cannot be reached (${(error as Error).cause ?? (error as Error).message})`,
  );
  return (
    problem && `warning: SITE_JWKS_URL ${config.siteJwksUrl}: ${problem}. Site sign-ins answer 503 site_keys_unavailable until it works.`
  );
}
