/**
 * Token buckets as pure logic, with the clock passed in: the broker's
 * per-connection, per-user and per-invite-pair budgets, and the widget's
 * budget for automatic replies.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket, TokenBuckets } from '../../src/protocol/index.js';

test('a full burst at once, then nothing until it refills', () => {
  const budget = new TokenBucket(50, 200, 0);
  for (let i = 0; i < 200; i++) assert.equal(budget.take(0), true, `message ${i}`);
  assert.equal(budget.take(0), false);
  // 50/s: one message every 20 ms.
  assert.equal(budget.take(19), false);
  assert.equal(budget.take(20), true);
  assert.equal(budget.take(20), false);
});

test('a steady sender at the rate is never refused', () => {
  const budget = new TokenBucket(50, 5, 0);
  for (let t = 0; t < 10_000; t += 20) assert.equal(budget.take(t), true, `at ${t} ms`);
});

test('refill stops at the burst size', () => {
  const budget = new TokenBucket(10, 3, 0);
  for (let i = 0; i < 3; i++) budget.take(0);
  // A long pause gives back the burst, not more.
  let taken = 0;
  while (budget.take(60_000)) taken += 1;
  assert.equal(taken, 3);
});

test('keyed buckets: each key has its own budget', () => {
  const buckets = new TokenBuckets(1, 2, 0);
  assert.equal(buckets.take('a', 0), true);
  assert.equal(buckets.take('a', 0), true);
  assert.equal(buckets.take('a', 0), false);
  assert.equal(buckets.take('b', 0), true, 'another key is not charged for a');
  assert.equal(buckets.take('a', 1000), true, 'a refills at its rate');
});

test('keyed buckets forget refilled keys, so many passing keys hold no memory', () => {
  // 10/s, burst 5: a bucket is full again 500 ms after its last take.
  const buckets = new TokenBuckets(10, 5, 0);
  for (let i = 0; i < 10_000; i += 1) buckets.take(`key${i}`, i % 100);
  assert.equal(buckets.size, 10_000);
  // The first take after a refill period sweeps: only the new key is left.
  buckets.take('later', 700);
  assert.equal(buckets.size, 1);
  // A key that is still spending is kept, with its spent budget.
  for (let i = 0; i < 5; i += 1) buckets.take('busy', 700);
  buckets.sweep(800);
  assert.equal(buckets.take('busy', 800), true, 'one token back after 100 ms');
  assert.equal(buckets.take('busy', 800), false, 'the rest still spent: forgetting never resets a budget early');
});

test('a clock going backwards does not mint tokens', () => {
  const bucket = new TokenBucket(1, 1, 10_000);
  assert.equal(bucket.take(10_000), true);
  assert.equal(bucket.take(5_000), false);
  assert.equal(bucket.take(10_500), false, 'refill counts from the latest time seen');
  assert.equal(bucket.take(11_000), true);
});
