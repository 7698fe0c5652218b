/**
 * Unit tests of the wire contract's pure validators and topic helpers
 * (src/protocol): every message type valid, each invalid variant refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CHAT_TS_MAX_AGE_MS,
  CHAT_TS_MAX_FUTURE_MS,
  INBOX_MESSAGE_TYPES,
  NAME_MAX_COMBINING_RUN,
  NAME_MAX_LENGTH,
  UNNAMED,
  checkName,
  isCurrentChatTime,
  isolateText,
  nameKey,
  sanitizeName,
  shownChatTime,
  MAX_CHAT_TEXT_LENGTH,
  MAX_MQTT_PAYLOAD_BYTES,
  MAX_SDP_LENGTH,
  PRESENCE_WILDCARD,
  USER_ID_PATTERN,
  inboxTopic,
  inboxWildcard,
  inboxPayloadProblem,
  passwordProblem,
  isUserId,
  isValidChatText,
  parseInboxMessage,
  parseJsonPayload,
  parseTopic,
  presenceTopic,
  statusTopic,
  validateInboxMessage,
  validatePresence,
  validateStatusUpdate,
} from '../../src/protocol/index.js';

const callId = 'c4ll-1d-0123456789';
const sid = 'alice123:tab-1';
const base = { callId, sid };

/** One valid example per type: the validator must hand back exactly these fields. */
const VALID: Record<string, Record<string, unknown>> = {
  invite: { type: 'invite', ...base, media: { audio: true, video: false } },
  ringing: { type: 'ringing', ...base },
  accept: { type: 'accept', ...base },
  reject: { type: 'reject', ...base, reason: 'busy' },
  cancel: { type: 'cancel', ...base },
  handled: { type: 'handled', ...base },
  offer: { type: 'offer', ...base, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' },
  answer: { type: 'answer', ...base, sdp: 'v=0\r\n' },
  candidate: {
    type: 'candidate',
    ...base,
    candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
  },
  'media-state': { type: 'media-state', ...base, audio: true, video: false, screen: true },
  hangup: { type: 'hangup', ...base },
  'link-failed': { type: 'link-failed', ...base, dtls: true },
  chat: { type: 'chat', id: 'msg-1', text: 'hello <b>there</b>', ts: 1700000000000 },
};

describe('validateInboxMessage', () => {
  test('covers every type of the contract', () => {
    assert.deepEqual(Object.keys(VALID).sort(), [...INBOX_MESSAGE_TYPES].sort());
  });

  for (const [type, message] of Object.entries(VALID)) {
    test(`${type}: valid, returned as a clean copy without extra fields`, () => {
      const result = validateInboxMessage({ ...message, extra: 'dropped', __proto__: { evil: true } });
      assert.deepEqual(result, message);
      assert.notEqual(result, message);
      assert.equal(Object.hasOwn(result as object, 'extra'), false);
    });
  }

  test('all reject reasons and all media combinations', () => {
    for (const reason of ['declined', 'busy', 'unavailable']) {
      assert.ok(validateInboxMessage({ ...VALID.reject, reason }));
    }
    for (const audio of [true, false]) {
      for (const video of [true, false]) assert.ok(validateInboxMessage({ ...VALID.invite, media: { audio, video } }));
    }
  });

  test('candidate with null and missing optional fields', () => {
    assert.deepEqual(validateInboxMessage({ ...VALID.candidate, candidate: { candidate: '' } }), {
      ...VALID.candidate,
      candidate: { candidate: '' },
    });
    const nulls = { candidate: 'c', sdpMid: null, sdpMLineIndex: null, usernameFragment: null };
    assert.deepEqual(validateInboxMessage({ ...VALID.candidate, candidate: nulls }), { ...VALID.candidate, candidate: nulls });
  });

  test('offer, answer, candidate and link-failed name a link after the first; the first one names none', () => {
    for (const type of ['offer', 'answer', 'candidate', 'link-failed']) {
      assert.deepEqual(validateInboxMessage({ ...VALID[type], link: 2 }), { ...VALID[type], link: 2 });
      assert.deepEqual(validateInboxMessage({ ...VALID[type], link: 0 }), VALID[type], 'link 0 is the first: left out');
    }
  });

  const invalid: Array<[string, unknown]> = [
    ['null', null],
    ['a string', 'invite'],
    ['an array', [VALID.invite]],
    ['a number', 42],
    ['no type', { ...base }],
    ['non-string type', { ...VALID.ringing, type: 1 }],
    ['unknown type', { ...VALID.ringing, type: 'teleport' }],
    ['callId missing', { type: 'ringing', sid }],
    ['callId too short', { ...VALID.ringing, callId: 'short' }],
    ['callId too long', { ...VALID.ringing, callId: 'x'.repeat(129) }],
    ['callId not a string', { ...VALID.ringing, callId: 12345678901234 }],
    ['sid missing', { type: 'ringing', callId }],
    ['sid empty', { ...VALID.ringing, sid: '' }],
    ['invite without media', { type: 'invite', ...base }],
    ['invite media not an object', { ...VALID.invite, media: 'audio' }],
    ['invite media audio not boolean', { ...VALID.invite, media: { audio: 'yes', video: false } }],
    ['invite media video missing', { ...VALID.invite, media: { audio: true } }],
    ['reject without reason', { type: 'reject', ...base }],
    ['reject with unknown reason', { ...VALID.reject, reason: 'bored' }],
    ['offer without sdp', { type: 'offer', ...base }],
    ['offer with empty sdp', { ...VALID.offer, sdp: '' }],
    ['offer with sdp too long', { ...VALID.offer, sdp: 'x'.repeat(MAX_SDP_LENGTH + 1) }],
    ['answer with non-string sdp', { ...VALID.answer, sdp: { sdp: 'v=0' } }],
    ['candidate missing', { type: 'candidate', ...base }],
    ['candidate not an object', { ...VALID.candidate, candidate: 'candidate:1' }],
    ['candidate string missing', { ...VALID.candidate, candidate: { sdpMid: '0' } }],
    ['candidate string too long', { ...VALID.candidate, candidate: { candidate: 'x'.repeat(4097) } }],
    ['candidate sdpMid a number', { ...VALID.candidate, candidate: { candidate: 'c', sdpMid: 0 } }],
    ['candidate sdpMLineIndex negative', { ...VALID.candidate, candidate: { candidate: 'c', sdpMLineIndex: -1 } }],
    ['candidate sdpMLineIndex fractional', { ...VALID.candidate, candidate: { candidate: 'c', sdpMLineIndex: 0.5 } }],
    ['candidate sdpMLineIndex huge', { ...VALID.candidate, candidate: { candidate: 'c', sdpMLineIndex: 5000 } }],
    ['candidate usernameFragment a number', { ...VALID.candidate, candidate: { candidate: 'c', usernameFragment: 5 } }],
    ['offer with a fractional link', { ...VALID.offer, link: 1.5 }],
    ['answer with a negative link', { ...VALID.answer, link: -1 }],
    ['candidate with a link past any call', { ...VALID.candidate, link: 10_001 }],
    ['link-failed without dtls', { type: 'link-failed', ...base }],
    ['link-failed with a string link', { ...VALID['link-failed'], link: '1' }],
    ['media-state missing screen', { type: 'media-state', ...base, audio: true, video: true }],
    ['media-state audio not boolean', { ...VALID['media-state'], audio: 1 }],
    ['chat without id', { type: 'chat', text: 'hi', ts: 1 }],
    ['chat with empty id', { ...VALID.chat, id: '' }],
    ['chat with blank text', { ...VALID.chat, text: '   ' }],
    ['chat with text too long', { ...VALID.chat, text: 'x'.repeat(MAX_CHAT_TEXT_LENGTH + 1) }],
    ['chat with non-string text', { ...VALID.chat, text: 5 }],
    ['chat without ts', { type: 'chat', id: 'm', text: 'hi' }],
    ['chat with negative ts', { ...VALID.chat, ts: -1 }],
    ['chat with infinite ts', { ...VALID.chat, ts: Infinity }],
    ['chat with string ts', { ...VALID.chat, ts: '1700000000000' }],
    // 1e16 is past the largest Date (8.64e15): toISOString() threw "Invalid time value" and broke the chat panel.
    ['chat with ts beyond the Date range', { ...VALID.chat, ts: 1e16 }],
    ['chat with fractional ts', { ...VALID.chat, ts: 1700000000000.5 }],
  ];
  for (const [label, value] of invalid) {
    test(`refuses ${label}`, () => {
      assert.equal(validateInboxMessage(value), null);
    });
  }

  test('chat text of exactly the limit is accepted', () => {
    assert.ok(validateInboxMessage({ ...VALID.chat, text: 'x'.repeat(MAX_CHAT_TEXT_LENGTH) }));
    assert.equal(isValidChatText('x'.repeat(MAX_CHAT_TEXT_LENGTH)), true);
    assert.equal(isValidChatText(''), false);
    assert.equal(isValidChatText(undefined), false);
  });
});

describe('payload parsing', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  test('parseJsonPayload: text and bytes, invalid JSON, invalid UTF-8, too large', () => {
    assert.deepEqual(parseJsonPayload('{"a":1}'), { a: 1 });
    assert.deepEqual(parseJsonPayload(bytes('[1,2]')), [1, 2]);
    assert.equal(parseJsonPayload('{nope'), undefined);
    assert.equal(parseJsonPayload(new Uint8Array([0x22, 0xff, 0x22])), undefined);
    assert.equal(parseJsonPayload(bytes(JSON.stringify('x'.repeat(MAX_MQTT_PAYLOAD_BYTES)))), undefined);
    assert.equal(parseJsonPayload('"' + 'x'.repeat(MAX_MQTT_PAYLOAD_BYTES) + '"'), undefined);
  });

  test('parseInboxMessage validates after parsing', () => {
    assert.deepEqual(parseInboxMessage(bytes(JSON.stringify(VALID.hangup))), VALID.hangup);
    assert.equal(parseInboxMessage(bytes(JSON.stringify({ type: 'hangup' }))), null);
    assert.equal(parseInboxMessage('not json'), null);
  });

  test('inboxPayloadProblem: a JSON object with a string type; a chat valid in full', () => {
    const now = VALID.chat!.ts as number;
    assert.equal(inboxPayloadProblem(bytes('{"type":"anything"}'), now), null);
    assert.equal(inboxPayloadProblem(bytes(JSON.stringify(VALID.offer)), now), null);
    assert.equal(inboxPayloadProblem(bytes(JSON.stringify(VALID.chat)), now), null);
    for (const payload of ['', 'null', '[]', '"chat"', '{"type":1}', '{}', '{"text":"hi"}', '[{"type":"chat"}]', 'garbage']) {
      assert.match(inboxPayloadProblem(bytes(payload), now) ?? '', /JSON object with a string type/, payload);
    }
    assert.match(inboxPayloadProblem(new Uint8Array([0x7b, 0xff, 0x7d]), now) ?? '', /JSON object/);
    for (const chat of [{ type: 'chat' }, { ...VALID.chat, ts: 1e16 }, { ...VALID.chat, text: '' }]) {
      assert.match(inboxPayloadProblem(bytes(JSON.stringify(chat)), now) ?? '', /chat needs/, JSON.stringify(chat));
    }
    const at = (ts: number) => inboxPayloadProblem(bytes(JSON.stringify({ ...VALID.chat, ts })), now);
    assert.equal(at(now + CHAT_TS_MAX_FUTURE_MS), null);
    assert.equal(at(now - CHAT_TS_MAX_AGE_MS), null);
    assert.match(at(now + CHAT_TS_MAX_FUTURE_MS + 1) ?? '', /chat ts must be at most 5 minutes ahead/);
    assert.match(at(now - CHAT_TS_MAX_AGE_MS - 1) ?? '', /at most 24 hours old/);
    assert.match(at(0) ?? '', /at most 24 hours old/);
  });

  test('isCurrentChatTime: a few minutes ahead of the clock, a day behind', () => {
    const now = 1_800_000_000_000;
    assert.equal(isCurrentChatTime(now, now), true);
    assert.equal(isCurrentChatTime(now + CHAT_TS_MAX_FUTURE_MS, now), true);
    assert.equal(isCurrentChatTime(now + CHAT_TS_MAX_FUTURE_MS + 1, now), false);
    assert.equal(isCurrentChatTime(now - CHAT_TS_MAX_AGE_MS, now), true);
    assert.equal(isCurrentChatTime(now - CHAT_TS_MAX_AGE_MS - 1, now), false);
  });

  test("shownChatTime: the sender's ts, never after arrival, never older than the backend allows", () => {
    const receivedAt = 1_800_000_000_000;
    assert.equal(shownChatTime(receivedAt - 2000, receivedAt), receivedAt - 2000);
    assert.equal(shownChatTime(receivedAt + 60_000, receivedAt), receivedAt);
    assert.equal(shownChatTime(8.64e15, receivedAt), receivedAt);
    assert.equal(shownChatTime(0, receivedAt), receivedAt - CHAT_TS_MAX_AGE_MS);
    assert.ok(Number.isFinite(new Date(shownChatTime(0, receivedAt)).getTime()));
  });
});

describe('presence and status', () => {
  const presence = { id: 'alice123', name: 'Alice', status: 'available', sessions: 2 };

  test('validatePresence accepts the backend shape and every status', () => {
    for (const status of ['available', 'busy', 'away']) {
      assert.deepEqual(validatePresence({ ...presence, status, extra: 1 }), { ...presence, status });
    }
  });

  for (const [label, value] of [
    ['null', null],
    ['no id', { ...presence, id: undefined }],
    ['empty id', { ...presence, id: '' }],
    ['name not a string', { ...presence, name: 5 }],
    ['name too long', { ...presence, name: 'n'.repeat(257) }],
    ['unknown status', { ...presence, status: 'offline' }],
    ['zero sessions', { ...presence, sessions: 0 }],
    ['fractional sessions', { ...presence, sessions: 1.5 }],
    ['sessions as string', { ...presence, sessions: '2' }],
  ] as const) {
    test(`validatePresence refuses ${label}`, () => assert.equal(validatePresence(value), null));
  }

  test('validatePresence shows a sanitised name, whatever the backend sends', () => {
    assert.equal(validatePresence({ ...presence, name: 'Bob\u202Eadmin si gnillac' })?.name, 'Bobadmin si gnillac');
    assert.equal(validatePresence({ ...presence, name: '\u200B\u200B' })?.name, UNNAMED);
    assert.equal(validatePresence({ ...presence, name: 'Alice\u200B' })?.name, 'Alice');
  });

  test('validateStatusUpdate', () => {
    for (const status of ['available', 'busy', 'away']) assert.deepEqual(validateStatusUpdate({ status, x: 1 }), { status });
    for (const value of [null, {}, { status: 'offline' }, { status: 1 }, 'busy', ['busy']]) {
      assert.equal(validateStatusUpdate(value), null, JSON.stringify(value));
    }
  });
});

describe('topics', () => {
  const a = 'alice_12';
  const b = 'Bob-3456';

  test('builders', () => {
    assert.equal(presenceTopic(a), 'rtc/v1/presence/alice_12');
    assert.equal(statusTopic(a), 'rtc/v1/status/alice_12');
    assert.equal(inboxTopic(b, a), 'rtc/v1/inbox/Bob-3456/alice_12');
    assert.equal(inboxWildcard(b), 'rtc/v1/inbox/Bob-3456/+');
    assert.equal(PRESENCE_WILDCARD, 'rtc/v1/presence/+');
  });

  test('parseTopic reads every topic of the contract', () => {
    assert.deepEqual(parseTopic(presenceTopic(a)), { kind: 'presence', userId: a });
    assert.deepEqual(parseTopic(statusTopic(a)), { kind: 'status', userId: a });
    assert.deepEqual(parseTopic(inboxTopic(b, a)), { kind: 'inbox', to: b, from: a });
  });

  for (const topic of [
    '',
    'rtc/v1',
    'rtc/v1/',
    'rtc/v2/presence/alice_12',
    'RTC/v1/presence/alice_12',
    'rtc/v1/presence',
    'rtc/v1/presence/',
    'rtc/v1/presence/+',
    'rtc/v1/presence/#',
    'rtc/v1/presence/alice_12/x',
    'rtc/v1/status/short',
    'rtc/v1/inbox/alice_12',
    'rtc/v1/inbox/alice_12/+',
    'rtc/v1/inbox/+/alice_12',
    'rtc/v1/inbox/alice_12/Bob-3456/x',
    'rtc/v1/inbox/alice_12//',
    'rtc/v1/inbox/alice 12/Bob-3456',
    'rtc/v1/other/alice_12',
    '$SYS/rtc/v1/presence/alice_12',
    '/rtc/v1/presence/alice_12',
  ]) {
    test(`parseTopic refuses ${JSON.stringify(topic)}`, () => assert.equal(parseTopic(topic), null));
  }

  test('user ids: 6–32 of [A-Za-z0-9_-], never a wildcard or separator', () => {
    for (const id of ['abcdef', 'A'.repeat(32), 'a_b-c9', 'x'.repeat(6)]) assert.equal(isUserId(id), true, id);
    for (const id of ['abcde', 'a'.repeat(33), 'abc/def', 'abc+def', 'abc#def', 'abc def', 'abcdé1', 12345678, null]) {
      assert.equal(isUserId(id), false, String(id));
    }
    assert.equal(USER_ID_PATTERN.test('abc:defg'), false);
  });
});

describe('names', () => {
  const refused = (raw: unknown, reason: RegExp) => {
    const result = checkName(raw);
    assert.equal(result.ok, false, JSON.stringify(raw));
    if (!result.ok) assert.match(result.message, reason, JSON.stringify(raw));
  };

  test('checkName accepts names of any script, emoji and joiners, and returns them normalised', () => {
    for (const name of [
      'Alice',
      'Zoë',
      'José María',
      'علی',
      'שלום',
      '李小龙',
      'Nguyễn Thị Hồng',
      'मनीषा',
      '👩‍💻 Dev',
      "O'Brien-Smith",
      'x',
    ]) {
      assert.deepEqual(checkName(name), { ok: true, name }, name);
    }
    // NFC: "e" + combining acute becomes the one character "é", so the same name is stored once.
    assert.deepEqual(checkName('Zoe\u0308'), { ok: true, name: 'Zoë' });
    assert.deepEqual(checkName('  Ada \u2003\u00A0 Lovelace\n'), { ok: true, name: 'Ada Lovelace' });
    assert.deepEqual(checkName('n'.repeat(NAME_MAX_LENGTH)), { ok: true, name: 'n'.repeat(NAME_MAX_LENGTH) });
  });

  test('checkName refuses bidi controls (U+202E turned "Bob is calling" into "Bobgnillac si …")', () => {
    for (const c of [
      '\u202A',
      '\u202B',
      '\u202C',
      '\u202D',
      '\u202E',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200E',
      '\u200F',
      '\u061C',
    ]) {
      refused(`Bob${c}admin`, /change the text direction/);
    }
  });

  test('checkName refuses invisible-only names and invisible characters beside visible ones', () => {
    for (const name of ['\u200B', '\u200B\u200B\u200B', '\u2060', '\u3164', '\u115F', '\uFFA0', '\u2800', '\u00AD']) {
      refused(name, /invisible characters/);
    }
    // Looks exactly like "Alice": the three identical rows of the report.
    refused('Alice\u200B', /invisible characters/);
    refused('\u200D', /visible character/);
    refused('\uFE0F', /visible character/);
    refused('   ', /1–64 characters/);
    refused('', /1–64 characters/);
  });

  test('checkName refuses runs of combining marks and a leading mark', () => {
    const stack = (n: number) => 'Z' + '\u0336'.repeat(n);
    assert.equal(checkName(stack(NAME_MAX_COMBINING_RUN)).ok, true);
    refused(stack(NAME_MAX_COMBINING_RUN + 1), /more than 4 combining marks/);
    refused('Z\u0353\u0336\u0301\u0300\u0308\u0307 algo', /combining marks/);
    refused('\u0301Bob', /start with a combining mark/);
  });

  test('checkName refuses control characters, lone surrogates, wrong lengths and non-text', () => {
    refused('a\u0000b', /control characters/);
    refused('two\nlines', /control characters/);
    refused('tab\tbed', /control characters/);
    refused('a\u0085b', /control characters/);
    refused('a\uD800b', /control characters/);
    refused('n'.repeat(NAME_MAX_LENGTH + 1), /1–64 characters/);
    refused(5, /must be text/);
    refused(null, /must be text/);
  });

  test('sanitizeName removes what checkName refuses, for names stored before the rule', () => {
    assert.equal(sanitizeName('Bob\u202Eadmin si gnillac'), 'Bobadmin si gnillac');
    assert.equal(sanitizeName('Alice\u200B'), 'Alice');
    assert.equal(sanitizeName('\u200B\u3164\u2800'), '');
    assert.equal(sanitizeName('a\u0000b'), 'a b');
    assert.equal(sanitizeName('Z' + '\u0336'.repeat(30)), 'Z' + '\u0336'.repeat(NAME_MAX_COMBINING_RUN));
    assert.equal(sanitizeName('\u0301\u0301Bob'), 'Bob');
    assert.equal(sanitizeName('n'.repeat(300)), 'n'.repeat(NAME_MAX_LENGTH));
    assert.equal(sanitizeName('👩‍💻'), '👩‍💻');
    // What checkName accepts, sanitizeName leaves alone.
    for (const name of ['Alice', 'علی', 'Nguyễn Thị Hồng', '👩‍💻 Dev']) assert.equal(sanitizeName(name), name);
  });

  test('nameKey makes look-alike names collide: case, compatibility forms, joiners', () => {
    assert.equal(nameKey('Alice'), nameKey('alice'));
    assert.equal(nameKey('Alice'), nameKey('\uFF21lice'));
    assert.equal(nameKey('Alice'), nameKey('Alice\u200B'));
    assert.equal(nameKey('Zoë'), nameKey('Zoe\u0308'));
    assert.notEqual(nameKey('Alice'), nameKey('Alicia'));
  });

  test('isolateText wraps text in FSI … PDI', () => {
    assert.equal(isolateText('علی'), '\u2068علی\u2069');
  });
});

describe('passwordProblem', () => {
  test('accepts 8–256 characters, astral ones counted once', () => {
    assert.equal(passwordProblem('eight ch'), null);
    assert.equal(passwordProblem('😀'.repeat(256)), null);
    assert.match(passwordProblem('seven c')!, /8–256/);
    assert.match(passwordProblem('x'.repeat(257))!, /8–256/);
  });

  test('refuses unpaired surrogates anywhere, keeps well-formed pairs', () => {
    for (const bad of ['password\uD800', '\uDFFFpassword', 'pass\uDC00\uD800word', 'password\uD83D']) {
      assert.match(passwordProblem(bad)!, /well-formed/, JSON.stringify(bad));
    }
    assert.equal(passwordProblem('password\uD83D\uDE00'), null);
  });
});
