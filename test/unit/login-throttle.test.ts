/**
 * The failed-login decision (broker/http/login-throttle.ts) with an injected
 * clock: guessing from one address is refused, guessing one email from many
 * addresses only slows that email down, and the owner is never refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoginThrottle, SLOWDOWN_BASE_MS, type LoginThrottleOptions } from '../../broker/http/login-throttle.js';

function throttle(options: Partial<LoginThrottleOptions> = {}) {
  const clock = { now: 1_000_000 };
  const t = new LoginThrottle({ perEmail: 5, perAddress: 20, windowMs: 900_000, slowdownMaxMs: 5_000, now: () => clock.now, ...options });
  return { t, clock };
}

const A = '203.0.113.7';
const B = '198.51.100.9';

test('an address guessing one email is refused for that email after perEmail failures, until the window ends', () => {
  const { t, clock } = throttle();
  for (let i = 0; i < 5; i++) {
    assert.equal(t.check('victim@example.test', A).refused, false);
    t.recordFailure('victim@example.test', A);
  }
  const refused = t.check(' VICTIM@example.test ', A);
  assert.deepEqual(refused, { refused: true, retryAfterMs: 900_000 }, 'any spelling of the email');
  clock.now += 600_000;
  assert.deepEqual(t.check('victim@example.test', A), { refused: true, retryAfterMs: 300_000 });
  // The same address may still try other emails (it is under its own per-address limit).
  assert.deepEqual(t.check('other@example.test', A), { refused: false, delayMs: 0 });
  clock.now += 300_000;
  assert.equal(t.check('victim@example.test', A).refused, false, 'the window has ended');
});

test('the owner from another address is never refused, only slowed down, however many addresses guess', () => {
  const { t } = throttle();
  for (let i = 0; i < 5; i++) t.recordFailure('victim@example.test', A);
  assert.equal(t.check('victim@example.test', A).refused, true);
  assert.deepEqual(t.check('victim@example.test', B), { refused: false, delayMs: SLOWDOWN_BASE_MS });
  // A thousand attacking addresses, five guesses each.
  for (let n = 0; n < 1000; n++) for (let i = 0; i < 5; i++) t.recordFailure('victim@example.test', `10.0.${n >> 8}.${n & 255}`);
  assert.deepEqual(t.check('victim@example.test', B), { refused: false, delayMs: 5_000 }, 'the delay is capped');
  // Other emails are untouched.
  assert.deepEqual(t.check('bystander@example.test', B), { refused: false, delayMs: 0 });
});

test('the per-email delay doubles per failure past perEmail, up to the maximum', () => {
  const { t } = throttle({ slowdownMaxMs: 3_000 });
  const delays: number[] = [];
  for (let i = 0; i < 10; i++) {
    const decision = t.check('victim@example.test', B);
    assert.equal(decision.refused, false);
    if (!decision.refused) delays.push(decision.delayMs);
    // Each guess from a fresh address, so no pair lock gets in the way.
    t.recordFailure('victim@example.test', `10.0.0.${i}`);
  }
  assert.deepEqual(delays, [0, 0, 0, 0, 0, 250, 500, 1_000, 2_000, 3_000]);
});

test('an address spraying many emails is refused for every email', () => {
  const { t, clock } = throttle({ perAddress: 3 });
  for (let i = 0; i < 3; i++) t.recordFailure(`someone${i}@example.test`, A);
  assert.equal(t.check('fresh@example.test', A).refused, true);
  assert.equal(t.check('fresh@example.test', B).refused, false, 'other addresses are not affected');
  clock.now += 900_000;
  assert.equal(t.check('fresh@example.test', A).refused, false);
});

test('failures age out with the window, so the slow-down ends too', () => {
  const { t, clock } = throttle();
  for (let i = 0; i < 8; i++) t.recordFailure('victim@example.test', `10.0.0.${i}`);
  assert.deepEqual(t.check('victim@example.test', B), { refused: false, delayMs: 2_000 });
  clock.now += 900_000;
  assert.deepEqual(t.check('victim@example.test', B), { refused: false, delayMs: 0 });
  t.recordFailure('victim@example.test', A);
  assert.deepEqual(t.check('victim@example.test', B), { refused: false, delayMs: 0 }, 'a new window counts from one');
});

test('memory stays bounded under a flood of distinct emails and addresses', () => {
  const { t } = throttle({ perAddress: 1_000_000 });
  for (let i = 0; i < 150_000; i++) t.recordFailure(`e${i}@example.test`, `a${i}`);
  assert.ok(t.size <= 3 * 100_000, `${t.size} keys`);
  // The newest keys are the ones kept.
  for (let i = 0; i < 4; i++) t.recordFailure('e149999@example.test', 'a149999');
  assert.equal(t.check('e149999@example.test', 'a149999').refused, true);
});
