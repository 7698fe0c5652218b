/** The callee signed in on several tabs (src/core/call/callee-tabs.ts): pure rules, fake clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCEPT_SETTLE_MS, CalleeTabs, winsAccept } from '../../src/core/call/callee-tabs.js';
import { FakeClock } from './support/engine-fakes.js';

test('a busy tab refuses the call only once no other tab still rings', () => {
  const tabs = new CalleeTabs(new FakeClock());
  tabs.ringing('b1');
  tabs.ringing('b2');
  assert.equal(tabs.refused('b1', 2), false, 'b2 still rings');
  assert.equal(tabs.refused('b2', 2), true, 'both refused');
});

test('a tab that never said ringing still counts among the tabs to refuse', () => {
  const tabs = new CalleeTabs(new FakeClock());
  assert.equal(tabs.refused('b1', 3), false);
  assert.equal(tabs.refused('b2', 3), false);
  assert.equal(tabs.refused('b3', 3), true);
});

test('the first accept binds; a smaller sid wins while the answer is not applied', async () => {
  const clock = new FakeClock();
  const tabs = new CalleeTabs(clock);
  assert.equal(tabs.accept('b2', true), 'bound');
  assert.equal(tabs.peerSid, 'b2');
  assert.equal(tabs.accept('b3', true), 'ignored', 'a larger sid loses');
  assert.equal(tabs.accept('b1', false), 'ignored', 'not while the call no longer settles');
  assert.equal(tabs.accept('b1', true), 'rebound');
  assert.equal(tabs.peerSid, 'b1');
  tabs.markApplied();
  assert.equal(tabs.accept('b0', true), 'ignored', 'an applied answer fixes the tab');
  assert.equal(winsAccept('b1', 'b2'), true);
  assert.equal(winsAccept('b2', 'b1'), false);
});

test('with several tabs the answer waits the settle time from the first accept; with one, none', async () => {
  const clock = new FakeClock();
  const tabs = new CalleeTabs(clock);
  tabs.accept('b2', true);
  assert.equal(tabs.answerDelay(1), 0);
  assert.equal(tabs.answerDelay(2), ACCEPT_SETTLE_MS);
  await clock.advance(1);
  assert.equal(tabs.answerDelay(2), ACCEPT_SETTLE_MS - 1, 'measured from the first accept');
  await clock.advance(ACCEPT_SETTLE_MS);
  assert.equal(tabs.answerDelay(2), 0);
  tabs.markApplied();
  assert.equal(tabs.answerDelay(2), 0);
});

test('only the held answer of the bound tab is taken, and only once', () => {
  const tabs = new CalleeTabs(new FakeClock());
  tabs.accept('b2', true);
  tabs.hold('b2', 'from-b2');
  tabs.accept('b1', true);
  assert.equal(tabs.takeHeld(), null, 'b2 lost: its answer is dropped');
  tabs.hold('b1', 'from-b1');
  assert.equal(tabs.takeHeld(), 'from-b1');
  assert.equal(tabs.takeHeld(), null);
});
