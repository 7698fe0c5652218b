/**
 * Messages while away on the widget's side (issue #16): leaving a chat for someone offline,
 * receiving one delivered later and acknowledging it, the sender's waiting marks, and what a
 * reload keeps (src/core/chat-book.ts, src/core/chat-archive.ts), with fakes for the backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiRequestError } from '../../src/core/api-client.js';
import { ChatBook, reconcileWaiting, type MessagesAwayPort } from '../../src/core/chat-book.js';
import { ARCHIVE_PEERS, ARCHIVE_PER_PEER, boundArchive, mergeChats, readConversations } from '../../src/core/chat-archive.js';
import type { ChatEntry } from '../../src/core/types.js';
import type { LeaveMessageRequest, WaitingMessage } from '../../src/protocol/index.js';
import { routeMqttMessage } from '../../src/core/routing.js';
import { FakeClock, FakeOutbox, makeStore } from './support/engine-fakes.js';

/** Later than any fake clock's now. */
const FAR = 8.64e15;

class FakeAway implements MessagesAwayPort {
  left: LeaveMessageRequest[] = [];
  acknowledged: string[][] = [];
  withdrawn: string[] = [];
  kept = new Map<string, WaitingMessage>();
  refuse: ApiRequestError | null = null;
  async leave(request: LeaveMessageRequest) {
    if (this.refuse) throw this.refuse;
    this.left.push(request);
    const message = { ...request, sentAt: 1000, expiresAt: FAR };
    this.kept.set(request.id, message);
    return message;
  }
  async waiting() {
    return [...this.kept.values()];
  }
  async withdraw(id: string) {
    if (!this.kept.delete(id)) throw new ApiRequestError('internal', 'gone', 404);
    this.withdrawn.push(id);
  }
  async acknowledge(ids: string[]) {
    this.acknowledged.push(ids);
  }
}

function book(online = new Set<string>()) {
  const clock = new FakeClock();
  const away = new FakeAway();
  const { store } = makeStore({ user: { id: 'me', name: 'Me', email: 'me@example.test' }, connection: 'online' });
  const chats = new ChatBook(
    store,
    new FakeOutbox(),
    { get: (id) => (online.has(id) ? { id, name: id, status: 'available', sessions: 1 } : undefined), tabsOf: () => 1 },
    clock,
    away,
  );
  return { clock, away, store, chats };
}

const entry = (id: string, ts: number, over: Partial<ChatEntry> = {}): ChatEntry => ({
  id,
  peerId: 'bob',
  fromMe: true,
  text: id,
  ts,
  delivery: 'sent',
  ...over,
});

test('a chat to someone offline is left with the backend and shown waiting until it expires', async () => {
  const { chats, store, away } = book();
  await chats.send('bob', 'see you tomorrow');
  const [mine] = store.state.chats.bob!;
  assert.deepEqual(away.left, [{ id: mine!.id, to: 'bob', text: 'see you tomorrow' }]);
  assert.equal(mine!.delivery, 'waiting');
  assert.equal(mine!.expiresAt, FAR);
  assert.equal(store.state.error, null);
});

test("the backend's refusals: failed, with a sentence that says why", async () => {
  const { chats, store, away } = book();
  away.refuse = new ApiRequestError('internal', 'x', 404);
  await chats.send('cy', 'hello?');
  assert.equal(store.state.chats.cy![0]!.delivery, 'failed');
  assert.match(store.state.error!.message, /share a room/);
  away.refuse = new ApiRequestError('internal', 'x', 409);
  await chats.send('cy', 'hello??');
  assert.match(store.state.error!.message, /Too many/);
});

test('a message delivered later is shown once, marked later, with its time, and acknowledged in one request', async () => {
  const { chats, store, away, clock } = book();
  const old = clock.now() - 3 * 24 * 3600 * 1000;
  chats.receive('ada', { type: 'chat', id: 'kept-1', text: 'while you were away', ts: old, later: true });
  chats.receive('ada', { type: 'chat', id: 'kept-2', text: 'and this', ts: old + 1, later: true });
  chats.receive('ada', { type: 'chat', id: 'kept-1', text: 'while you were away', ts: old, later: true });
  const shown = store.state.chats.ada!;
  assert.deepEqual(
    shown.map((e) => [e.id, e.later, e.ts]),
    [
      ['kept-1', true, old],
      ['kept-2', true, old + 1],
    ],
  );
  assert.equal(store.state.unread.ada, 2);
  await sleep(150);
  assert.deepEqual(away.acknowledged, [['kept-1', 'kept-2']]);
  // A live chat is not "later", and not acknowledged.
  chats.receive('ada', { type: 'chat', id: 'live-1', text: 'hi', ts: clock.now() });
  await sleep(150);
  assert.equal(store.state.chats.ada![2]!.later, undefined);
  assert.equal(away.acknowledged.length, 1);
});

test('chat-delivered turns waiting into sent; taking back removes it; too late says so', async () => {
  const { chats, store, away } = book();
  await chats.send('bob', 'one');
  await chats.send('bob', 'two');
  const [one, two] = store.state.chats.bob!;
  chats.delivered('bob', [one!.id]);
  assert.deepEqual(
    store.state.chats.bob!.map((e) => e.delivery),
    ['sent', 'waiting'],
  );
  away.kept.delete(one!.id);
  await chats.withdraw('bob', two!.id);
  assert.deepEqual(away.withdrawn, [two!.id]);
  assert.deepEqual(
    store.state.chats.bob!.map((e) => e.id),
    [one!.id],
  );
  await chats.send('bob', 'three');
  const three = store.state.chats.bob![1]!;
  away.kept.delete(three.id);
  await chats.withdraw('bob', three.id);
  assert.match(store.state.error!.message, /already delivered, or it expired/);
  assert.equal(store.state.chats.bob![1]!.delivery, 'sent', 'the list says it is no longer waiting');
});

test('reconcileWaiting: still listed stays waiting, gone before its expiry was delivered, gone after it expired', () => {
  const entries = [
    entry('a', 1, { delivery: 'waiting', expiresAt: 100 }),
    entry('b', 2, { delivery: 'waiting', expiresAt: 100 }),
    entry('c', 3, { delivery: 'waiting', expiresAt: 50 }),
    entry('d', 4, { fromMe: false }),
  ];
  assert.deepEqual(
    reconcileWaiting(entries, new Set(['a']), 60).map((e) => e.delivery),
    ['waiting', 'sent', 'expired', 'sent'],
  );
});

test('what a reload keeps: bounded per conversation and in conversations, a send in flight as failed', () => {
  const many = Array.from({ length: ARCHIVE_PER_PEER + 5 }, (_, i) => entry(`m${i}`, i));
  const peers = Object.fromEntries(Array.from({ length: ARCHIVE_PEERS + 3 }, (_, p) => [`p${p}`, [entry(`x${p}`, 1000 + p)]]));
  const kept = boundArchive({ bob: [...many, entry('flying', 5000, { delivery: 'sending' })], ...peers, empty: [] });
  assert.equal(Object.keys(kept).length, ARCHIVE_PEERS);
  assert.ok(kept.bob, 'the conversation with the latest message is kept');
  assert.ok(!kept.p0 && !kept.empty, 'the oldest conversations go first');
  assert.equal(kept.bob!.length, ARCHIVE_PER_PEER);
  assert.equal(kept.bob!.at(-1)!.delivery, 'failed');
});

test('mergeChats: kept messages first, what arrived meanwhile after, nothing twice', () => {
  const archived = { bob: [entry('a', 1), entry('b', 2, { delivery: 'waiting' })], cy: [entry('c', 3)] };
  const live = { bob: [entry('b', 2, { delivery: 'sent' }), entry('d', 4)] };
  const merged = mergeChats(archived, live);
  assert.deepEqual(
    merged.bob!.map((e) => [e.id, e.delivery]),
    [
      ['a', 'sent'],
      ['b', 'sent'],
      ['d', 'sent'],
    ],
  );
  assert.deepEqual(merged.cy, archived.cy);
});

test('readConversations keeps only well-formed entries of their own conversation', () => {
  assert.equal(readConversations('junk'), null);
  assert.deepEqual(readConversations({ bob: [entry('a', 1), { id: 1 }, entry('x', 2, { peerId: 'cy' })], cy: 'nope' }), {
    bob: [entry('a', 1)],
  });
});

test('routing: chat later keeps its mark; chat-delivered is its own route; junk is ignored', () => {
  const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const later = { type: 'chat', id: 'kept-1', text: 'hi', ts: 1, later: true };
  assert.deepEqual(routeMqttMessage('rtc/v1/inbox/me_user1/ada_user', enc(later), 'me_user1'), {
    kind: 'inbox',
    from: 'ada_user',
    message: later,
  });
  assert.deepEqual(routeMqttMessage('rtc/v1/inbox/me_user1/ada_user', enc({ type: 'chat-delivered', ids: ['kept-1'] }), 'me_user1'), {
    kind: 'chat-delivered',
    from: 'ada_user',
    ids: ['kept-1'],
  });
  assert.equal(routeMqttMessage('rtc/v1/inbox/me_user1/ada_user', enc({ type: 'chat-delivered', ids: [] }), 'me_user1'), null);
  assert.equal(routeMqttMessage('rtc/v1/inbox/me_user1/ada_user', enc({ type: 'chat-delivered', ids: [7] }), 'me_user1'), null);
});

test('without IndexedDB (node, a private window) the archive keeps nothing and fails nothing', async () => {
  const { IdbChatArchive } = await import('../../src/core/chat-archive.js');
  const archive = new IdbChatArchive();
  assert.equal(await archive.load('me'), null);
  archive.save('me', { bob: [entry('a', 1)] });
  await archive.clear('me');
  assert.equal(await archive.load('me'), null);
});
