/**
 * The per-client publish budget (token bucket) as pure logic, with the clock
 * passed in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PublishBudget } from '../../broker/mqtt/publish-budget.js';

test('a full burst at once, then nothing until it refills', () => {
  const budget = new PublishBudget(50, 200, 0);
  for (let i = 0; i < 200; i++) assert.equal(budget.take(0), true, `message ${i}`);
  assert.equal(budget.take(0), false);
  // 50/s: one message every 20 ms.
  assert.equal(budget.take(19), false);
  assert.equal(budget.take(20), true);
  assert.equal(budget.take(20), false);
});

test('a steady sender at the rate is never refused', () => {
  const budget = new PublishBudget(50, 5, 0);
  for (let t = 0; t < 10_000; t += 20) assert.equal(budget.take(t), true, `at ${t} ms`);
});

test('refill stops at the burst size', () => {
  const budget = new PublishBudget(10, 3, 0);
  for (let i = 0; i < 3; i++) budget.take(0);
  // A long pause gives back the burst, not more.
  let taken = 0;
  while (budget.take(60_000)) taken += 1;
  assert.equal(taken, 3);
});
