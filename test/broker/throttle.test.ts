/**
 * Throttling (PROTOCOL.md §1): repeated failed logins for one email from one
 * address (normalised, so case and spaces do not dodge it) and per address,
 * and the per-address limit on register/login requests. All answer 429
 * rate_limited. That other addresses are only slowed down, never refused, is
 * in test/abuse/http.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { register, request, startTestBackend } from './support.js';

const login = (backend: { origin: string }, email: string, password: string) =>
  request(backend, 'POST', '/api/login', { json: { email, password } });

test('failed logins per email from one address are throttled, whatever the case or spacing', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, loginFailuresPerEmail: 3, loginFailuresPerAddress: 1000 });
  const victim = await register(backend, { email: 'victim@example.test' });
  const variants = ['victim@example.test', 'VICTIM@example.test', '  Victim@Example.Test  '];
  for (const email of variants) assert.equal((await login(backend, email, 'wrong guess!')).status, 401);

  for (const email of [...variants, 'victim@example.test']) {
    const res = await login(backend, email, 'another guess');
    assert.equal(res.status, 429, email);
    assert.equal(res.body.error.code, 'rate_limited');
  }
  // Even the right password waits until the window ends: a guesser cannot learn it.
  assert.equal((await login(backend, 'victim@example.test', victim.password)).status, 429);
  // Other accounts are not affected by this email's lock.
  const other = await register(backend, { email: 'other@example.test' });
  assert.equal((await login(backend, 'other@example.test', other.password)).status, 200);
});

test('unknown emails are throttled like known ones (no enumeration through 429 either)', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, loginFailuresPerEmail: 2, loginFailuresPerAddress: 1000 });
  await register(backend, { email: 'known@example.test' });
  for (const email of ['known@example.test', 'unknown@example.test']) {
    assert.equal((await login(backend, email, 'bad password 1')).status, 401);
    assert.equal((await login(backend, email, 'bad password 2')).status, 401);
    assert.equal((await login(backend, email, 'bad password 3')).status, 429);
  }
});

test('successful logins do not count as failures', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, loginFailuresPerEmail: 2, loginFailuresPerAddress: 1000 });
  const user = await register(backend);
  for (let i = 0; i < 6; i++) assert.equal((await login(backend, user.user.email, user.password)).status, 200);
});

test('failed logins per address are throttled across emails', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, loginFailuresPerEmail: 1000, loginFailuresPerAddress: 4 });
  for (let i = 0; i < 4; i++) assert.equal((await login(backend, `spray${i}@example.test`, 'password1')).status, 401);
  const res = await login(backend, 'spray-next@example.test', 'password1');
  assert.equal(res.status, 429);
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.equal(res.body.error.code, 'rate_limited');
});

test('register and login requests per address are limited', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, authRateMax: 3 });
  for (let i = 0; i < 3; i++) {
    assert.equal(
      (await request(backend, 'POST', '/api/register', { json: { name: 'R', email: `r${i}@example.test`, password: 'password1' } })).status,
      201,
    );
  }
  const res = await request(backend, 'POST', '/api/register', { json: { name: 'R', email: 'r9@example.test', password: 'password1' } });
  assert.equal(res.status, 429);
  assert.equal(res.body.error.code, 'rate_limited');
  assert.ok(res.headers.get('retry-after'));
  // /healthz and the token routes are not limited.
  assert.equal((await request(backend, 'GET', '/healthz')).status, 200);
});

test('behind a trusted proxy, per-address throttles see the forwarded client address', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({
    closeAfter: t,
    trustProxy: ['127.0.0.1'],
    loginFailuresPerEmail: 1000,
    loginFailuresPerAddress: 2,
  });
  const from = (address: string, email: string) =>
    request(backend, 'POST', '/api/login', { json: { email, password: 'password1' }, headers: { 'x-forwarded-for': address } });
  assert.equal((await from('203.0.113.7', 'a@example.test')).status, 401);
  assert.equal((await from('203.0.113.7', 'b@example.test')).status, 401);
  assert.equal((await from('203.0.113.7', 'c@example.test')).status, 429);
  // Another client behind the same proxy is not locked out.
  assert.equal((await from('198.51.100.9', 'd@example.test')).status, 401);
});
