import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iceServersNeedRefresh, readTokenTimes, reconnectDelay, tokenRenewalDelayMs } from '../../src/core/timing.js';

const b64url = (s: string) => Buffer.from(s).toString('base64url');
const jwt = (claims: object) => `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify(claims))}.sig`;

test('backoff doubles per attempt within [cap/2, cap] and stops at the maximum', () => {
  const opts = { baseMs: 500, maxMs: 30_000 };
  assert.equal(reconnectDelay(0, opts, () => 0), 250);
  assert.equal(reconnectDelay(0, opts, () => 1), 500);
  assert.equal(reconnectDelay(3, opts, () => 1), 4_000);
  assert.equal(reconnectDelay(3, opts, () => 0), 2_000);
  assert.equal(reconnectDelay(10, opts, () => 1), 30_000);
  assert.equal(reconnectDelay(1_000, opts, () => 0.5), 22_500);
  assert.equal(reconnectDelay(-5, opts, () => 1), 500, 'a negative attempt counts as the first');
  for (let a = 0; a < 12; a++) {
    assert.ok(reconnectDelay(a + 1, opts, () => 1) >= reconnectDelay(a, opts, () => 1), 'never shrinks');
  }
});

test('reads iat/exp from a JWT payload, null for anything unreadable', () => {
  assert.deepEqual(readTokenTimes(jwt({ sub: 'u1', iat: 100, exp: 3700 })), { iat: 100, exp: 3700 });
  assert.equal(readTokenTimes('not-a-jwt'), null);
  assert.equal(readTokenTimes(`a.${b64url('{nope')}.c`), null);
  assert.equal(readTokenTimes(jwt({ iat: 100 })), null);
  assert.equal(readTokenTimes(jwt({ iat: 100, exp: 50 })), null, 'expiry before issue');
});

test('renews at 80% of the token lifetime less the rounding of iat, measured from receipt', () => {
  assert.equal(tokenRenewalDelayMs(jwt({ iat: 1_000, exp: 4_600 })), 2_879_000);
  assert.equal(tokenRenewalDelayMs(jwt({ iat: 1_000, exp: 1_010 }), 0.5), 4_000);
  assert.equal(tokenRenewalDelayMs(jwt({ iat: 0, exp: 1 })), 1_000, 'never busy-loops on tiny lifetimes');
  assert.equal(tokenRenewalDelayMs(jwt({ iat: 0, exp: 10 ** 9 })), 2 ** 31 - 1, 'capped to what setTimeout accepts');
  assert.equal(tokenRenewalDelayMs('garbage'), null);
});

test('ICE credentials are refreshed once 80% of their ttl has passed', () => {
  assert.equal(iceServersNeedRefresh(0, 100, 79_999), false);
  assert.equal(iceServersNeedRefresh(0, 100, 80_000), true);
});
