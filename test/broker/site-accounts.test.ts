/**
 * Site accounts (PROTOCOL.md §1, "Site accounts"): POST /api/session
 * exchanges a site's JWT for this backend's session, with HS256 or with keys
 * from the site's JWKS (served here by a small node:http server). Every
 * refusal the contract names is tried.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';
import { openJsonUserStore, USERS_FILE } from '../../broker/store/json-user-store.js';
import type { Config } from '../../broker/config.js';
import { USER_ID_PATTERN, type AuthResponse } from '../../src/protocol/index.js';
import { startMainProcess } from '../support/test-backend.js';
import { assertError, connectAs, register, request, startTestBackend, tempDir, type TestBackend, jsonFilesOnly } from './support.js';

const ISSUER = 'https://site.test';
const SECRET = 'the site secret, long enough for HS256';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A site token's claims: valid defaults, `undefined` removes one. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const all = { sub: 'site-user-1', name: 'Ada Lovelace', iss: ISSUER, aud: 'rtc-call', exp: nowSeconds() + 300, ...overrides };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

function hs256(overrides: Record<string, unknown> = {}, secret: string | Uint8Array = SECRET): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return new SignJWT(claims(overrides)).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
}

type SiteAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

/** A key pair of the site; `jwk` is the public half as its JWKS lists it. */
async function siteKey(alg: SiteAlgorithm, kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const sign = (overrides: Record<string, unknown> = {}, header: { kid?: string } = {}) =>
    new SignJWT(claims(overrides)).setProtectedHeader({ alg, kid, typ: 'JWT', ...header }).sign(privateKey);
  return { jwk, publicKey, sign };
}

/** The site's JWKS endpoint on 127.0.0.1: serves `keys` (or `status`/`body` when set), counts fetches. */
async function startJwksServer(t: TestContext) {
  const state = { keys: [] as JWK[], fetches: 0, status: 200, body: undefined as string | undefined };
  const server = createServer((_req, res) => {
    state.fetches += 1;
    res.writeHead(state.status, { 'content-type': 'application/json' });
    res.end(state.body ?? JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  t.after(() => (server.listening ? close() : undefined));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, close };
}

function startSiteBackend(t: TestContext, config: Partial<Config> = {}): Promise<TestBackend> {
  return startTestBackend({
    closeAfter: t,
    accounts: 'site',
    siteJwtIssuer: ISSUER,
    ...(config.siteJwksUrl === undefined && { siteJwtSecret: SECRET }),
    ...config,
  });
}

const exchange = (backend: TestBackend, token: string) => request<AuthResponse>(backend, 'POST', '/api/session', { json: { token } });

async function assertSignedIn(backend: TestBackend, token: string, name = 'Ada Lovelace'): Promise<AuthResponse> {
  const res = await exchange(backend, token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body).sort(), ['token', 'user']);
  assert.deepEqual(Object.keys(res.body.user).sort(), ['email', 'id', 'name']);
  assert.match(res.body.user.id, USER_ID_PATTERN);
  assert.equal(res.body.user.name, name);
  assert.equal(res.body.user.email, '');
  return res.body;
}

test('HS256: a valid site token gives a session that works like a login', { timeout: 60_000 }, async (t) => {
  const backend = await startSiteBackend(t);
  const session = await assertSignedIn(backend, await hs256());

  const me = await request(backend, 'GET', '/api/me', { token: session.token });
  assert.equal(me.status, 200);
  assert.deepEqual(me.body.user, session.user);
  await connectAs(t, backend, session);

  const renewed = await request<AuthResponse>(backend, 'POST', '/api/token', { token: session.token });
  assert.equal(renewed.status, 200);
  assert.deepEqual(renewed.body.user, session.user);

  assert.equal((await request(backend, 'POST', '/api/logout', { token: renewed.body.token })).status, 204);
  assertError(await request(backend, 'GET', '/api/me', { token: session.token }), 401, 'unauthorized');
});

test(
  'the user id is stable for one issuer and sub; a new name updates the stored one; rooms are kept',
  { ...jsonFilesOnly, timeout: 60_000 },
  async (t) => {
    const dataDir = await tempDir(t);
    const backend = await startSiteBackend(t, { dataDir });
    const first = await assertSignedIn(backend, await hs256({ rooms: ['lobby', 'team-7', 'lobby'] }));
    const second = await assertSignedIn(backend, await hs256({ name: '  Ada   King ' }), 'Ada King');
    assert.equal(second.user.id, first.user.id);
    const me = await request(backend, 'GET', '/api/me', { token: first.token });
    assert.equal(me.body.user.name, 'Ada King');
    const other = await assertSignedIn(backend, await hs256({ sub: 'site-user-2' }));
    assert.notEqual(other.user.id, first.user.id);

    await backend.close();
    const stored = JSON.parse(await readFile(join(dataDir, USERS_FILE), 'utf8')).users as Array<Record<string, unknown>>;
    const ada = stored.find((u) => u.id === first.user.id)!;
    assert.deepEqual(ada.site, { iss: ISSUER, sub: 'site-user-1' }, 'the latest token had no rooms');
    assert.equal(ada.passwordHash, '');
    const third = await startSiteBackend(t, { dataDir });
    const again = await assertSignedIn(third, await hs256({ rooms: ['lobby', 'lobby', 'team-7'] }), 'Ada Lovelace');
    assert.equal(again.user.id, first.user.id, 'also after a restart');
    await third.close();
    const store = await openJsonUserStore(dataDir);
    t.after(() => store.close());
    assert.deepEqual((await store.findById(first.user.id))?.site?.rooms, ['lobby', 'team-7']);
  },
);

test('HS256 configuration: every bad token is 401 invalid_site_token', { timeout: 60_000 }, async (t) => {
  const backend = await startSiteBackend(t);
  const rsa = await siteKey('RS256', 'rsa-1');
  const cases: Array<[string, string]> = [
    ['signed with another secret', await hs256({}, 'another secret, just as long as the real one')],
    ['signature altered', (await hs256()).replace(/.{4}$/, 'AAAA')],
    ['alg: none', new UnsecuredJWT(claims()).encode()],
    ['RS256 where only a secret is configured', await rsa.sign()],
    ['expired', await hs256({ exp: nowSeconds() - 60 })],
    ['no exp', await hs256({ exp: undefined })],
    ['not yet valid', await hs256({ nbf: nowSeconds() + 600 })],
    ['wrong iss', await hs256({ iss: 'https://evil.test' })],
    ['no iss', await hs256({ iss: undefined })],
    ['wrong aud', await hs256({ aud: 'someone-else' })],
    ['no aud', await hs256({ aud: undefined })],
    ['no sub', await hs256({ sub: undefined })],
    ['empty sub', await hs256({ sub: '' })],
    ['sub not a string', await hs256({ sub: 42 })],
    ['no name', await hs256({ name: undefined })],
    ['name not a string', await hs256({ name: ['Ada'] })],
    ['name breaks the name rule', await hs256({ name: 'Ada\u202Eecilop' })],
    ['blank name', await hs256({ name: '   ' })],
    ['rooms not an array', await hs256({ rooms: 'lobby' })],
    ['a room id with a topic wildcard', await hs256({ rooms: ['lobby', 'a/#'] })],
    ['too many rooms', await hs256({ rooms: Array.from({ length: 101 }, (_, i) => `room-${i}`) })],
    ['not a JWT', 'not.a.jwt'],
    ["this backend's own session token", (await register(await startTestBackend({ closeAfter: t }))).token],
  ];
  for (const [what, token] of cases) {
    const res = await exchange(backend, token);
    assert.equal(res.status, 401, `${what}: ${JSON.stringify(res.body)}`);
    assertError(res, 401, 'invalid_site_token');
  }
});

test('a malformed body is 400 invalid_input', { timeout: 60_000 }, async (t) => {
  const backend = await startSiteBackend(t);
  const bodies: unknown[] = [{}, { token: '' }, { token: 42 }, { token: 'x', extra: true }, [], 'token'];
  for (const json of bodies) assertError(await request(backend, 'POST', '/api/session', { json }), 400, 'invalid_input');
  assertError(
    await request(backend, 'POST', '/api/session', { body: '{"token":', headers: { 'content-type': 'application/json' } }),
    400,
    'invalid_input',
  );
});

for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
  test(`JWKS: a valid ${alg} token is accepted`, { timeout: 60_000 }, async (t) => {
    const jwks = await startJwksServer(t);
    const key = await siteKey(alg, `${alg}-1`);
    jwks.state.keys = [key.jwk];
    const backend = await startSiteBackend(t, { siteJwksUrl: jwks.url });
    const session = await assertSignedIn(backend, await key.sign());
    await connectAs(t, backend, session);
  });
}

test('JWKS configuration: unknown kid, foreign key, alg none and HS256 with the public key are 401', { timeout: 60_000 }, async (t) => {
  const jwks = await startJwksServer(t);
  const rsa = await siteKey('RS256', 'rsa-1');
  const stranger = await siteKey('RS256', 'rsa-1');
  jwks.state.keys = [rsa.jwk];
  const backend = await startSiteBackend(t, { siteJwksUrl: jwks.url });
  const publicPem = await exportSPKI(rsa.publicKey);
  const cases: Array<[string, string]> = [
    ['unknown kid', await rsa.sign({}, { kid: 'rsa-unknown' })],
    ["signed by another key with the set's kid", await stranger.sign()],
    ['alg: none', new UnsecuredJWT(claims()).encode()],
    // Algorithm confusion: the public key used as an HMAC secret.
    ['HS256 with the public key (PEM) as secret', await hs256({}, publicPem)],
    ['HS256 with the public JWK as secret', await hs256({}, JSON.stringify(rsa.jwk))],
    ['HS256 with the configured secret of another setup', await hs256()],
    ['expired', await rsa.sign({ exp: nowSeconds() - 60 })],
    ['wrong iss', await rsa.sign({ iss: 'https://evil.test' })],
    ['wrong aud', await rsa.sign({ aud: 'someone-else' })],
  ];
  for (const [what, token] of cases) {
    const res = await exchange(backend, token);
    assert.equal(res.status, 401, `${what}: ${JSON.stringify(res.body)}`);
    assertError(res, 401, 'invalid_site_token');
  }
  await assertSignedIn(backend, await rsa.sign());
});

test('JWKS key rotation: a token with a new kid is accepted without a restart', { timeout: 60_000 }, async (t) => {
  const jwks = await startJwksServer(t);
  const old = await siteKey('ES256', '2026-01');
  const next = await siteKey('RS256', '2026-02');
  jwks.state.keys = [old.jwk];
  const backend = await startSiteBackend(t, { siteJwksUrl: jwks.url, siteJwksCooldownSeconds: 0 });
  await assertSignedIn(backend, await old.sign());
  assertError(await exchange(backend, await next.sign()), 401, 'invalid_site_token');

  jwks.state.keys = [next.jwk];
  await assertSignedIn(backend, await next.sign());
  assert.equal(jwks.state.fetches, 3, 'one fetch to start, one per unknown kid');
});

test('JWKS cooldown: unknown kids do not refetch the set more than once per cooldown', { timeout: 60_000 }, async (t) => {
  const jwks = await startJwksServer(t);
  const key = await siteKey('EdDSA', 'ed-1');
  jwks.state.keys = [key.jwk];
  const backend = await startSiteBackend(t, { siteJwksUrl: jwks.url });
  await assertSignedIn(backend, await key.sign());
  for (let i = 0; i < 5; i += 1)
    assertError(await exchange(backend, await key.sign({}, { kid: `made-up-${i}` })), 401, 'invalid_site_token');
  assert.equal(jwks.state.fetches, 1);
});

test('JWKS unreachable, failing or not a key set: 503 site_keys_unavailable', { timeout: 60_000 }, async (t) => {
  const jwks = await startJwksServer(t);
  const key = await siteKey('RS256', 'rsa-1');
  // logLevel: the backend logs each 503 with its cause; not needed here.
  const backend = await startSiteBackend(t, { siteJwksUrl: jwks.url, siteJwksCooldownSeconds: 0, logLevel: 'silent' });

  jwks.state.status = 500;
  assertError(await exchange(backend, await key.sign()), 503, 'site_keys_unavailable');
  jwks.state.status = 200;
  jwks.state.body = '<html>';
  assertError(await exchange(backend, await key.sign()), 503, 'site_keys_unavailable');
  jwks.state.body = '{"keys": "none"}';
  assertError(await exchange(backend, await key.sign()), 503, 'site_keys_unavailable');

  await jwks.close();
  assertError(await exchange(backend, await key.sign()), 503, 'site_keys_unavailable');
});

test('ACCOUNTS=site: register and password login are 403 password_accounts_disabled', { timeout: 60_000 }, async (t) => {
  const backend = await startSiteBackend(t);
  const json = { name: 'Ada', email: 'ada@example.test', password: 'long enough password' };
  assertError(await request(backend, 'POST', '/api/register', { json }), 403, 'password_accounts_disabled');
  assertError(await request(backend, 'POST', '/api/register', { json: {} }), 403, 'password_accounts_disabled');
  assertError(
    await request(backend, 'POST', '/api/login', { json: { email: json.email, password: json.password } }),
    403,
    'password_accounts_disabled',
  );
});

test('ACCOUNTS=password (the default): POST /api/session is 403 site_accounts_disabled', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  assertError(await exchange(backend, await hs256()), 403, 'site_accounts_disabled');
  assertError(await request(backend, 'POST', '/api/session', { json: {} }), 403, 'site_accounts_disabled');
});

test('ACCOUNTS=both: site users have no password; nobody logs in as one with an empty email', { timeout: 60_000 }, async (t) => {
  const backend = await startSiteBackend(t, { accounts: 'both' });
  const site = await assertSignedIn(backend, await hs256());
  const person = await register(backend);
  assert.notEqual(person.user.id, site.user.id);
  for (const password of ['', 'long enough password']) {
    assertError(await request(backend, 'POST', '/api/login', { json: { email: '', password } }), 401, 'invalid_credentials');
  }
});

test('a site account cannot get a password through the store', { timeout: 60_000 }, async (t) => {
  const store = await openJsonUserStore(await tempDir(t));
  t.after(() => store.close());
  const site = await store.saveSiteUser({ id: 'siteUserId_0123456789abc', name: 'Ada', site: { iss: ISSUER, sub: 'a' } });
  assert.equal(await store.findByEmail(''), undefined);
  assert.equal(await store.setPasswordHash(site.id, 'scrypt$1$1$1$salt$key'), false);
  assert.equal((await store.findById(site.id))?.passwordHash, '');
  const person = await store.create({ name: 'Bob', email: 'bob@example.test', passwordHash: 'x' });
  await assert.rejects(store.saveSiteUser({ id: person.id, name: 'Bob', site: { iss: ISSUER, sub: 'b' } }), /password account/);
});

test('refused site tokens count against the address like failed logins: 429 with Retry-After', { timeout: 60_000 }, async (t) => {
  const backend = await startSiteBackend(t, { loginFailuresPerAddress: 3 });
  for (let i = 0; i < 3; i += 1) assertError(await exchange(backend, 'not.a.jwt'), 401, 'invalid_site_token');
  const refused = await exchange(backend, await hs256());
  assertError(refused, 429, 'rate_limited');
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
});

test('start-up with SITE_JWKS_URL: an unreachable or wrong key set is a clear warning, not a crash', { timeout: 60_000 }, async (t) => {
  const jwks = await startJwksServer(t);
  const env = { ACCOUNTS: 'site', SITE_JWT_ISSUER: ISSUER, SCRYPT_COST: '1024' };
  const waitFor = async (output: () => string, pattern: RegExp) => {
    for (let i = 0; i < 100 && !pattern.test(output()); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(output(), pattern);
  };

  jwks.state.status = 500;
  const failing = await startMainProcess({ dataDir: await tempDir(t), env: { ...env, SITE_JWKS_URL: jwks.url }, closeAfter: t });
  await waitFor(
    failing.output,
    /warning: SITE_JWKS_URL http:\/\/127\.0\.0\.1:\d+\/jwks\.json: it answered HTTP 500\. Site sign-ins answer 503/,
  );
  await failing.stop();

  const url = jwks.url;
  await jwks.close();
  const unreachable = await startMainProcess({ dataDir: await tempDir(t), env: { ...env, SITE_JWKS_URL: url }, closeAfter: t });
  await waitFor(unreachable.output, /warning: SITE_JWKS_URL \S+: it cannot be reached \(.*ECONNREFUSED/);
  // Still serving.
  assert.equal((await request({ origin: unreachable.origin }, 'GET', '/healthz')).status, 200);
  await unreachable.stop();
});

test('start-up with a working SITE_JWKS_URL: no warning', { timeout: 60_000 }, async (t) => {
  const jwks = await startJwksServer(t);
  jwks.state.keys = [(await siteKey('ES256', 'k1')).jwk];
  const main = await startMainProcess({
    dataDir: await tempDir(t),
    env: { ACCOUNTS: 'site', SITE_JWT_ISSUER: ISSUER, SITE_JWKS_URL: jwks.url, SCRYPT_COST: '1024' },
    closeAfter: t,
  });
  for (let i = 0; i < 40 && jwks.state.fetches === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(jwks.state.fetches, 1, 'fetched once at start-up');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.doesNotMatch(main.output(), /warning/);
  await main.stop();
});
