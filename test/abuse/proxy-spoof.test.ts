/**
 * Choosing one's own address behind the proxy: a real nginx runs the
 * configuration docs/production.md shows (taken from the document, with
 * loopback ports instead of 443/80 and no certificates), in front of a
 * backend with the documented TRUST_PROXY. Clients at distinct loopback
 * addresses send spoofed X-Forwarded-For headers; the per-address login
 * throttle shows which address the backend believed.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadConfig } from '../../broker/config.js';
import { freePort } from '../../testing/turn.js';
import { API_PATHS } from '../../src/protocol/index.js';
import { startNginx as startNginxOn } from '../support/nginx.js';
import { REPO_ROOT, requestFrom, startTestBackend } from '../broker/support.js';
import { Tally } from './support.js';

const tally = new Tally();

const production = await readFile(join(REPO_ROOT, 'docs', 'production.md'), 'utf8');
/** The ```nginx block of docs/production.md. */
const DOCUMENTED_NGINX = /```nginx\n([\s\S]*?)```/.exec(production)?.[1];
/** The TRUST_PROXY the document gives for a proxy on the same host. */
const DOCUMENTED_TRUST_PROXY = /same\s+host:\s+`TRUST_PROXY=([^`]+)`/.exec(production)?.[1];

/** Replaces `from` in `text`, failing loudly when the document no longer contains it. */
function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  assert.ok(found, `docs/production.md's nginx block no longer contains ${from}; update this test with it`);
  return text.replace(from, to);
}

/** The documented server blocks on loopback ports, proxying to `backendPort`. */
function nginxServers(documented: string, ports: { https: number; http: number; backend: number }): string {
  let conf = replaceOnce(documented, /listen 443 ssl[^;]*;/, `listen 127.0.0.1:${ports.https};`);
  conf = replaceOnce(conf, /\n\s*ssl_certificate\s[^\n]*/, '');
  conf = replaceOnce(conf, /\n\s*ssl_certificate_key\s[^\n]*/, '');
  conf = replaceOnce(conf, 'listen 80;', `listen 127.0.0.1:${ports.http};`);
  return replaceOnce(conf, /127\.0\.0\.1:8080/g, `127.0.0.1:${ports.backend}`);
}

/** Starts nginx (test/support/nginx.ts) on `servers`; stopped in `t.after`. Resolves with its origin. */
async function startNginx(t: TestContext, servers: string, port: number): Promise<string> {
  return (await startNginxOn(servers, [port], t)).origin;
}

/** The documented nginx in front of a backend trusting `trustProxy`, failed logins limited to 3 per address. */
async function proxiedBackend(t: TestContext, servers: string, trustProxy: string[]) {
  const backend = await startTestBackend({
    closeAfter: t,
    trustProxy,
    loginFailuresPerAddress: 3,
    loginFailuresPerEmail: 1000,
    authRateMax: 10_000,
  });
  const [https, http] = [await freePort('127.0.0.1'), await freePort('127.0.0.1')];
  const origin = await startNginx(t, nginxServers(servers, { https, http, backend: backend.port }), https);
  /** A failed login from `from` through nginx, claiming to be `claimed`. */
  return (from: string, claimed: string, email: string) =>
    requestFrom(origin, from, 'POST', API_PATHS.login, {
      json: { email, password: 'wrong password' },
      headers: { 'x-forwarded-for': claimed },
    });
}

/** The spoofing attempts every setup must defeat; `label` names the setup. */
async function assertAddressesAreReal(label: string, failLogin: Awaited<ReturnType<typeof proxiedBackend>>) {
  // A guesser at 127.0.0.2 claims a new address on every attempt: all of them count for 127.0.0.2.
  const guesser: number[] = [];
  for (let i = 1; i <= 5; i += 1) guesser.push((await failLogin('127.0.0.2', `203.0.113.${i}`, `someone${i}@example.test`)).status);
  tally.record(
    `${label}: a fresh X-Forwarded-For per guess does not reset the address's count`,
    guesser.join() === '401,401,401,429,429',
    guesser.join(),
  );
  assert.deepEqual(guesser, [401, 401, 401, 429, 429], label);
  // The throttle is per client, not per proxy: another client is not refused.
  assert.equal((await failLogin('127.0.0.3', '127.0.0.3', 'other@example.test')).status, 401, label);
  // Nobody can get another address refused by claiming it: 127.0.0.4 fails three times as 127.0.0.5 ...
  for (let i = 0; i < 3; i += 1) await failLogin('127.0.0.4', '127.0.0.5', `frame${i}@example.test`);
  // ... and 127.0.0.5 itself is still heard.
  const framed = await failLogin('127.0.0.5', '127.0.0.5', 'framed@example.test');
  tally.record(`${label}: claiming another client's address does not get it refused`, framed.status === 401, String(framed.status));
  assert.equal(framed.status, 401, label);
}

test('behind the documented nginx and TRUST_PROXY, a client cannot choose its address', { timeout: 60_000 }, async (t) => {
  assert.ok(DOCUMENTED_NGINX, 'docs/production.md has an nginx block');
  assert.ok(DOCUMENTED_TRUST_PROXY, 'docs/production.md gives TRUST_PROXY for a proxy on the same host');
  const { trustProxy } = loadConfig({ TRUST_PROXY: DOCUMENTED_TRUST_PROXY });
  assert.ok(trustProxy, 'the documented TRUST_PROXY trusts the proxy');
  await assertAddressesAreReal(
    `documented nginx, TRUST_PROXY=${DOCUMENTED_TRUST_PROXY}`,
    await proxiedBackend(t, DOCUMENTED_NGINX, trustProxy),
  );
});

test(
  'the documented nginx alone drops a client-supplied X-Forwarded-For (even a backend trusting every hop sees the real address)',
  { timeout: 60_000 },
  async (t) => {
    assert.ok(DOCUMENTED_NGINX);
    // What TRUST_PROXY=true used to mean; the configuration now refuses it (test/broker/config.test.ts).
    const everyone = ['0.0.0.0/1', '128.0.0.0/1', '::/1', '8000::/1'];
    await assertAddressesAreReal('documented nginx, backend trusting every hop', await proxiedBackend(t, DOCUMENTED_NGINX, everyone));
  },
);

test(
  'the documented TRUST_PROXY alone takes only the proxy hop (even behind an nginx that appends to X-Forwarded-For)',
  { timeout: 60_000 },
  async (t) => {
    assert.ok(DOCUMENTED_NGINX && DOCUMENTED_TRUST_PROXY);
    const appending = replaceOnce(DOCUMENTED_NGINX, 'X-Forwarded-For $remote_addr;', 'X-Forwarded-For $proxy_add_x_forwarded_for;');
    const { trustProxy } = loadConfig({ TRUST_PROXY: DOCUMENTED_TRUST_PROXY });
    assert.ok(trustProxy);
    await assertAddressesAreReal('appending nginx, documented TRUST_PROXY', await proxiedBackend(t, appending, trustProxy));
  },
);

test('summary', (t) => {
  tally.report(t);
  assert.equal(tally.refused, tally.tried);
});
