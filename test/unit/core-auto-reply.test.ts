/**
 * The widget's budget for automatic replies (src/core/auto-reply.ts): an
 * invite spammer must never make the widget spend its broker publish budget.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AUTO_REPLY_SENDER_BURST,
  AUTO_REPLY_TOTAL_BURST,
  AUTO_REPLY_TOTAL_PER_SECOND,
  AutoReplyBudget,
} from '../../src/core/auto-reply.js';
import { PUBLISH_BURST, PUBLISH_RATE_PER_SECOND } from '../../src/protocol/index.js';

/** Replies the budget allows to `invites` spread evenly over `ms` from `senders` taking turns. */
function repliesTo(invites: number, ms: number, senders: number): number {
  const budget = new AutoReplyBudget(0);
  let replies = 0;
  for (let i = 0; i < invites; i += 1) if (budget.allow(`sender${i % senders}`, (i * ms) / invites)) replies += 1;
  return replies;
}

test('one sender with 260 invites at once gets a couple of busy replies', () => {
  assert.equal(repliesTo(260, 0, 1), AUTO_REPLY_SENDER_BURST);
});

test('a legit caller redialling a few times still hears busy each time', () => {
  const budget = new AutoReplyBudget(0);
  for (const t of [0, 5_000, 15_000, 25_000, 35_000]) assert.equal(budget.allow('caller', t), true, `redial at ${t} ms`);
});

test('one sender cannot spend the replies others get', () => {
  const budget = new AutoReplyBudget(0);
  for (let i = 0; i < 1000; i += 1) budget.allow('spammer', i);
  assert.equal(budget.allow('friend', 1000), true);
});

test('many senders together stay far under the broker publish budget', () => {
  // 60 accounts, 100 invites each, within one second and within one minute.
  const inOneSecond = repliesTo(6000, 1000, 60);
  assert.ok(inOneSecond <= AUTO_REPLY_TOTAL_BURST + AUTO_REPLY_TOTAL_PER_SECOND, `${inOneSecond} replies in 1 s`);
  assert.ok(inOneSecond < PUBLISH_BURST / 10);
  const inOneMinute = repliesTo(6000, 60_000, 60);
  assert.ok(inOneMinute <= AUTO_REPLY_TOTAL_BURST + 60 * AUTO_REPLY_TOTAL_PER_SECOND, `${inOneMinute} replies in 60 s`);
  assert.ok(inOneMinute / 60 < PUBLISH_RATE_PER_SECOND / 10, 'a tenth of the sustained rate at most');
});
