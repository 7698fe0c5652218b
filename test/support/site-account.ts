/**
 * A made-up embedding site for the browser tests of site accounts (node side, used by
 * web-test-runner.config.mjs): the backend settings that trust it, and test-only routes on the
 * test page's own origin that sign its JWTs, as a real site's server would. The secret is a test
 * value and never leaves this process but as signed tokens.
 *
 * - `GET /__site/token?sub=&name=&rooms=a,b&expiresIn=&wrongKey=1`: `{ token }` for that user
 *   (`wrongKey` signs with another secret, so the backend refuses it);
 * - `GET /__site/token-url`: the site's token URL: `{ token }` for the visitor of the
 *   `rtc_site_user` / `rtc_site_name` cookies, `401` without them.
 *
 * And `startDemoSite`: the demo site (demo/site/server.mjs) as `npm run demo:site` runs it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Config } from '../../broker/config.js';
import { TOKEN_AUDIENCE } from '../../src/protocol/index.js';
import { REPO_ROOT, type Lifetime } from './test-backend.js';

export const TEST_SITE = {
  issuer: 'https://site.example.test',
  secret: 'test-only site secret, never used outside the element tests',
} as const;

/** The backend settings trusting TEST_SITE, password accounts kept for every other test. */
export const TEST_SITE_BACKEND = {
  accounts: 'both',
  siteJwtSecret: TEST_SITE.secret,
  siteJwtIssuer: TEST_SITE.issuer,
} satisfies Partial<Config>;

export interface SiteClaims {
  sub: string;
  name: string;
  rooms?: string[];
  /** Seconds; 300 by default. */
  expiresIn?: number;
}

/** A site JWT as the site signs it (HS256, `iss`, `aud: "rtc-call"`, `exp`). */
export function mintSiteToken({ sub, name, rooms, expiresIn = 300 }: SiteClaims, secret: string = TEST_SITE.secret): Promise<string> {
  return new SignJWT({ name, ...(rooms && { rooms }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(TEST_SITE.issuer)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** The little of Koa's context (web-test-runner's server) the routes use. */
interface KoaContext {
  path: string;
  query: Record<string, string | string[] | undefined>;
  cookies: { get(name: string): string | undefined };
  status: number;
  body: unknown;
  set(name: string, value: string): void;
}

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** The test site's routes, as a Koa middleware for web-test-runner's `middleware`. */
export function siteAccountMiddleware() {
  return async (ctx: KoaContext, next: () => Promise<void>): Promise<void> => {
    if (!ctx.path.startsWith('/__site/')) return next();
    ctx.set('cache-control', 'no-store');
    if (ctx.path === '/__site/token') {
      const sub = one(ctx.query.sub) ?? 'site-user';
      const rooms = one(ctx.query.rooms)?.split(',');
      const expiresIn = Number(one(ctx.query.expiresIn) ?? 300);
      const secret = one(ctx.query.wrongKey) ? `${TEST_SITE.secret} but not quite` : TEST_SITE.secret;
      ctx.body = { token: await mintSiteToken({ sub, name: one(ctx.query.name) ?? sub, rooms, expiresIn }, secret) };
    } else if (ctx.path === '/__site/token-url') {
      const sub = ctx.cookies.get('rtc_site_user');
      if (!sub) {
        ctx.status = 401;
        ctx.body = { error: 'not signed in on the site' };
        return;
      }
      const name = decodeURIComponent(ctx.cookies.get('rtc_site_name') ?? sub);
      ctx.body = { token: await mintSiteToken({ sub, name }) };
    } else {
      ctx.status = 404;
      ctx.body = { error: 'no such test route' };
    }
  };
}

/** The demo site's command, as `npm run demo:site` runs it. */
export const DEMO_SITE_COMMAND: readonly [string, ...string[]] = [process.execPath, join(REPO_ROOT, 'demo', 'site', 'server.mjs')];

/**
 * Starts the demo site on a free loopback port with `env` (SITE_JWT_SECRET, …) and resolves its
 * origin once it printed it; killed when `lifetime` ends.
 */
export async function startDemoSite(lifetime: Lifetime, env: Record<string, string>): Promise<string> {
  const [command, ...args] = DEMO_SITE_COMMAND;
  const child = spawn(command, args, { env: { ...process.env, SITE_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  lifetime.after(() => void child.kill());
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo site did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the demo site exited (${code}):\n${output}`)));
  });
}
