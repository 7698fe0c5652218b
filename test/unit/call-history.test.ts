/**
 * The pure parts of the call history and privacy (PROTOCOL.md §7): who the missed calls are
 * from, the do-not-disturb choices, the notices and their route, the backend's reading of a
 * stored do-not-disturb, and the cards of invisible people in presence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dndUpdate, missedCallers } from '../../src/core/call-history.js';
import { PresenceBook } from '../../src/core/presence-book.js';
import { LEGACY_ROOM, routeMqttMessage } from '../../src/core/routing.js';
import { PrivacyBook, effectivePrivacy } from '../../broker/history/privacy-book.js';
import { cursorFilter, cursorOf, newestFirst } from '../../broker/store/call-history-store.js';
import {
  noticeTopic,
  validateCallEntry,
  validateInboxMessage,
  validateNotice,
  validatePresence,
  type CallHistoryEntry,
} from '../../src/protocol/index.js';
import { FakeClock, FakeOutbox, makeStore } from './support/engine-fakes.js';

const entry = (
  id: string,
  name: string,
  direction: 'incoming' | 'outgoing',
  outcome: CallHistoryEntry['outcome'],
  startedAt = 1_000,
): CallHistoryEntry => ({
  id: id.padEnd(22, 'x'),
  callId: `call-${id}-0123456789`,
  peer: { id: `user-${name}`, name },
  direction,
  startedAt,
  answeredAt: null,
  endedAt: startedAt + 10,
  durationMs: 0,
  outcome,
  media: { audio: true, video: false },
});

test('missed calls come from the newest unseen missed incoming entries, each name once', () => {
  const entries = [
    entry('a', 'Ada', 'incoming', 'missed'),
    entry('b', 'Bob', 'outgoing', 'missed'),
    entry('c', 'Ada', 'incoming', 'missed'),
    entry('d', 'Cy', 'incoming', 'declined'),
    entry('e', 'Dee', 'incoming', 'missed'),
    entry('f', 'Eve', 'incoming', 'missed'),
  ];
  assert.deepEqual(missedCallers(entries, 3), ['Ada', 'Dee']);
  assert.deepEqual(missedCallers(entries, 0), []);
  assert.deepEqual(missedCallers(entries, 10), ['Ada', 'Dee', 'Eve']);
});

test('do-not-disturb choices become the update the backend takes', () => {
  assert.deepEqual(dndUpdate('off', 5), { dnd: false });
  assert.deepEqual(dndUpdate('on', 5), { dnd: true, dndUntil: null });
  assert.deepEqual(dndUpdate({ minutes: 60 }, 1_000), { dnd: true, dndUntil: 1_000 + 3_600_000 });
});

test('a stored do-not-disturb whose end has passed reads as off; invisible stays', () => {
  assert.deepEqual(effectivePrivacy(undefined, 10), { dnd: false, dndUntil: null, invisible: false });
  assert.deepEqual(effectivePrivacy({ dnd: true, dndUntil: 20, invisible: true }, 10), { dnd: true, dndUntil: 20, invisible: true });
  assert.deepEqual(effectivePrivacy({ dnd: true, dndUntil: 20, invisible: true }, 20), { dnd: false, dndUntil: null, invisible: true });
  assert.deepEqual(effectivePrivacy({ dnd: true, dndUntil: null, invisible: false }, 99), { dnd: true, dndUntil: null, invisible: false });
});

test('notices are validated, and routed only from the own notice topic', () => {
  const privacy = { dnd: true, dndUntil: null, invisible: false };
  assert.deepEqual(validateNotice({ type: 'privacy', privacy }), { type: 'privacy', privacy });
  assert.equal(validateNotice({ type: 'privacy', privacy: { dnd: 'yes', dndUntil: null, invisible: false } }), null);
  assert.deepEqual(validateNotice({ type: 'calls', extra: 1 }), { type: 'calls' });
  assert.equal(validateNotice({ type: 'contact-gone', id: 'bad id!' }), null);
  assert.equal(validateNotice({ type: 'contact', presence: { id: 'user-ada1', name: 'Ada', status: 'weird', sessions: 1 } }), null);
  assert.equal(validateNotice({ type: 'other' }), null);
  const payload = JSON.stringify({ type: 'calls' });
  assert.deepEqual(routeMqttMessage(noticeTopic('me-user-1'), payload, 'me-user-1'), { kind: 'notice', notice: { type: 'calls' } });
  assert.equal(routeMqttMessage(noticeTopic('someone-else'), payload, 'me-user-1'), null);
  assert.equal(routeMqttMessage(noticeTopic('me-user-1'), 'not json', 'me-user-1'), null);
});

test('presence and reject carry dnd only as the contract says; older readers see busy', () => {
  assert.deepEqual(validatePresence({ id: 'user-bob1', name: 'Bob', status: 'busy', sessions: 1, dnd: true }), {
    id: 'user-bob1',
    name: 'Bob',
    status: 'busy',
    sessions: 1,
    dnd: true,
  });
  const reject = { type: 'reject', callId: 'call-0123456789abcdef', sid: 'bob:dnd', reason: 'busy', dnd: true };
  assert.deepEqual(validateInboxMessage(reject), reject);
  // dnd only ever comes with busy.
  assert.deepEqual(validateInboxMessage({ ...reject, reason: 'declined' }), {
    type: 'reject',
    callId: reject.callId,
    sid: reject.sid,
    reason: 'declined',
  });
});

test('history entries and cursors: validated, and pages continue strictly after their cursor', () => {
  const a = entry('a', 'Ada', 'incoming', 'missed', 3_000);
  const b = entry('b', 'Bob', 'incoming', 'missed', 2_000);
  const c = entry('c', 'Cy', 'incoming', 'missed', 2_000);
  assert.deepEqual(validateCallEntry(a), a);
  assert.equal(validateCallEntry({ ...a, outcome: 'exploded' }), null);
  assert.equal(validateCallEntry({ ...a, id: 'short' }), null);
  const sorted = [b, a, c].sort(newestFirst);
  assert.deepEqual(
    sorted.map((e) => e.peer.name),
    ['Ada', 'Cy', 'Bob'],
  );
  const after = cursorFilter(cursorOf(sorted[1]!));
  assert.deepEqual(
    sorted.filter(after).map((e) => e.peer.name),
    ['Bob'],
  );
  assert.throws(() => cursorFilter('1.2'), /cursor/);
});

test('an invisible person who calls is present for the conversation, and gone with their card', () => {
  const { store } = makeStore({ user: { id: 'me', name: 'Me', email: 'me@example.test' }, connection: 'online' });
  const here: string[] = [];
  const gone: string[] = [];
  const presence = new PresenceBook(store, new FakeOutbox(), new FakeClock(), {
    peerHere: (id) => here.push(id),
    peerGone: (id) => gone.push(id),
  });
  presence.follow([LEGACY_ROOM]);
  const ivy = { id: 'ivy', name: 'Ivy', status: 'available' as const, sessions: 1 };
  presence.contact(ivy);
  assert.equal(presence.get('ivy')?.name, 'Ivy');
  assert.deepEqual(store.state.roomPeers[LEGACY_ROOM], [], 'in no room list');
  // Someone else leaving a room does not take the card away.
  presence.onPresence(LEGACY_ROOM, 'zed', { id: 'zed', name: 'Zed', status: 'available', sessions: 1 });
  presence.onPresence(LEGACY_ROOM, 'zed', null);
  assert.equal(presence.get('ivy')?.name, 'Ivy');
  presence.contactGone('ivy');
  assert.equal(presence.get('ivy'), undefined);
  assert.deepEqual(here, ['ivy', 'zed']);
  assert.deepEqual(gone, ['zed', 'ivy']);
});

test('a CONNECT that read the user before a privacy change does not undo it', () => {
  const book = new PrivacyBook(
    () => undefined,
    () => 1_000,
  );
  book.adopt('ivy', undefined);
  assert.equal(book.invisible('ivy'), false);
  // POST /api/privacy made Ivy invisible while a second tab's CONNECT still held the older read.
  book.set('ivy', { dnd: false, dndUntil: null, invisible: true });
  book.adopt('ivy', { dnd: false, dndUntil: null, invisible: false });
  assert.equal(book.invisible('ivy'), true);
  book.close();
});
