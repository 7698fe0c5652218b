/**
 * JWTs (PROTOCOL.md §2): HS256 with jose, `iss` = `aud` = "rtc-call", and
 * verification that pins the algorithm, issuer and audience. Also the JWT
 * secret kept in DATA_DIR when JWT_SECRET is not set.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, isUserId } from '../src/protocol/index.js';
import { PRIVATE_FILE_MODE, ensurePrivateDir } from './store/private-file.js';

export const JWT_SECRET_FILE = 'jwt-secret';
const ALGORITHM = 'HS256';
/** Seconds a token's `iat` may be ahead of this clock (backends behind one load balancer differ a little). */
const ISSUED_AT_TOLERANCE_SECONDS = 5;

/**
 * One sign-in: a random id and the time of the sign-in. Every token renewed
 * from it carries both, so a logout revokes the whole family and renewals end
 * at SESSION_MAX_AGE after the sign-in.
 */
export interface SessionFamily {
  sid: string;
  /** Sign-in time, Unix milliseconds (the `auth_time` claim, in seconds with a fraction). */
  authTime: number;
}

export interface TokenClaims extends SessionFamily {
  sub: string;
  name: string;
  /** Expiry, Unix seconds. */
  exp: number;
}

/** 16 base64url characters, unguessable. */
export function newSessionFamily(now = Date.now()): SessionFamily {
  return { sid: randomBytes(12).toString('base64url'), authTime: now };
}

const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * The configured secret, or the one kept in `dataDir` (created with mode 0600
 * on first start, so tokens survive restarts).
 */
export async function resolveJwtSecret(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured !== undefined) return configured;
  await ensurePrivateDir(dataDir);
  const file = path.join(dataDir, JWT_SECRET_FILE);
  try {
    // 'wx': two processes starting together cannot both create it.
    await writeFile(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: PRIVATE_FILE_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await chmod(file, PRIVATE_FILE_MODE);
  const secret = (await readFile(file, 'utf8')).trim();
  if (secret.length < 32) throw new Error(`JWT secret file ${file} is too short; remove it to generate a new one`);
  return secret;
}

export class TokenService {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    this.#key = new TextEncoder().encode(secret);
  }

  /** A token of `session` for `user`, valid until `expiresAt` (Unix seconds). */
  async issue(user: { id: string; name: string }, session: SessionFamily, expiresAt: number): Promise<string> {
    return new SignJWT({ name: user.name, sid: session.sid, auth_time: session.authTime / 1000 })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(this.#key);
  }

  /** The claims of a valid, unexpired token; `null` for anything else. */
  async verify(token: string): Promise<TokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: [ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        requiredClaims: ['sub', 'exp', 'iat', 'sid', 'auth_time'],
      });
      if (!isUserId(payload.sub) || typeof payload.exp !== 'number') return null;
      // Tokens from before sessions existed carry no family: they cannot be revoked, so they are not accepted.
      if (typeof payload.sid !== 'string' || !SESSION_ID.test(payload.sid) || typeof payload.auth_time !== 'number') return null;
      // jose checks `iat` against the clock only with maxTokenAge: a token "issued" in the future is not valid yet.
      if (typeof payload.iat !== 'number' || payload.iat > Date.now() / 1000 + ISSUED_AT_TOLERANCE_SECONDS) return null;
      return {
        sub: payload.sub,
        name: typeof payload.name === 'string' ? payload.name : '',
        exp: payload.exp,
        sid: payload.sid,
        authTime: Math.round(payload.auth_time * 1000),
      };
    } catch {
      return null;
    }
  }
}
