/**
 * The people list's "Recently": people written to or called lately who are offline now, from the
 * kept conversations and the call history (src/core/recent-people.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recentPeople } from '../../src/core/recent-people.js';
import { NO_HISTORY } from '../../src/core/call-history.js';
import type { CallHistoryEntry } from '../../src/protocol/index.js';
import type { ChatEntry, SessionState } from '../../src/core/types.js';

const me = { id: 'me', name: 'Me', email: 'me@example.test' };

const chat = (peerId: string, ts: number, name?: string): ChatEntry => ({
  id: `m-${peerId}-${ts}`,
  peerId,
  fromMe: true,
  text: 'hello',
  ts,
  delivery: 'sent',
  ...(name ? { name } : {}),
});

const call = (id: string, name: string, startedAt: number): CallHistoryEntry => ({
  id: `c-${id}-${startedAt}`,
  callId: `call-${id}-${startedAt}`,
  peer: { id, name },
  direction: 'outgoing',
  startedAt,
  answeredAt: null,
  endedAt: startedAt + 1000,
  durationMs: 0,
  outcome: 'missed',
  media: { audio: true, video: true },
});

function state(parts: {
  chats?: Record<string, ChatEntry[]>;
  calls?: CallHistoryEntry[];
  online?: string[];
}): Pick<SessionState, 'chats' | 'history' | 'peers' | 'user'> {
  return {
    user: me,
    chats: parts.chats ?? {},
    history: { ...NO_HISTORY, entries: parts.calls ?? [], loaded: true },
    peers: (parts.online ?? []).map((id) => ({ id, name: id, status: 'available', sessions: 1 })),
  } as Pick<SessionState, 'chats' | 'history' | 'peers' | 'user'>;
}

test('people from conversations and calls, newest contact first, each once', () => {
  const recent = recentPeople(
    state({
      chats: { ada: [chat('ada', 100, 'Ada'), chat('ada', 500, 'Ada')], bo: [chat('bo', 300, 'Bo')] },
      calls: [call('cy', 'Cy', 400), call('ada', 'Ada L.', 200)],
    }),
  );
  assert.deepEqual(
    recent.map((p) => [p.id, p.name, p.lastAt]),
    [
      ['ada', 'Ada', 500],
      ['cy', 'Cy', 400],
      ['bo', 'Bo', 300],
    ],
  );
});

test('nobody online, not the visitor, and nobody without a known name', () => {
  const recent = recentPeople(
    state({
      chats: { ada: [chat('ada', 100, 'Ada')], me: [chat('me', 200, 'Me')], nameless: [chat('nameless', 300)] },
      calls: [call('bo', 'Bo', 150)],
      online: ['bo'],
    }),
  );
  assert.deepEqual(
    recent.map((p) => p.id),
    ['ada'],
  );
});

test('a conversation without names takes the name from a call, and the newest time', () => {
  const recent = recentPeople(state({ chats: { ada: [chat('ada', 900)] }, calls: [call('ada', 'Ada', 100)] }));
  assert.deepEqual(recent, [{ id: 'ada', name: 'Ada', lastAt: 900 }]);
});

test('at most `max`, the most recent ones', () => {
  const calls = Array.from({ length: 12 }, (_, i) => call(`p${i}`, `P${i}`, i));
  const recent = recentPeople(state({ calls }), 3);
  assert.deepEqual(
    recent.map((p) => p.id),
    ['p11', 'p10', 'p9'],
  );
  assert.equal(recentPeople(state({ calls })).length, 8);
});
