import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeInbox, routeMqttMessage, type CallRouteContext } from '../../src/core/routing.js';
import type { InboxMessage } from '../../src/protocol/index.js';

const ME = 'me_user1';
const ADA = 'ada_user';
const BOB = 'bob_user';
const MY_SID = `${ME}:tab1`;
const CALL = 'c'.repeat(20);
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

test('presence: valid retained payload, empty payload = offline, mismatched id and junk ignored', () => {
  const p = { id: ADA, name: 'Ada', status: 'available', sessions: 1 };
  assert.deepEqual(routeMqttMessage(`rtc/v1/presence/${ADA}`, enc(p), ME), { kind: 'presence', room: '', userId: ADA, presence: p });
  assert.deepEqual(routeMqttMessage(`rtc/v1/presence/${ADA}`, new Uint8Array(), ME), {
    kind: 'presence',
    room: '',
    userId: ADA,
    presence: null,
  });
  assert.equal(routeMqttMessage(`rtc/v1/presence/${BOB}`, enc(p), ME), null, 'id must match the topic');
  assert.equal(routeMqttMessage(`rtc/v1/presence/${ADA}`, enc({ ...p, status: 'dancing' }), ME), null);
  assert.equal(routeMqttMessage(`rtc/v1/presence/${ADA}`, new TextEncoder().encode('{'), ME), null);
});

test('inbox: only our own inbox, only valid messages', () => {
  const chat = { type: 'chat', id: 'm1', text: 'hi', ts: 1 };
  assert.deepEqual(routeMqttMessage(`rtc/v1/inbox/${ME}/${ADA}`, enc(chat), ME), { kind: 'inbox', from: ADA, message: chat });
  assert.equal(routeMqttMessage(`rtc/v1/inbox/${BOB}/${ADA}`, enc(chat), ME), null, 'not our inbox');
  assert.equal(routeMqttMessage(`rtc/v1/inbox/${ME}/${ADA}`, enc({ ...chat, text: '' }), ME), null);
  assert.equal(routeMqttMessage(`rtc/v1/inbox/${ME}/${ADA}`, enc({ type: 'invite', callId: 'short', sid: 's' }), ME), null);
  assert.equal(routeMqttMessage('rtc/v1/other/x', enc(chat), ME), null);
  assert.equal(routeMqttMessage(`rtc/v1/inbox/${ME}/${ADA}/extra`, enc(chat), ME), null);
});

const invite = (callId = CALL, sid = `${ADA}:t`): InboxMessage => ({ type: 'invite', callId, sid, media: { audio: true, video: true } });
const call = (over: Partial<CallRouteContext> = {}): CallRouteContext => ({
  callId: CALL,
  peerId: ADA,
  direction: 'incoming',
  phase: 'ringing',
  peerSid: `${ADA}:t`,
  ...over,
});

test('chat from others is delivered, our own is ignored', () => {
  const m: InboxMessage = { type: 'chat', id: 'x', text: 'hello', ts: 5 };
  assert.equal(routeInbox(ME, MY_SID, null, ADA, m).action, 'chat');
  assert.equal(routeInbox(ME, MY_SID, call({ phase: 'connected' }), ADA, m).action, 'chat', 'chat works during a call');
  assert.equal(routeInbox(ME, MY_SID, null, ME, m).action, 'ignore');
});

test('invites: new call when idle or after an ended call, busy during another call, duplicates ignored', () => {
  assert.equal(routeInbox(ME, MY_SID, null, ADA, invite()).action, 'invite');
  assert.equal(routeInbox(ME, MY_SID, call({ phase: 'ended' }), ADA, invite('d'.repeat(20))).action, 'invite');
  assert.equal(routeInbox(ME, MY_SID, call({ phase: 'connected' }), BOB, invite('d'.repeat(20), `${BOB}:t`)).action, 'busy');
  assert.equal(routeInbox(ME, MY_SID, call({ phase: 'ringing' }), BOB, invite('d'.repeat(20), `${BOB}:t`)).action, 'busy');
  assert.equal(routeInbox(ME, MY_SID, call(), ADA, invite()).action, 'ignore');
});

test('glare: both sides keep the call with the smaller id', () => {
  const ours = call({ direction: 'outgoing', callId: 'm'.repeat(20), peerSid: null });
  assert.equal(routeInbox(ME, MY_SID, ours, ADA, invite('a'.repeat(20))).action, 'glare-yield');
  assert.equal(routeInbox(ME, MY_SID, ours, ADA, invite('z'.repeat(20))).action, 'ignore');
  // Once our outgoing call is answered it is a normal busy.
  assert.equal(routeInbox(ME, MY_SID, { ...ours, phase: 'connecting' }, ADA, invite('a'.repeat(20))).action, 'busy');
});

test('handled from our other tab stops a ringing incoming call only', () => {
  const handled: InboxMessage = { type: 'handled', callId: CALL, sid: `${ME}:tab2` };
  assert.equal(routeInbox(ME, MY_SID, call(), ME, handled).action, 'handled-elsewhere');
  assert.equal(routeInbox(ME, MY_SID, call(), ME, { ...handled, sid: MY_SID }).action, 'ignore', 'our own echo');
  assert.equal(
    routeInbox(ME, MY_SID, call({ phase: 'connecting' }), ME, handled).action,
    'ignore',
    'we accepted too and our sid is smaller',
  );
  const smaller: InboxMessage = { ...handled, sid: `${ME}:tab0` };
  assert.equal(
    routeInbox(ME, MY_SID, call({ phase: 'connecting' }), ME, smaller).action,
    'handled-elsewhere',
    'simultaneous accept: smaller sid wins',
  );
  assert.equal(routeInbox(ME, MY_SID, call({ phase: 'connected' }), ME, smaller).action, 'ignore', 'too late once connected');
  assert.equal(routeInbox(ME, MY_SID, call({ callId: 'x'.repeat(20) }), ME, handled).action, 'ignore');
  assert.equal(routeInbox(ME, MY_SID, call(), ADA, handled).action, 'ignore', 'another user cannot send handled');
});

test('call messages: right call, right peer, right tab', () => {
  const hangup: InboxMessage = { type: 'hangup', callId: CALL, sid: `${ADA}:t` };
  const connected = call({ phase: 'connected' });
  assert.equal(routeInbox(ME, MY_SID, connected, ADA, hangup).action, 'call');
  assert.equal(routeInbox(ME, MY_SID, null, ADA, hangup).action, 'ignore');
  assert.equal(routeInbox(ME, MY_SID, connected, BOB, hangup).action, 'ignore', 'other user');
  assert.equal(routeInbox(ME, MY_SID, call({ callId: 'y'.repeat(20) }), ADA, hangup).action, 'ignore', 'other call');
  assert.equal(routeInbox(ME, MY_SID, connected, ADA, { ...hangup, sid: `${ADA}:other` }).action, 'ignore', 'other tab');
  assert.equal(routeInbox(ME, MY_SID, call({ phase: 'ended' }), ADA, hangup).action, 'ignore', 'ended call');
});

test('outgoing: ringing and rejects from any callee tab count until the answer', () => {
  const out = call({ direction: 'outgoing', peerSid: null });
  const ringing: InboxMessage = { type: 'ringing', callId: CALL, sid: `${ADA}:t2` };
  const busy: InboxMessage = { type: 'reject', callId: CALL, sid: `${ADA}:t3`, reason: 'busy' };
  assert.equal(routeInbox(ME, MY_SID, out, ADA, ringing).action, 'call');
  assert.equal(routeInbox(ME, MY_SID, out, ADA, busy).action, 'call');
  const bound = call({ direction: 'outgoing', peerSid: `${ADA}:t1`, phase: 'connecting' });
  assert.equal(routeInbox(ME, MY_SID, bound, ADA, busy).action, 'call', 'the session decides; the machine refuses it when connecting');
  const answer: InboxMessage = { type: 'answer', callId: CALL, sid: `${ADA}:t2`, sdp: 'v=0' };
  assert.equal(routeInbox(ME, MY_SID, bound, ADA, answer).action, 'ignore', 'answers only from the accepting tab');
  assert.equal(routeInbox(ME, MY_SID, bound, ADA, { ...answer, sid: `${ADA}:t1` }).action, 'call');
  const lateAccept: InboxMessage = { type: 'accept', callId: CALL, sid: `${ADA}:t0` };
  assert.equal(
    routeInbox(ME, MY_SID, bound, ADA, lateAccept).action,
    'call',
    'a simultaneous accept reaches the session, which may re-bind',
  );
});
