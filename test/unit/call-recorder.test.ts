/**
 * The broker's call recorder (broker/history/call-recorder.ts) on a fake clock: which outcome
 * each side gets, from which messages, and when a call with no further signalling ends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallRecorder, LOST_GRACE_MS, type RecordedCall, type RecorderTimers } from '../../broker/history/call-recorder.js';
import type { InboxMessage } from '../../src/protocol/index.js';

class FakeTimers implements RecorderTimers {
  time = 1_000_000;
  #next = 1;
  readonly #pending = new Map<number, { at: number; fn: () => void }>();
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#pending.set(id, { at: this.time + ms, fn });
    return id;
  };
  clearTimeout = (handle: unknown) => void this.#pending.delete(handle as number);
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.#pending].filter(([, p]) => p.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#pending.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
}

function setup(tabs = 1) {
  const timers = new FakeTimers();
  const saved: RecordedCall[] = [];
  const recorder = new CallRecorder({
    nameOf: (id) => id.toUpperCase(),
    tabsOf: () => tabs,
    save: (call) => saved.push(call),
    timers,
    ringTimeoutMs: 30_000,
  });
  const outcomes = () => saved.map((c) => c.entries.map((e) => `${e.owner}:${e.entry.direction}:${e.entry.outcome}`).join(' '));
  return { timers, saved, recorder, outcomes };
}

const CALL = 'call-0123456789abcdef';
const msg = (type: string, sid: string, extra: object = {}) => ({ type, callId: CALL, sid, ...extra }) as InboxMessage;
const invite = (sid = 'ada:1') => msg('invite', sid, { media: { audio: true, video: true } });

test('no answer within the ring timeout: missed on both sides', () => {
  const { recorder, timers, outcomes } = setup();
  recorder.relayed('ada', 'bob', invite());
  recorder.relayed('bob', 'ada', msg('ringing', 'bob:1'));
  timers.advance(34_000);
  assert.deepEqual(outcomes(), []);
  timers.advance(2_000);
  assert.deepEqual(outcomes(), ['ada:outgoing:missed bob:incoming:missed']);
});

test("the caller's own ring-timeout cancel is a missed call, an early cancel a cancelled one", () => {
  const late = setup();
  late.recorder.relayed('ada', 'bob', invite());
  late.timers.advance(29_500);
  late.recorder.relayed('ada', 'bob', msg('cancel', 'ada:1'));
  assert.deepEqual(late.outcomes(), ['ada:outgoing:missed bob:incoming:missed']);

  const early = setup();
  early.recorder.relayed('ada', 'bob', invite());
  early.timers.advance(3_000);
  early.recorder.relayed('ada', 'bob', msg('cancel', 'ada:1'));
  assert.deepEqual(early.outcomes(), ['ada:outgoing:cancelled bob:incoming:missed']);
  assert.equal(early.saved[0]!.entries[0]!.entry.peer.name, 'BOB');
});

test('one tab busy while another rings: the other tab answers, and the call is answered', () => {
  const { recorder, timers, outcomes, saved } = setup(2);
  recorder.relayed('ada', 'bob', invite());
  recorder.relayed('bob', 'ada', msg('ringing', 'bob:1'));
  recorder.relayed('bob', 'ada', msg('reject', 'bob:2', { reason: 'busy' }));
  timers.advance(5_000);
  assert.deepEqual(outcomes(), []);
  recorder.relayed('bob', 'ada', msg('accept', 'bob:1'));
  recorder.relayed('bob', 'ada', msg('answer', 'bob:1', { sdp: 'v=0' }));
  timers.advance(60_000);
  recorder.relayed('ada', 'bob', msg('hangup', 'ada:1'));
  assert.deepEqual(outcomes(), ['ada:outgoing:answered bob:incoming:answered']);
  assert.equal(saved[0]!.entries[0]!.entry.durationMs, 60_000);
});

test('every tab refuses busy: busy once the refusals settle; unavailable everywhere: failed', () => {
  const busy = setup(2);
  busy.recorder.relayed('ada', 'bob', invite());
  busy.recorder.relayed('bob', 'ada', msg('reject', 'bob:1', { reason: 'busy' }));
  busy.timers.advance(2_000);
  assert.deepEqual(busy.outcomes(), []);
  busy.recorder.relayed('bob', 'ada', msg('reject', 'bob:2', { reason: 'busy' }));
  busy.timers.advance(2_000);
  assert.deepEqual(busy.outcomes(), ['ada:outgoing:busy bob:incoming:busy']);

  const unavailable = setup(1);
  unavailable.recorder.relayed('ada', 'bob', invite());
  unavailable.recorder.relayed('bob', 'ada', msg('reject', 'bob:1', { reason: 'unavailable' }));
  unavailable.timers.advance(2_000);
  assert.deepEqual(unavailable.outcomes(), ['ada:outgoing:failed bob:incoming:failed']);
});

test('a tab of the call that drops ends it at the drop unless it comes back within the grace', () => {
  const { recorder, timers, outcomes, saved } = setup();
  recorder.relayed('ada', 'bob', invite());
  recorder.relayed('bob', 'ada', msg('accept', 'bob:1'));
  recorder.relayed('bob', 'ada', msg('answer', 'bob:1', { sdp: 'v=0' }));
  timers.advance(10_000);
  recorder.disconnected('bob:1');
  timers.advance(5_000);
  recorder.reconnected('bob:1');
  timers.advance(LOST_GRACE_MS * 2);
  assert.deepEqual(outcomes(), []);
  recorder.disconnected('ada:1');
  const droppedAt = timers.time;
  // Someone else's tab dropping changes nothing.
  recorder.disconnected('eve:1');
  timers.advance(LOST_GRACE_MS);
  assert.deepEqual(outcomes(), ['ada:outgoing:answered bob:incoming:answered']);
  assert.equal(saved[0]!.entries[0]!.entry.endedAt, droppedAt);
});

test('messages from the wrong side, another pair or a finished call change nothing', () => {
  const { recorder, timers, outcomes } = setup();
  recorder.relayed('ada', 'bob', invite());
  recorder.relayed('ada', 'bob', msg('accept', 'ada:1'));
  recorder.relayed('ada', 'bob', msg('reject', 'ada:1', { reason: 'declined' }));
  recorder.relayed('bob', 'ada', msg('cancel', 'bob:1'));
  recorder.relayed('eve', 'ada', msg('reject', 'eve:1', { reason: 'declined' }));
  recorder.relayed('ada', 'bob', invite('ada:2'));
  assert.deepEqual(outcomes(), []);
  recorder.relayed('bob', 'ada', msg('reject', 'bob:1', { reason: 'declined' }));
  recorder.relayed('bob', 'ada', msg('accept', 'bob:1'));
  timers.advance(60_000);
  assert.deepEqual(outcomes(), ['ada:outgoing:declined bob:incoming:declined']);
  assert.equal(recorder.size, 0);
});

test('glare: the call its caller cancels in favour of the other one leaves no entry', () => {
  const { recorder, outcomes } = setup();
  recorder.relayed('ada', 'bob', invite());
  recorder.relayed('bob', 'ada', { type: 'invite', callId: 'other-call-0123456789', sid: 'bob:1', media: { audio: true, video: true } });
  recorder.relayed('ada', 'bob', msg('cancel', 'ada:1'));
  assert.deepEqual(outcomes(), []);
  recorder.relayed('ada', 'bob', { type: 'hangup', callId: 'other-call-0123456789', sid: 'ada:1' });
  recorder.relayed('ada', 'bob', { type: 'accept', callId: 'other-call-0123456789', sid: 'ada:1' });
  recorder.relayed('ada', 'bob', { type: 'hangup', callId: 'other-call-0123456789', sid: 'ada:1' });
  assert.deepEqual(outcomes(), ['bob:outgoing:failed ada:incoming:failed']);
});

test('do-not-disturb: busy (dnd) for the caller, missed (dnd) for the callee, at once', () => {
  const { recorder, outcomes, saved } = setup();
  recorder.declinedForDnd('ada', 'bob', CALL, 'ada:1', { audio: true, video: false });
  assert.deepEqual(outcomes(), ['ada:outgoing:busy bob:incoming:missed']);
  assert.ok(saved[0]!.entries.every((e) => e.entry.dnd === true));
});

test('several nodes: `relayed` says whether the call is held here; a relaying node adds the name and the tabs everywhere', () => {
  const timers = new FakeTimers();
  const saved: RecordedCall[] = [];
  const watched: [string, string[] | null][] = [];
  const recorder = new CallRecorder({
    // Bob is online on another node only: his name comes with what that node relayed.
    nameOf: (id) => (id === 'ada' ? 'Ada' : undefined),
    tabsOf: () => 1,
    save: (call) => saved.push(call),
    watch: (call, sids) => watched.push([call, sids]),
    timers,
  });
  assert.equal(recorder.relayed('bob', 'ada', msg('ringing', 'bob:1')), false, 'no call held yet');
  assert.equal(recorder.relayed('ada', 'bob', invite()), true);
  assert.equal(recorder.relayed('bob', 'ada', msg('ringing', 'bob:1'), { name: 'Bob' }), true);
  // One tab refused, of the two he has across nodes: the call goes on ringing.
  recorder.relayed('bob', 'ada', msg('reject', 'bob:1', { reason: 'busy' }), { tabs: 2 });
  timers.advance(5_000);
  assert.equal(saved.length, 0);
  recorder.relayed('bob', 'ada', msg('accept', 'bob:2'));
  assert.deepEqual(watched, [[`ada\nbob\n${CALL}`, ['ada:1', 'bob:2']]]);
  recorder.relayed('bob', 'ada', msg('answer', 'bob:2', { sdp: 'v=0' }));
  recorder.relayed('ada', 'bob', msg('hangup', 'ada:1'));
  assert.deepEqual(watched.at(-1), [`ada\nbob\n${CALL}`, null]);
  assert.deepEqual(
    saved[0]!.entries.map((e) => [e.owner, e.entry.outcome, e.entry.peer.name]),
    [
      ['ada', 'answered', 'Bob'],
      ['bob', 'answered', 'Ada'],
    ],
  );
});

test('a stopping node hands its calls over: deadlines kept, a side on it lost unless it is back, nothing saved by either twice', () => {
  const leaving = setup();
  leaving.recorder.relayed('ada', 'bob', invite());
  leaving.recorder.relayed('bob', 'ada', msg('accept', 'bob:1'));
  leaving.recorder.relayed('bob', 'ada', msg('answer', 'bob:1', { sdp: 'v=0' }));
  const ringing = 'call-ringing-0123456789';
  leaving.recorder.relayed('cy', 'dee', { type: 'invite', callId: ringing, sid: 'cy:1', media: { audio: true, video: false } });
  leaving.timers.advance(10_000);
  // Ada's tab is on the stopping node; Bob's elsewhere.
  const calls = leaving.recorder.handOver((sid) => sid.startsWith('ada:'));
  assert.equal(leaving.recorder.size, 0);
  leaving.timers.advance(60_000);
  assert.deepEqual(leaving.outcomes(), [], 'the stopping node saves nothing');
  const answered = calls.find((c) => c.callId === CALL)!;
  assert.equal(answered.lostAt, leaving.timers.time - 60_000);
  assert.deepEqual(answered.timer, { kind: 'lost', at: answered.lostAt! + LOST_GRACE_MS });
  assert.equal(calls.find((c) => c.callId === ringing)!.timer!.kind, 'ring');

  // The adopting node: Ada came back to it, so the call goes on; Cy's call still rings out on time.
  const adopting = setup();
  adopting.timers.time = leaving.timers.time - 60_000;
  adopting.recorder.adopt(calls.map((c) => (c.callId === CALL ? { ...c, lostAt: null, timer: null } : c)));
  adopting.recorder.adopt(calls);
  assert.equal(adopting.recorder.size, 2, 'a call adopted twice is held once');
  adopting.timers.advance(25_000);
  assert.deepEqual(adopting.outcomes(), ['cy:outgoing:missed dee:incoming:missed']);
  adopting.timers.advance(60_000);
  adopting.recorder.relayed('bob', 'ada', msg('hangup', 'bob:1'));
  assert.deepEqual(adopting.outcomes().at(-1), 'ada:outgoing:answered bob:incoming:answered');
  assert.equal(adopting.saved.at(-1)!.entries[0]!.entry.durationMs, 10_000 + 25_000 + 60_000);
});
