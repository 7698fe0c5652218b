/**
 * Forged, foreign and stale tokens: every one is refused at MQTT CONNECT
 * (CONNACK 4 or 5) and at every HTTP Bearer route (401 unauthorized).
 */
import assert from 'node:assert/strict';
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { test, type TestContext } from 'node:test';
import { SignJWT, type JWTPayload } from 'jose';
import { openJsonUserStore } from '../../broker/store/json-user-store.js';
import { API_PATHS, TOKEN_AUDIENCE, TOKEN_ISSUER, type AuthResponse } from '../../src/protocol/index.js';
import { ConnectRefused, connectMqtt, register, request, startTestBackend, type TestBackend } from '../broker/support.js';
import { Tally } from './support.js';

const tally = new Tally();

const SECRET = 'abuse-suite-secret-that-is-long-enough-0123456789';
const key = (secret: string) => new TextEncoder().encode(secret);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

interface Forged {
  what: string;
  token: string;
  /** The MQTT username to present (the forged token's subject, usually). */
  username: string;
  /** Only wrong as an MQTT login (e.g. someone's real token under another username). */
  mqttOnly?: boolean;
}

/** A token like the backend's (HS256, iss, aud, iat, exp), except for what `options` change. */
async function sign(
  user: AuthResponse['user'],
  options: {
    alg?: string;
    secret?: string;
    claims?: JWTPayload;
    iss?: string;
    aud?: string;
    iat?: number;
    exp?: number;
    nbf?: number;
  } = {},
): Promise<string> {
  const jwt = new SignJWT({ name: user.name, ...options.claims })
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(options.iss ?? TOKEN_ISSUER)
    .setAudience(options.aud ?? TOKEN_AUDIENCE)
    .setIssuedAt(options.iat ?? now())
    .setExpirationTime(options.exp ?? now() + 3600);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(key(options.secret ?? SECRET));
}

async function forgeries(victim: AuthResponse, attacker: AuthResponse): Promise<Forged[]> {
  const user = victim.user;
  const [header, payload] = victim.token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const rs256 = await new SignJWT({ name: user.name })
    .setProtectedHeader({ alg: 'RS256' })
    .setSubject(user.id)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  const as = (what: string, token: string, username = user.id, mqttOnly = false): Forged => ({ what, token, username, mqttOnly });
  // The victim's own session family on every forgery, so that each is refused for the one thing it changes.
  const family = { sid: claims.sid, auth_time: claims.auth_time };
  const forge = (who: AuthResponse['user'], options: Parameters<typeof sign>[1] = {}) =>
    sign(who, { ...options, claims: { ...family, ...options.claims } });
  const [aHeader, aPayload, aSignature] = attacker.token.split('.') as [string, string, string];
  return [
    as('alg none, no signature', `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`),
    as('alg none, signature kept', `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.${victim.token.split('.')[2]}`),
    as('HS512 with the real secret', await forge(user, { alg: 'HS512' })),
    as('HS384 with the real secret', await forge(user, { alg: 'HS384' })),
    as('RS256 with a generated key', rs256),
    as('HS256 signed with another secret', await forge(user, { secret: 'some-other-secret-that-is-long-enough-9876543210' })),
    as('wrong iss', await forge(user, { iss: 'someone-else' })),
    as('wrong aud', await forge(user, { aud: 'someone-else' })),
    as('expired an hour ago', await forge(user, { iat: now() - 7200, exp: now() - 3600 })),
    as('expired one second ago', await forge(user, { iat: now() - 60, exp: now() - 1 })),
    as('not yet valid (nbf in an hour)', await forge(user, { nbf: now() + 3600 })),
    as('issued in the future (iat in an hour)', await forge(user, { iat: now() + 3600, exp: now() + 7200 })),
    as(
      'no exp claim',
      await new SignJWT({ name: user.name, ...family })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user.id)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt()
        .sign(key(SECRET)),
    ),
    as('sub that is not a user id', await forge({ ...user, id: '../../etc' }), '../../etc'),
    as(
      'tampered payload (sub swapped to the victim, attacker signature)',
      `${aHeader}.${b64({ ...JSON.parse(Buffer.from(aPayload, 'base64url').toString()), sub: user.id })}.${aSignature}`,
    ),
    as(
      'tampered payload (exp pushed a year ahead)',
      `${header}.${b64({ ...claims, exp: now() + 365 * 86400 })}.${victim.token.split('.')[2]}`,
    ),
    as('no session id (a token from before sessions)', await sign(user, { claims: { auth_time: claims.auth_time } })),
    as('no sign-in time', await sign(user, { claims: { sid: claims.sid } })),
    as('session id that is not one', await forge(user, { claims: { sid: '../x' } })),
    as('tampered payload (other session id)', `${header}.${b64({ ...claims, sid: 'A'.repeat(16) })}.${victim.token.split('.')[2]}`),
    as('signature stripped', `${header}.${payload}.`),
    as('two segments only', `${header}.${payload}`),
    as('valid token of the attacker, victim as username', attacker.token, user.id, true),
    as('empty string', ''),
    as('random garbage', 'not-a-jwt-at-all'),
    as('a big token (12 KB)', `${header}.${'A'.repeat(12_000)}.${victim.token.split('.')[2]}`),
    as('a huge token (60 KB)', `${header}.${'A'.repeat(60_000)}.${victim.token.split('.')[2]}`),
  ];
}

async function refusedAtConnect(t: TestContext, backend: TestBackend, forged: Forged): Promise<boolean> {
  try {
    await connectMqtt(t, backend, { username: forged.username, password: forged.token, clientId: `${forged.username}:abuse` });
    return false;
  } catch (error) {
    return error instanceof ConnectRefused && (error.code === 4 || error.code === 5);
  }
}

async function refusedOverHttp(backend: TestBackend, token: string): Promise<string[]> {
  const accepted: string[] = [];
  const routes: Array<[string, string]> = [
    ['POST', API_PATHS.token],
    ['GET', API_PATHS.me],
    ['GET', API_PATHS.iceServers],
    ['POST', API_PATHS.logout],
  ];
  for (const [method, path] of routes) {
    const result = await request(backend, method, path, { headers: { authorization: `Bearer ${token}` } });
    // 431: Node refuses headers over 16 KB before any route runs.
    const refused = (result.status === 401 && result.body?.error?.code === 'unauthorized') || result.status === 431;
    if (!refused) accepted.push(`${method} ${path} → ${result.status}`);
  }
  return accepted;
}

test('forged and foreign tokens are refused at MQTT CONNECT and at every Bearer route', async (t) => {
  const backend = await startTestBackend({ closeAfter: t, jwtSecret: SECRET });
  const victim = await register(backend, { name: 'Victim' });
  const attacker = await register(backend, { name: 'Attacker' });
  // The real token works, so every refusal below is about the token, not the setup.
  const real = await connectMqtt(t, backend, { username: victim.user.id, password: victim.token });
  real.end(true);
  assert.equal((await request(backend, 'GET', API_PATHS.me, { token: victim.token })).status, 200);
  // And so does one signed here with the victim's session family: the forgeries differ from it in one thing each.
  const { sid, auth_time } = JSON.parse(Buffer.from(victim.token.split('.')[1]!, 'base64url').toString()) as JWTPayload;
  const lookalike = await sign(victim.user, { claims: { sid, auth_time } });
  assert.equal((await request(backend, 'GET', API_PATHS.me, { token: lookalike })).status, 200);

  for (const forged of await forgeries(victim, attacker)) {
    const atConnect = await refusedAtConnect(t, backend, forged);
    tally.record(`${forged.what}: MQTT CONNECT`, atConnect);
    assert.ok(atConnect, `${forged.what}: must be refused at CONNECT`);
    if (forged.mqttOnly) continue;
    const overHttp = await refusedOverHttp(backend, forged.token);
    tally.record(`${forged.what}: HTTP Bearer routes`, overHttp.length === 0, overHttp.join(', '));
    assert.deepEqual(overHttp, [], `${forged.what}: must be refused over HTTP`);
  }
  await tally.checkAlive(backend);
});

test('the token of a user deleted through the store is refused', async (t) => {
  const backend = await startTestBackend({ closeAfter: t, jwtSecret: SECRET });
  const user = await register(backend, { name: 'Soon deleted' });
  assert.equal((await request(backend, 'GET', API_PATHS.me, { token: user.token })).status, 200);
  // What the admin CLI does: a second store on the same folder deletes the user.
  const store = await openJsonUserStore(backend.config.dataDir);
  assert.equal(await store.delete(user.user.id), true);
  await store.close();

  const forged = { what: 'token of a deleted user', token: user.token, username: user.user.id };
  const atConnect = await refusedAtConnect(t, backend, forged);
  const overHttp = await refusedOverHttp(backend, user.token);
  tally.record('token of a deleted user: MQTT CONNECT', atConnect);
  tally.record('token of a deleted user: HTTP Bearer routes', overHttp.length === 0, overHttp.join(', '));
  assert.ok(atConnect);
  assert.deepEqual(overHttp, []);
  await tally.checkAlive(backend);
});

test('a signed-out token, and every token renewed from it, is refused', async (t) => {
  const backend = await startTestBackend({ closeAfter: t, jwtSecret: SECRET });
  const user = await register(backend, { name: 'Signs out' });
  const renewed = (await request(backend, 'POST', API_PATHS.token, { token: user.token })).body.token as string;
  const renewedTwice = (await request(backend, 'POST', API_PATHS.token, { token: renewed })).body.token as string;
  assert.equal((await request(backend, 'POST', API_PATHS.logout, { token: renewed })).status, 204);

  for (const [what, token] of [
    ['the token signed out with', renewed],
    ['the token it was renewed from', user.token],
    ['a token renewed from it', renewedTwice],
  ] as const) {
    const atConnect = await refusedAtConnect(t, backend, { what, token, username: user.user.id });
    const overHttp = await refusedOverHttp(backend, token);
    tally.record(`signed out, ${what}: MQTT CONNECT`, atConnect);
    tally.record(`signed out, ${what}: HTTP Bearer routes`, overHttp.length === 0, overHttp.join(', '));
    assert.ok(atConnect, `${what}: must be refused at CONNECT`);
    assert.deepEqual(overHttp, [], `${what}: must be refused over HTTP`);
  }
  await tally.checkAlive(backend);
});

test('summary', (t) => {
  tally.report(t);
  assert.equal(tally.crashes, 0);
  assert.equal(tally.refused, tally.tried, 'every forged token refused');
});
