/**
 * HTTP API (PROTOCOL.md §1): every route, its success and each error of the
 * table, Fastify's own errors in the contract's shape, CORS.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT, decodeJwt } from 'jose';
import { USER_ID_PATTERN } from '../../src/protocol/index.js';
import { assertError, register, request, startTestBackend } from './support.js';
import { DEFAULT_MAX_FILE_BYTES } from '../../src/protocol/files.js';

function assertPublicUser(user: unknown, expected: { name: string; email: string }) {
  assert.deepEqual(Object.keys(user as object).sort(), ['email', 'id', 'name']);
  const u = user as { id: string; name: string; email: string };
  assert.match(u.id, USER_ID_PATTERN);
  assert.equal(u.name, expected.name);
  assert.equal(u.email, expected.email);
}

test('register: 201 with a token and the public user only, normalised', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const res = await request(backend, 'POST', '/api/register', {
    json: { name: '  Ada Lovelace ', email: '  Ada@Example.TEST ', password: 'analytical engine' },
  });
  assert.equal(res.status, 201);
  assert.deepEqual(Object.keys(res.body).sort(), ['token', 'user']);
  assertPublicUser(res.body.user, { name: 'Ada Lovelace', email: 'ada@example.test' });
  const claims = decodeJwt(res.body.token);
  assert.equal(claims.sub, res.body.user.id);
  assert.equal(claims.name, 'Ada Lovelace');
  assert.equal(claims.iss, 'rtc-call');
  assert.equal(claims.aud, 'rtc-call');
  assert.equal((claims.exp as number) - (claims.iat as number), 3600);
});

test('register: 409 email_taken, also with other case and spaces', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  await register(backend, { email: 'grace@example.test' });
  const res = await request(backend, 'POST', '/api/register', {
    json: { name: 'Other', email: ' GRACE@example.test', password: 'another password' },
  });
  assertError(res, 409, 'email_taken');
});

test('register: 400 invalid_input for each broken field, wrong types and unknown fields', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const good = { name: 'Valid Name', email: 'valid@example.test', password: 'long enough' };
  const cases: Array<[string, unknown]> = [
    ['missing name', { email: good.email, password: good.password }],
    ['missing email', { name: good.name, password: good.password }],
    ['missing password', { name: good.name, email: good.email }],
    ['name is a number', { ...good, name: 42 }],
    ['email is an array', { ...good, email: ['a@b.c'] }],
    ['password is null', { ...good, password: null }],
    ['password is a number', { ...good, password: 12345678 }],
    ['name only spaces', { ...good, name: '   ' }],
    ['name 65 characters', { ...good, name: 'n'.repeat(65) }],
    ['name with a control character', { ...good, name: 'bad\u0007name' }],
    ['name with a newline', { ...good, name: 'two\nlines' }],
    ['email without @', { ...good, email: 'nobody.example.test' }],
    ['email with two @', { ...good, email: 'a@b@example.test' }],
    ['email with nothing before @', { ...good, email: '@example.test' }],
    ['email with nothing after @', { ...good, email: 'someone@' }],
    ['email over 254 characters', { ...good, email: `${'e'.repeat(250)}@x.test` }],
    ['password 7 characters', { ...good, password: '1234567' }],
    ['password 257 characters', { ...good, password: 'p'.repeat(257) }],
    ['unknown field', { ...good, admin: true }],
    ['body is an array', [good]],
    ['body is a string', 'hello'],
  ];
  for (const [label, json] of cases) {
    const res = await request(backend, 'POST', '/api/register', { json });
    assert.equal(res.status, 400, `${label}: ${JSON.stringify(res.body)}`);
    assertError(res, 400, 'invalid_input');
  }
  // Nothing was stored by any of them: the valid registration still works.
  const ok = await request(backend, 'POST', '/api/register', { json: good });
  assert.equal(ok.status, 201);
});

test('register: name of exactly 64 characters and password of 8 and 256 are accepted', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  for (const [i, fields] of [
    { name: 'é'.repeat(64), password: '12345678' },
    { name: 'x', password: 'p'.repeat(256) },
  ].entries()) {
    const res = await request(backend, 'POST', '/api/register', { json: { ...fields, email: `edge${i}@example.test` } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
});

test("Fastify's own errors come in the contract's shape", { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const malformed = await request(backend, 'POST', '/api/register', {
    body: '{"name": "x", ',
    headers: { 'content-type': 'application/json' },
  });
  assertError(malformed, 400, 'invalid_input');

  const wrongType = await request(backend, 'POST', '/api/login', {
    body: 'email=a@b.c&password=12345678',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assertError(wrongType, 415, 'unsupported_media_type');

  const textPlain = await request(backend, 'POST', '/api/register', {
    body: '{"name":"a","email":"a@b.c","password":"12345678"}',
    headers: { 'content-type': 'text/plain' },
  });
  assertError(textPlain, 415, 'unsupported_media_type');

  const oversized = await request(backend, 'POST', '/api/register', {
    json: { name: 'big', email: 'big@example.test', password: 'x'.repeat(17 * 1024) },
  });
  assertError(oversized, 413, 'payload_too_large');

  const noBody = await request(backend, 'POST', '/api/login');
  assertError(noBody, 400, 'invalid_input');

  const notFound = await request(backend, 'GET', '/api/nothing-here');
  assertError(notFound, 404, 'not_found');

  const wrongMethod = await request(backend, 'GET', '/api/register');
  assertError(wrongMethod, 404, 'not_found');
});

test('login: 200 with a token; wrong password and unknown email give the same 401', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const alice = await register(backend, { name: 'Alice', email: 'alice@example.test' });

  const ok = await request(backend, 'POST', '/api/login', { json: { email: ' ALICE@example.test', password: alice.password } });
  assert.equal(ok.status, 200);
  assertPublicUser(ok.body.user, { name: 'Alice', email: 'alice@example.test' });
  assert.equal(decodeJwt(ok.body.token).sub, alice.user.id);

  const wrong = await request(backend, 'POST', '/api/login', { json: { email: 'alice@example.test', password: 'not the password' } });
  const unknown = await request(backend, 'POST', '/api/login', { json: { email: 'nobody@example.test', password: 'not the password' } });
  assertError(wrong, 401, 'invalid_credentials');
  assert.deepEqual(unknown.body, wrong.body);
  assert.equal(unknown.status, wrong.status);

  assertError(await request(backend, 'POST', '/api/login', { json: { email: 'alice@example.test' } }), 400, 'invalid_input');
  assertError(
    await request(backend, 'POST', '/api/login', { json: { email: 'alice@example.test', password: alice.password, remember: true } }),
    400,
    'invalid_input',
  );
  assertError(await request(backend, 'POST', '/api/login', { json: { email: 1, password: alice.password } }), 400, 'invalid_input');
});

test('token: a valid token gets a fresh one; anything else is 401 unauthorized', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const bob = await register(backend, { name: 'Bob' });
  // Let a second pass so the fresh expiry is visibly later (JWT times are whole seconds).
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const renewed = await request(backend, 'POST', '/api/token', { token: bob.token });
  assert.equal(renewed.status, 200);
  assert.deepEqual(renewed.body.user, bob.user);
  assert.ok((decodeJwt(renewed.body.token).exp as number) > (decodeJwt(bob.token).exp as number));

  // Also with an empty JSON body, as a fetch() with content-type but no body sends.
  const emptyJson = await request(backend, 'POST', '/api/token', { token: bob.token, headers: { 'content-type': 'application/json' } });
  assert.equal(emptyJson.status, 200);

  const forged = await new SignJWT({ name: 'Bob' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(bob.user.id)
    .setIssuer('rtc-call')
    .setAudience('rtc-call')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('some other secret that is long enough!!'));
  const [header, payload] = bob.token.split('.');
  const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
  const tampered = `${header}.${Buffer.from(JSON.stringify({ ...decodeJwt(bob.token), sub: 'someoneelse1' })).toString('base64url')}.${bob.token.split('.')[2]}`;

  for (const [label, headers] of [
    ['no header', {}],
    ['not bearer', { authorization: `Basic ${bob.token}` }],
    ['garbage', { authorization: 'Bearer not-a-jwt' }],
    ['other secret', { authorization: `Bearer ${forged}` }],
    ['alg none', { authorization: `Bearer ${unsigned}` }],
    ['tampered claims', { authorization: `Bearer ${tampered}` }],
  ] as const) {
    const res = await request(backend, 'POST', '/api/token', { headers });
    assert.equal(res.status, 401, label);
    assertError(res, 401, 'unauthorized');
  }
});

test('token: wrong issuer or audience is refused', { timeout: 60_000 }, async (t) => {
  const secret = 'a fixed test secret that is long enough for HS256';
  const backend = await startTestBackend({ closeAfter: t, jwtSecret: secret });
  const user = await register(backend);
  for (const [iss, aud] of [
    ['someone-else', 'rtc-call'],
    ['rtc-call', 'someone-else'],
  ]) {
    const token = await new SignJWT({ name: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.user.id)
      .setIssuer(iss!)
      .setAudience(aud!)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    assertError(await request(backend, 'GET', '/api/me', { token }), 401, 'unauthorized');
  }
});

test('me: 200 with the public user; 401 without a valid token', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const carol = await register(backend, { name: 'Carol', email: 'carol@example.test' });
  const me = await request(backend, 'GET', '/api/me', { token: carol.token });
  assert.equal(me.status, 200);
  assert.deepEqual(Object.keys(me.body), ['user']);
  assertPublicUser(me.body.user, { name: 'Carol', email: 'carol@example.test' });
  assertError(await request(backend, 'GET', '/api/me'), 401, 'unauthorized');
  assertError(await request(backend, 'GET', '/api/me', { token: `${carol.token}x` }), 401, 'unauthorized');
});

test('ice-servers: nothing configured gives no servers at all', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const user = await register(backend);
  const res = await request(backend, 'GET', '/api/ice-servers', { token: user.token });
  assert.equal(res.status, 200);
  // The file size limit (PROTOCOL.md §9) rides along with the ICE servers, which file transfers use too.
  assert.deepEqual(res.body, { iceServers: [], iceTransportPolicy: 'all', ttl: 3600, maxFileBytes: DEFAULT_MAX_FILE_BYTES });
  assertError(await request(backend, 'GET', '/api/ice-servers'), 401, 'unauthorized');
});

test('ice-servers: STUN and time-limited TURN credentials in the coturn use-auth-secret scheme', { timeout: 60_000 }, async (t) => {
  const turnSecret = 'turn shared secret';
  const backend = await startTestBackend({
    closeAfter: t,
    stunUrls: ['stun:127.0.0.1:3478'],
    turnUrls: ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'],
    turnSecret,
    turnTtlSeconds: 600,
    iceTransportPolicy: 'relay',
  });
  const user = await register(backend);
  const before = Math.floor(Date.now() / 1000);
  const res = await request(backend, 'GET', '/api/ice-servers', { token: user.token });
  assert.equal(res.status, 200);
  assert.equal(res.body.iceTransportPolicy, 'relay');
  assert.equal(res.body.ttl, 600);
  const [stun, turn] = res.body.iceServers;
  assert.deepEqual(stun, { urls: ['stun:127.0.0.1:3478'] });
  assert.deepEqual(turn.urls, ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp']);
  const [expiry, userId] = turn.username.split(':');
  assert.equal(userId, user.user.id);
  assert.ok(Number(expiry) >= before + 600 && Number(expiry) <= before + 602);
  assert.equal(turn.credential, createHmac('sha1', turnSecret).update(turn.username).digest('base64'));
});

test('healthz', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const res = await request(backend, 'GET', '/healthz');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { status: 'ok' });
});

test('CORS: any origin by default', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const res = await fetch(`${backend.origin}/api/login`, {
    method: 'OPTIONS',
    headers: { origin: 'https://any-site.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
});

test('CORS: with ALLOWED_ORIGINS set, preflight answered for an allowed origin and refused for others', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, allowedOrigins: ['https://allowed.test'] });
  const preflight = (origin: string) =>
    fetch(`${backend.origin}/api/me`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
  const allowed = await preflight('https://allowed.test');
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://allowed.test');
  assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /authorization/i);
  assert.equal(allowed.headers.get('access-control-allow-credentials'), null);

  const other = await preflight('https://evil.test');
  assert.equal(other.headers.get('access-control-allow-origin'), null);

  const user = await register(backend);
  const actual = await fetch(`${backend.origin}/api/me`, {
    headers: { origin: 'https://evil.test', authorization: `Bearer ${user.token}` },
  });
  assert.equal(actual.headers.get('access-control-allow-origin'), null);
});
