import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CallStateMachine,
  type CallMachineEvent,
  type CallSnapshot,
  type MachinePhase,
  type TimerApi,
} from '../../src/core/call-state-machine.js';
import type { CallDirection } from '../../src/core/types.js';
import { texts } from '../../src/core/texts.js';
import { plainText } from '../text-match.js';

/** Manual clock: timers only fire when the test advances time. */
class FakeClock implements TimerApi {
  now = 1_000;
  private next = 1;
  private pending = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  get count(): number {
    return this.pending.size;
  }
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = target;
  }
}

function machine(direction: CallDirection, clock = new FakeClock()) {
  const seen: CallSnapshot[] = [];
  const m = new CallStateMachine({
    direction,
    peerName: 'Ada',
    ringTimeoutMs: 30_000,
    connectTimeoutMs: 15_000,
    timers: clock,
    now: () => clock.now,
    onChange: (s) => seen.push(s),
  });
  return { m, clock, seen };
}

const ALL_EVENTS: CallMachineEvent[] = [
  { type: 'ring' },
  { type: 'accept' },
  { type: 'connected' },
  { type: 'cancel' },
  { type: 'remote-cancel' },
  { type: 'decline' },
  { type: 'reject', reason: 'busy' },
  { type: 'answered-elsewhere' },
  { type: 'hangup' },
  { type: 'remote-hangup' },
  { type: 'peer-left' },
  { type: 'fail', message: 'boom' },
];

/** The contract, written out independently of the implementation: [direction, from, event] → to (+ end reason). */
const EXPECTED: Array<[CallDirection, MachinePhase, CallMachineEvent['type'], MachinePhase, string?]> = [
  ['outgoing', 'idle', 'ring', 'ringing'],
  ['incoming', 'idle', 'ring', 'ringing'],
  ['outgoing', 'ringing', 'accept', 'connecting'],
  ['incoming', 'ringing', 'accept', 'connecting'],
  ['outgoing', 'ringing', 'cancel', 'ended', 'cancelled'],
  ['incoming', 'ringing', 'remote-cancel', 'ended', 'cancelled'],
  ['incoming', 'ringing', 'decline', 'ended', 'declined'],
  ['outgoing', 'ringing', 'reject', 'ended', 'busy'],
  ['incoming', 'ringing', 'answered-elsewhere', 'ended', 'answered-elsewhere'],
  ['incoming', 'connecting', 'answered-elsewhere', 'ended', 'answered-elsewhere'],
  ['outgoing', 'ringing', 'peer-left', 'ended', 'peer-left'],
  ['incoming', 'ringing', 'peer-left', 'ended', 'peer-left'],
  ['outgoing', 'ringing', 'fail', 'ended', 'failed'],
  ['incoming', 'ringing', 'fail', 'ended', 'failed'],
  ['outgoing', 'connecting', 'connected', 'connected'],
  ['incoming', 'connecting', 'connected', 'connected'],
];
for (const dir of ['outgoing', 'incoming'] as const) {
  for (const from of ['connecting', 'connected'] as const) {
    EXPECTED.push([dir, from, 'hangup', 'ended', 'hangup']);
    EXPECTED.push([dir, from, 'remote-hangup', 'ended', 'remote-hangup']);
    EXPECTED.push([dir, from, 'peer-left', 'ended', 'peer-left']);
    EXPECTED.push([dir, from, 'fail', 'ended', 'failed']);
  }
}

/** Drives a fresh machine into `phase` through allowed transitions. */
function reach(direction: CallDirection, phase: MachinePhase) {
  const h = machine(direction);
  const path: Record<MachinePhase, CallMachineEvent[]> = {
    idle: [],
    ringing: [{ type: 'ring' }],
    connecting: [{ type: 'ring' }, { type: 'accept' }],
    connected: [{ type: 'ring' }, { type: 'accept' }, { type: 'connected' }],
    ended: [{ type: 'ring' }, { type: 'peer-left' }],
  };
  for (const e of path[phase]) assert.equal(h.m.send(e), true);
  assert.equal(h.m.phase, phase);
  return h;
}

for (const direction of ['outgoing', 'incoming'] as const) {
  for (const from of ['idle', 'ringing', 'connecting', 'connected', 'ended'] as const) {
    for (const event of ALL_EVENTS) {
      const rule = EXPECTED.find(([d, f, t]) => d === direction && f === from && t === event.type);
      const name = `${direction} ${from} + ${event.type} → ${rule ? rule[3] : 'refused'}`;
      test(name, () => {
        const { m, seen } = reach(direction, from);
        const before = m.snapshot;
        const changes = seen.length;
        assert.equal(m.can(event.type), Boolean(rule));
        const applied = m.send(event);
        if (!rule) {
          assert.equal(applied, false);
          assert.equal(m.snapshot, before, 'a refused event leaves the snapshot untouched');
          assert.equal(seen.length, changes, 'a refused event notifies nobody');
          return;
        }
        assert.equal(applied, true);
        assert.equal(m.phase, rule[3]);
        assert.equal(m.snapshot.endReason, rule[4]);
        assert.equal(seen.length, changes + 1);
        assert.equal(seen.at(-1), m.snapshot);
        assert.notEqual(m.snapshot, before, 'every change gives a new snapshot object');
        assert.ok(m.snapshot.message.length > 0);
      });
    }
  }
}

test('reject carries each reason the contract names', () => {
  for (const reason of ['declined', 'busy', 'unavailable'] as const) {
    const { m } = reach('outgoing', 'ringing');
    m.send({ type: 'reject', reason });
    assert.equal(m.snapshot.endReason, reason);
  }
});

for (const direction of ['outgoing', 'incoming'] as const) {
  test(`${direction}: an unanswered call ends as missed after the ring timeout, not before`, () => {
    const { m, clock } = reach(direction, 'ringing');
    clock.advance(29_999);
    assert.equal(m.phase, 'ringing');
    clock.advance(1);
    assert.equal(m.phase, 'ended');
    assert.equal(m.snapshot.endReason, 'missed');
    assert.equal(m.snapshot.endedAt, clock.now);
    assert.equal(m.snapshot.message, texts.call.end.missed('Ada', direction === 'outgoing'));
    assert.match(plainText(m.snapshot.message), direction === 'outgoing' ? /Ada did not answer/ : /Missed call from Ada/);
    assert.equal(clock.count, 0);
  });

  test(`${direction}: a call stuck connecting fails after the connect timeout with a readable message`, () => {
    const { m, clock } = reach(direction, 'connecting');
    clock.advance(14_999);
    assert.equal(m.phase, 'connecting');
    clock.advance(1);
    assert.equal(m.phase, 'ended');
    assert.equal(m.snapshot.endReason, 'failed');
    assert.equal(m.snapshot.message, texts.call.noMedia('Ada', 15));
  });
}

test('accepting stops the ring timer; connecting stops the connect timer', () => {
  const { m, clock } = reach('incoming', 'ringing');
  m.send({ type: 'accept' });
  clock.advance(14_000);
  assert.equal(m.phase, 'connecting', 'the ring timeout no longer applies');
  m.send({ type: 'connected' });
  assert.equal(clock.count, 0);
  clock.advance(120_000);
  assert.equal(m.phase, 'connected');
  assert.equal(m.snapshot.connectedAt, 1_000 + 14_000);
});

test('ending clears the pending timer so no late timeout rewrites the reason', () => {
  const { m, clock } = reach('outgoing', 'ringing');
  m.send({ type: 'cancel' });
  assert.equal(clock.count, 0);
  clock.advance(60_000);
  assert.equal(m.snapshot.endReason, 'cancelled');
});

test('fail keeps the given message; without one a default names the peer', () => {
  const a = reach('outgoing', 'connected');
  a.m.send({ type: 'fail', message: 'TURN relay refused the credentials' });
  assert.equal(a.m.snapshot.message, 'TURN relay refused the credentials');
  const b = reach('outgoing', 'connected');
  b.m.send({ type: 'fail' });
  assert.equal(b.m.snapshot.message, texts.call.end.failed('Ada'));
});

test('messages say who did what from each side', () => {
  const cases: Array<[CallDirection, CallMachineEvent, RegExp]> = [
    ['outgoing', { type: 'reject', reason: 'declined' }, /Ada declined/],
    ['incoming', { type: 'decline' }, /You declined/],
    ['outgoing', { type: 'reject', reason: 'busy' }, /busy/],
    ['outgoing', { type: 'reject', reason: 'unavailable' }, /not available/],
    ['incoming', { type: 'remote-cancel' }, /Ada cancelled/],
    ['incoming', { type: 'answered-elsewhere' }, /another tab/],
  ];
  for (const [dir, event, re] of cases) {
    const { m } = reach(dir, 'ringing');
    m.send(event);
    assert.match(plainText(m.snapshot.message), re);
  }
  const { m } = reach('outgoing', 'ringing');
  assert.equal(m.snapshot.message, texts.call.status.calling('Ada'));
  assert.equal(plainText(m.snapshot.message), 'Calling Ada…');
  const inc = reach('incoming', 'ringing');
  assert.equal(inc.m.snapshot.message, texts.call.status.ringing('Ada'));
});

test('dispose stops the timer without a transition', () => {
  const { m, clock, seen } = reach('outgoing', 'ringing');
  const n = seen.length;
  m.dispose();
  clock.advance(60_000);
  assert.equal(m.phase, 'ringing');
  assert.equal(seen.length, n);
});
