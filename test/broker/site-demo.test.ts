/**
 * The demo site (demo/site/server.mjs, docs/site-integration.md) run for real, as `npm run
 * demo:site` runs it, next to a real backend trusting it: its page embeds the widget with
 * `token-url`, its token endpoint answers only its signed-in visitor, with a token the site's
 * secret verifies and the backend exchanges for a session.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { jwtVerify } from 'jose';
import type { AuthResponse } from '../../src/protocol/index.js';
import { DEMO_SITE_COMMAND, startDemoSite } from '../support/site-account.js';
import { startTestBackend } from './support.js';

const SECRET = 'the demo site secret, only for this test run';
const ISSUER = 'http://demo-site.test';

test('the demo site signs in its visitors with tokens the backend accepts', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, accounts: 'both', siteJwtSecret: SECRET, siteJwtIssuer: ISSUER });
  const site = await startDemoSite(t, { SITE_JWT_SECRET: SECRET, SITE_JWT_ISSUER: ISSUER, RTC_CALL_SERVER: backend.origin });

  // The page loads the widget from the backend and points it at the site's token endpoint.
  const page = await fetch(`${site}/`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.ok(html.includes(`<script type="module" src="${backend.origin}/rtc-call.js">`), 'the bundle from the backend');
  assert.match(html, /<rtc-call token-url="\/rtc-token"><\/rtc-call>/);

  // No site session, no token.
  const anonymous = await fetch(`${site}/rtc-token`);
  assert.equal(anonymous.status, 401);
  const forged = await fetch(`${site}/rtc-token`, { headers: { cookie: 'demo_user=mallory' } });
  assert.equal(forged.status, 401, 'a user the site does not have');

  // Signing in to the site sets its session cookie; the token endpoint then answers that visitor only.
  const signIn = await fetch(`${site}/?user=alice`);
  const cookie = signIn.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^demo_user=alice;.*HttpOnly/);
  const answer = await fetch(`${site}/rtc-token`, { headers: { cookie: cookie.split(';')[0]! } });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  const { token } = (await answer.json()) as { token: string };

  const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
    algorithms: ['HS256'],
    issuer: ISSUER,
    audience: 'rtc-call',
  });
  assert.equal(protectedHeader.alg, 'HS256');
  assert.equal(payload.sub, 'alice');
  assert.equal(payload.name, 'Alice');
  assert.deepEqual(payload.rooms, ['team']);
  assert.equal(payload.exp! - payload.iat!, 300, 'a short-lived token: 5 minutes');

  // The backend exchanges it for its own session.
  const exchanged = await fetch(`${backend.origin}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  assert.equal(exchanged.status, 200);
  const session = (await exchanged.json()) as AuthResponse;
  assert.equal(session.user.name, 'Alice');
  assert.equal(session.user.email, '');
  assert.ok(session.token.length > 0);

  // Signing out of the site drops the cookie.
  const signOut = await fetch(`${site}/?user=`, { headers: { cookie: 'demo_user=alice' } });
  assert.match(signOut.headers.get('set-cookie') ?? '', /^demo_user=; Max-Age=0/);
});

test('the demo site refuses to start without the shared secret', { timeout: 30_000 }, async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, SITE_PORT: '0' };
  delete env.SITE_JWT_SECRET;
  const [command, ...args] = DEMO_SITE_COMMAND;
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.notEqual(code, 0);
  assert.match(stderr, /Set SITE_JWT_SECRET/);
});
