/**
 * Group calls on a real backend (PROTOCOL.md §6): seats over HTTP, the room's call state as a
 * retained MQTT message to its members, the limits, personal rooms refused, room chat to members
 * only, and seats following the tab's connection.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { MqttClient } from 'mqtt';
import {
  LOBBY_ROOM_ID,
  roomCallPath,
  roomCallTopic,
  roomChatTopic,
  roomChatWildcard,
  validateRoomCall,
  type AuthResponse,
  type Invite,
  type JoinCallResponse,
  type RoomCall,
} from '../../src/protocol/index.js';
import {
  assertError,
  closed,
  collect,
  connectAs,
  connectMqtt,
  nextMessage,
  publish,
  register,
  request,
  startTestBackend,
  subscribeGranted,
  type Received,
  type TestBackend,
} from './support.js';

const REFUSED = 128;

interface Person {
  user: AuthResponse;
  client: MqttClient;
  received: Received[];
}

async function person(t: TestContext, backend: TestBackend, name: string): Promise<Person> {
  const user = await register(backend, { name });
  const client = await connectAs(t, backend, user);
  const received = collect(client);
  return { user, client, received };
}

const sidOf = (p: Person) => p.client.options.clientId!;

function join(backend: TestBackend, p: Person, media = { audio: true, video: true }, sid = sidOf(p), room = LOBBY_ROOM_ID) {
  return request<JoinCallResponse>(backend, 'POST', roomCallPath(room), { token: p.user.token, json: { sid, media } });
}

/** The room's call as `p` last received it on the topic (null: cleared). */
async function callSeenBy(p: Person, match: (call: RoomCall | null) => boolean, room = LOBBY_ROOM_ID): Promise<RoomCall | null> {
  const m = await nextMessage(p.client, (r) => r.topic === roomCallTopic(room) && match(parse(r)), p.received);
  return parse(m);
}

function parse(r: Received): RoomCall | null {
  const text = r.payload.toString();
  if (text === '') return null;
  const call = validateRoomCall(JSON.parse(text));
  assert.ok(call, `a valid RoomCall: ${text}`);
  return call;
}

const names = (call: RoomCall | null) => call?.members.map((m) => `${m.name}#${m.seat}`) ?? [];

test('seats in order over HTTP; every member reads the call; the last one out clears it', async (t) => {
  const backend = await startTestBackend({ closeAfter: t, maxCallSize: 4 });
  const [ada, bo, cy] = (await Promise.all(['Ada', 'Bo', 'Cy'].map((n) => person(t, backend, n)))) as [Person, Person, Person];
  for (const p of [ada, bo, cy]) assert.deepEqual(await subscribeGranted(p.client, [roomCallTopic(LOBBY_ROOM_ID)]), [0]);

  const first = await join(backend, ada);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.seat, 1);
  assert.deepEqual(first.body.call.limits, { video: 4, total: 8 });
  const second = await join(backend, bo);
  assert.equal(second.body.seat, 2);
  assert.equal(second.body.call.id, first.body.call.id);
  assert.deepEqual(names(await callSeenBy(cy, (c) => c?.members.length === 2)), ['Ada#1', 'Bo#2']);
  // Someone who subscribes later gets the retained state at once.
  const late = await person(t, backend, 'Late');
  await subscribeGranted(late.client, [roomCallTopic(LOBBY_ROOM_ID)]);
  assert.deepEqual(names(await callSeenBy(late, (c) => c !== null)), ['Ada#1', 'Bo#2']);

  assert.equal(
    (await request(backend, 'DELETE', `${roomCallPath(LOBBY_ROOM_ID)}/${encodeURIComponent(sidOf(ada))}`, { token: ada.user.token }))
      .status,
    204,
  );
  assert.deepEqual(names(await callSeenBy(cy, (c) => names(c).join() === 'Bo#2')), ['Bo#2'], 'Ada left, Bo stays');
  await request(backend, 'DELETE', `${roomCallPath(LOBBY_ROOM_ID)}/${encodeURIComponent(sidOf(bo))}`, { token: bo.user.token });
  assert.equal(await callSeenBy(cy, (c) => c === null), null);
});

test('full: video seats first, then audio only; refusals in the contract’s shape', async (t) => {
  const backend = await startTestBackend({ closeAfter: t, maxCallSize: 2, maxCallAudioSize: 3 });
  const people = await Promise.all(['A', 'B', 'C', 'D'].map((n) => person(t, backend, n)));
  const [a, b, c, d] = people as [Person, Person, Person, Person];
  assert.equal((await join(backend, a)).status, 200);
  assert.equal((await join(backend, b)).status, 200);
  assertError(await join(backend, c), 409, 'call_full_video');
  assert.equal((await join(backend, c, { audio: true, video: false })).status, 200);
  assertError(await join(backend, d, { audio: true, video: false }), 409, 'call_full');
  // Bad input loses nothing and says what is wrong.
  assertError(
    await request(backend, 'POST', roomCallPath(LOBBY_ROOM_ID), { token: d.user.token, json: { sid: sidOf(d) } }),
    400,
    'invalid_input',
  );
  assertError(await join(backend, d, { audio: true, video: false }, `${d.user.user.id}:not-a-tab`), 409, 'not_connected');
  assertError(await join(backend, d, { audio: true, video: false }, sidOf(a)), 409, 'not_connected');
  assertError(
    await request(backend, 'POST', roomCallPath(LOBBY_ROOM_ID), { json: { sid: 'x', media: { audio: true, video: true } } }),
    401,
    'unauthorized',
  );
});

test('no group calls in a personal room, none in a room one is not in; room chat to members only', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [owner, patient] = (await Promise.all(['Doctor', 'Patient'].map((n) => person(t, backend, n)))) as [Person, Person];
  const made = await request<{ invite: Invite }>(backend, 'POST', '/api/invites', { token: owner.user.token, json: { personal: true } });
  const personal = made.body.invite.room.id;
  assertError(await join(backend, owner, undefined, sidOf(owner), personal), 403, 'group_calls_not_allowed');
  assertError(await join(backend, patient, undefined, sidOf(patient), personal), 404, 'room_not_found');
  assert.deepEqual(await subscribeGranted(owner.client, [roomCallTopic(personal), roomChatWildcard(personal)]), [REFUSED, REFUSED]);

  // Room chat in the lobby: every member reads it; the sender slot is one's own.
  assert.deepEqual(await subscribeGranted(patient.client, [roomChatWildcard(LOBBY_ROOM_ID)]), [0]);
  const chat = { type: 'chat', id: 'm1', text: 'hello room', ts: Date.now() };
  await publish(owner.client, roomChatTopic(LOBBY_ROOM_ID, owner.user.user.id), JSON.stringify(chat));
  const got = await nextMessage(patient.client, (r) => r.topic === roomChatTopic(LOBBY_ROOM_ID, owner.user.user.id), patient.received);
  assert.deepEqual(JSON.parse(got.payload.toString()), chat);
  // Another's sender slot, or a room with no chat: the publisher is disconnected (MQTT 3.1.1 has no refusal).
  const gone = closed(patient.client);
  void publish(patient.client, roomChatTopic(LOBBY_ROOM_ID, owner.user.user.id), JSON.stringify(chat)).catch(() => {});
  await gone;
  const other = await connectAs(t, backend, owner.user, 'tab-2');
  const goneToo = closed(other);
  void publish(other, roomChatTopic(personal, owner.user.user.id), JSON.stringify(chat)).catch(() => {});
  await goneToo;
});

test('a tab that drops keeps its seat while it reconnects; joining again from another tab moves the seat', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [ada, bo] = (await Promise.all(['Ada', 'Bo'].map((n) => person(t, backend, n)))) as [Person, Person];
  await subscribeGranted(bo.client, [roomCallTopic(LOBBY_ROOM_ID)]);
  await join(backend, ada);
  await join(backend, bo);
  await callSeenBy(bo, (c) => c?.members.length === 2);
  // Ada's tab drops and comes back with the same clientId (a token renewal, a short network cut).
  const sid = sidOf(ada);
  await new Promise<void>((resolve) => ada.client.end(true, {}, () => resolve()));
  await connectMqtt(t, backend, { username: ada.user.user.id, password: ada.user.token, clientId: sid });
  // Another tab of Ada's joins: her seat moves there, with a higher seat number.
  const second = await connectAs(t, backend, ada.user, 'second-tab');
  const moved = await join(backend, { ...ada, client: second });
  assert.equal(moved.status, 200);
  assert.equal(moved.body.seat, 3);
  assert.deepEqual(names(await callSeenBy(bo, (c) => c?.members.at(-1)?.seat === 3)), ['Bo#2', 'Ada#3']);
});
