/**
 * A token renewal during a group call (issue #14): the widget connects again with the new token
 * and the same clientId while the old connection is still up (the broker takes the clientId
 * over, src/core/signaling.ts). The seat must outlive the lost-seat rule's 15 s: the old
 * connection's end is not a lost tab.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOBBY_ROOM_ID, SEAT_LOST_AFTER_MS, roomCallPath, type AuthResponse, type JoinCallResponse } from '../../src/protocol/index.js';
import { closed, connectAs, connectMqtt, register, request, startTestBackend } from './support.js';

test('a token renewal (same clientId, taken over while still connected) keeps the seat past the lost-seat rule', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const ada = await register(backend, { name: 'Ada' });
  const first = await connectAs(t, backend, ada);
  const sid = first.options.clientId!;
  const joined = await request<JoinCallResponse>(backend, 'POST', roomCallPath(LOBBY_ROOM_ID), {
    token: ada.token,
    json: { sid, media: { audio: true, video: true } },
  });
  assert.equal(joined.status, 200);
  const renewed = await request<AuthResponse>(backend, 'POST', '/api/token', { token: ada.token });
  assert.equal(renewed.status, 200);
  const oldClosed = closed(first);
  await connectMqtt(t, backend, { username: ada.user.id, password: renewed.body.token, clientId: sid });
  await oldClosed;
  await new Promise((r) => setTimeout(r, SEAT_LOST_AFTER_MS + 1_000));
  const again = await request<JoinCallResponse>(backend, 'POST', roomCallPath(LOBBY_ROOM_ID), {
    token: renewed.body.token,
    json: { sid, media: { audio: true, video: true } },
  });
  // Joining again replaces her own seat: the call still had it (seat 1), so the new one is 2.
  assert.equal(again.status, 200);
  assert.equal(again.body.call.id, joined.body.call.id, 'the same call, never ended');
  assert.deepEqual(
    again.body.call.members.map((m) => m.seat),
    [2],
  );
  assert.equal(again.body.seat, 2);
});
