import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LOST_LINK_LIMITS,
  iceServersNeedRefresh,
  lostLinkStep,
  readTokenTimes,
  reconnectDelay,
  tokenRenewalDelayMs,
} from '../../src/core/timing.js';

const b64url = (s: string) => Buffer.from(s).toString('base64url');
const jwt = (claims: object) => `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify(claims))}.sig`;

test('backoff doubles per attempt within [cap/2, cap] and stops at the maximum', () => {
  const opts = { baseMs: 500, maxMs: 30_000 };
  assert.equal(
    reconnectDelay(0, opts, () => 0),
    250,
  );
  assert.equal(
    reconnectDelay(0, opts, () => 1),
    500,
  );
  assert.equal(
    reconnectDelay(3, opts, () => 1),
    4_000,
  );
  assert.equal(
    reconnectDelay(3, opts, () => 0),
    2_000,
  );
  assert.equal(
    reconnectDelay(10, opts, () => 1),
    30_000,
  );
  assert.equal(
    reconnectDelay(1_000, opts, () => 0.5),
    22_500,
  );
  assert.equal(
    reconnectDelay(-5, opts, () => 1),
    500,
    'a negative attempt counts as the first',
  );
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

test('a lost link ends 13 s after its last packet, shows the interruption meanwhile, and counts flowing packets as back', () => {
  const { lossLimitMs } = LOST_LINK_LIMITS;
  assert.equal(lossLimitMs, 13_000, 'issue #7: back within 10 s keeps the call, lost ends within 15 s');
  // Chromium says 'disconnected' ~8 s after the last packet: 5 s are left, looked at every second.
  assert.deepEqual(lostLinkStep(8_000, false), { end: false, interrupted: true, checkInMs: 1_000 });
  assert.deepEqual(lostLinkStep(12_400, true), { end: false, interrupted: true, checkInMs: 600 }, 'the last look lands on the limit');
  assert.deepEqual(lostLinkStep(12_960, true), { end: true }, 'a timer a little early is on time');
  assert.deepEqual(lostLinkStep(20_000, false), { end: true }, 'reported after the limit: ends at once');
  // Firefox says 'disconnected' at once: nothing is shown before packets are really missing.
  assert.deepEqual(lostLinkStep(300, false), { end: false, interrupted: false, checkInMs: 1_000 });
  // Media back while the browser still says 'disconnected': recovered, still watched.
  assert.deepEqual(lostLinkStep(200, true), { end: false, interrupted: false, checkInMs: 1_000 });
  // No statistics: one whole limit, then the end.
  assert.deepEqual(lostLinkStep(null, false), { end: false, interrupted: true, checkInMs: lossLimitMs });
  assert.deepEqual(lostLinkStep(null, true), { end: true });
});
