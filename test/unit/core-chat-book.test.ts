/** Conversations (src/core/chat-book.ts), with a fake outbox and clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHAT_ACK_TIMEOUT_MS, ChatBook, MAX_CHAT_ENTRIES } from '../../src/core/chat-book.js';
import { FakeClock, FakeOutbox, makeStore, settle } from './support/engine-fakes.js';

function chats(online = new Set(['bob'])) {
  const clock = new FakeClock();
  const outbox = new FakeOutbox();
  const { store, events } = makeStore({ user: { id: 'me', name: 'Me', email: 'me@example.test' }, connection: 'online' });
  const book = new ChatBook(
    store,
    outbox,
    { get: (id) => (online.has(id) ? { id, name: id, status: 'available', sessions: 1 } : undefined), tabsOf: () => 1 },
    clock,
  );
  return { clock, outbox, store, events, book, online };
}

test('a message is shown at once as sending, then sent once the broker acknowledged it', async () => {
  const { book, store, outbox, events } = chats();
  const sending = book.send('bob', 'hello');
  assert.equal(store.state.chats.bob![0]!.delivery, 'sending');
  await sending;
  assert.equal(store.state.chats.bob![0]!.delivery, 'sent');
  assert.equal(outbox.sent[0]!.options?.qos, 1);
  assert.equal(events.filter((e) => e.type === 'chat').length, 1);
});

test('no acknowledgement within the timeout: failed, with a chat error', async () => {
  const { book, store, outbox, clock } = chats();
  outbox.hang = true;
  const sending = book.send('bob', 'hello?');
  await clock.advance(CHAT_ACK_TIMEOUT_MS - 1);
  assert.equal(store.state.chats.bob![0]!.delivery, 'sending');
  await clock.advance(1);
  await sending;
  assert.equal(store.state.chats.bob![0]!.delivery, 'failed');
  assert.equal(store.state.error?.scope, 'chat');
});

test('offline, or to someone offline: kept and marked failed with the reason; bad text changes nothing', async () => {
  const { book, store, outbox, online } = chats();
  outbox.online = false;
  await book.send('bob', 'one');
  assert.match(store.state.error!.message, /You are offline/);
  outbox.online = true;
  online.delete('bob');
  await book.send('bob', 'two');
  assert.match(store.state.error!.message, /offline; the message was not delivered/);
  assert.deepEqual(
    store.state.chats.bob!.map((c) => [c.text, c.delivery]),
    [
      ['one', 'failed'],
      ['two', 'failed'],
    ],
  );
  await book.send('bob', '   ');
  assert.equal(store.state.error?.code, 'invalid_input');
  assert.equal(store.state.chats.bob!.length, 2, 'nothing added');
  assert.equal(outbox.sent.length, 0);
});

test('received twice (QoS 1) is shown once; unread counts until read; future times are clamped', async () => {
  const { book, store, clock } = chats();
  const message = { type: 'chat' as const, id: 'm1', text: 'hi', ts: clock.now() + 3_600_000 };
  book.receive('bob', message);
  book.receive('bob', message);
  assert.equal(store.state.chats.bob!.length, 1);
  assert.equal(store.state.chats.bob![0]!.ts <= clock.now(), true, 'not shown as sent in the future');
  assert.equal(store.state.unread.bob, 1);
  book.markRead('bob');
  assert.equal(store.state.unread.bob, undefined);
  await settle();
});

test('a conversation keeps its last messages only', async () => {
  const { book, store } = chats();
  for (let i = 0; i < MAX_CHAT_ENTRIES + 5; i++) book.receive('bob', { type: 'chat', id: `m${i}`, text: `n${i}`, ts: 0 });
  assert.equal(store.state.chats.bob!.length, MAX_CHAT_ENTRIES);
  assert.equal(store.state.chats.bob![0]!.text, 'n5');
});
