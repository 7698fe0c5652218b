/**
 * File transfer's pure parts (PROTOCOL.md §9): the inbox messages and the channel's control
 * framing, the queue, speed and time left, the offered name and the shown sizes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_MAX_FILE_BYTES,
  FILE_NAME_MAX_LENGTH,
  fileMessageProblem,
  parseFileControl,
  validateFileMessage,
} from '../../src/protocol/index.js';
import { ProgressMeter, secondsLeft, FIRST_ESTIMATE_AFTER_MS } from '../../src/core/files/progress.js';
import { fileNameToOffer, isFinished, nextToSend, problemPhase } from '../../src/core/files/transfer-rules.js';
import { formatBytes, formatSpeed, sizeUnit } from '../../src/core/files/file-formats.js';
import { routeMqttMessage } from '../../src/core/routing.js';

const ID = 'AbCdEfGhIjKlMnOpQrStUv';
const offer = { type: 'file-offer', transferId: ID, sid: 'alice1:tab', name: 'report.pdf', size: 1234, mime: 'application/pdf' };

test('a file offer is valid with a name, a size within the limit and a media type; a clean copy comes back', () => {
  assert.deepEqual(validateFileMessage({ ...offer, extra: 1 }, DEFAULT_MAX_FILE_BYTES), offer);
  assert.deepEqual(validateFileMessage({ ...offer, mime: '' }), { ...offer, mime: '' });
  assert.deepEqual(validateFileMessage({ ...offer, size: 0 }), { ...offer, size: 0 });
});

test('file offers that break the contract are refused', () => {
  const bad = [
    { ...offer, size: 1001 },
    { ...offer, size: -1 },
    { ...offer, size: 1.5 },
    { ...offer, size: '12' },
    { ...offer, name: '' },
    { ...offer, name: '   ' },
    { ...offer, name: '../etc/passwd' },
    { ...offer, name: 'a\\b' },
    { ...offer, name: 'evil\u202Etxt.exe' },
    { ...offer, name: 'line\nbreak' },
    { ...offer, name: 'x'.repeat(FILE_NAME_MAX_LENGTH + 1) },
    { ...offer, mime: 'not a type' },
    { ...offer, mime: 'text/html\u0000' },
    { ...offer, transferId: 'short' },
    { ...offer, sid: 5 },
  ];
  for (const value of bad) assert.equal(validateFileMessage(value, 1000), null, JSON.stringify(value));
  assert.match(fileMessageProblem({ ...offer, size: 1001 }, 1000) ?? '', /size of 0–1000 bytes/);
  assert.equal(fileMessageProblem(offer, 1000 * 1000), null);
  // Not a file message: not this check's business.
  assert.equal(fileMessageProblem({ type: 'chat' }, 1000), null);
});

test('the other file messages: answers, descriptions and candidates', () => {
  for (const type of ['file-accept', 'file-decline', 'file-cancel']) {
    assert.deepEqual(validateFileMessage({ type, transferId: ID, sid: 's', name: 'ignored' }), { type, transferId: ID, sid: 's' });
  }
  const description = { type: 'file-description', transferId: ID, sid: 's', kind: 'offer', sdp: 'v=0' };
  assert.deepEqual(validateFileMessage(description), description);
  assert.equal(validateFileMessage({ ...description, kind: 'pranswer' }), null);
  assert.equal(validateFileMessage({ ...description, sdp: '' }), null);
  const candidate = {
    type: 'file-candidate',
    transferId: ID,
    sid: 's',
    candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' },
  };
  assert.deepEqual(validateFileMessage(candidate), candidate);
  assert.equal(validateFileMessage({ ...candidate, candidate: 'x' }), null);
  assert.equal(validateFileMessage({ type: 'file-unknown', transferId: ID, sid: 's' }), null);
});

test('an inbox file message is routed to file transfers', () => {
  const route = routeMqttMessage('rtc/v1/inbox/bob456/alice1', JSON.stringify(offer), 'bob456');
  assert.deepEqual(route, { kind: 'file', from: 'alice1', message: offer });
  assert.equal(routeMqttMessage('rtc/v1/inbox/bob456/alice1', JSON.stringify({ ...offer, name: '' }), 'bob456'), null);
});

test('channel control messages: end with a SHA-256 digest, done, bad, cancel; anything else is ignored', () => {
  const digest = 'a'.repeat(64);
  assert.deepEqual(parseFileControl(JSON.stringify({ t: 'end', sha256: digest })), { t: 'end', sha256: digest });
  assert.deepEqual(parseFileControl('{"t":"done"}'), { t: 'done' });
  assert.deepEqual(parseFileControl('{"t":"bad"}'), { t: 'bad' });
  assert.deepEqual(parseFileControl('{"t":"cancel","x":1}'), { t: 'cancel' });
  for (const text of [
    '{"t":"end","sha256":"AB"}',
    '{"t":"end"}',
    '{"t":"resume"}',
    'not json',
    '[]',
    `{"t":"done","pad":"${'x'.repeat(300)}"}`,
  ]) {
    assert.equal(parseFileControl(text), null, text);
  }
});

test('one outgoing file at a time per person, in the order they were accepted', () => {
  const t = (id: string, peerId: string, phase: string, direction = 'outgoing') => ({ id, peerId, phase, direction }) as never;
  assert.deepEqual(nextToSend([t('a', 'bob', 'queued'), t('b', 'bob', 'queued'), t('c', 'eve', 'queued')]), ['a', 'c']);
  assert.deepEqual(nextToSend([t('a', 'bob', 'transferring'), t('b', 'bob', 'queued')]), []);
  assert.deepEqual(nextToSend([t('a', 'bob', 'done'), t('b', 'bob', 'offered'), t('c', 'bob', 'queued')]), ['c']);
  // Incoming files never block or start sending.
  assert.deepEqual(nextToSend([t('a', 'bob', 'transferring', 'incoming'), t('b', 'bob', 'queued')]), ['b']);
  assert.equal(isFinished('done'), true);
  assert.equal(isFinished('verifying'), false);
  assert.equal(problemPhase('cancelled-by-peer'), 'cancelled');
  assert.equal(problemPhase('declined'), 'declined');
  assert.equal(problemPhase('integrity'), 'failed');
});

test('speed is a moving average, time left follows it, and no estimate is made too early', () => {
  const meter = new ProgressMeter(10_000_000, 0);
  assert.deepEqual(meter.sample(100_000, FIRST_ESTIMATE_AFTER_MS - 1), { bytes: 100_000, bytesPerSecond: 0, secondsLeft: null });
  const at1s = meter.sample(1_000_000, 1000);
  assert.equal(at1s.bytesPerSecond, 1_000_000);
  assert.equal(at1s.secondsLeft, 9);
  // A stall: speed falls over the window, time left grows; it never goes negative.
  meter.sample(2_000_000, 2000);
  const stalled = meter.sample(2_000_000, 6000);
  assert.ok(stalled.bytesPerSecond < 1_000_000 && stalled.bytesPerSecond >= 0);
  const flat = meter.sample(2_000_000, 20_000);
  assert.equal(flat.bytesPerSecond, 0);
  assert.equal(flat.secondsLeft, null);
  assert.equal(secondsLeft(0, 0), 0);
  assert.equal(secondsLeft(1500, 1000), 2);
});

test('a name the contract refuses is made safe to offer, keeping its extension', () => {
  assert.equal(fileNameToOffer('report.pdf'), 'report.pdf');
  assert.equal(fileNameToOffer('a/b\\c.txt'), 'a_b_c.txt');
  assert.equal(fileNameToOffer('evil\u202Egpj.exe'), 'evil_gpj.exe');
  const long = fileNameToOffer(`${'x'.repeat(300)}.tar.gz`);
  assert.equal(long.length, FILE_NAME_MAX_LENGTH);
  assert.ok(long.endsWith('.gz'));
  assert.equal(fileNameToOffer('\n'), '_');
  assert.equal(fileNameToOffer('   '), 'file');
});

test('sizes and speeds in decimal units', () => {
  assert.deepEqual(sizeUnit(999), { unit: 'byte', value: 999 });
  assert.equal(sizeUnit(1_500_000).unit, 'megabyte');
  assert.equal(formatBytes(52_428_800, 'en'), '52.4 MB');
  assert.equal(formatBytes(2 * 1024 ** 3, 'en'), '2.1 GB');
  assert.equal(formatBytes(1, 'en'), '1 byte');
  assert.equal(formatSpeed(3_200_000, 'en'), '3.2 MB/s');
});

test('the whole-file digest is SHA-256 over the SHA-256 of each 1 MiB block, whatever the slicing', async () => {
  const { createHash } = await import('node:crypto');
  const { BlockHasher } = await import('../../src/core/files/block-hash.js');
  const { FILE_HASH_BLOCK_BYTES } = await import('../../src/protocol/index.js');
  const size = 2 * FILE_HASH_BLOCK_BYTES + 12345;
  const file = new Uint8Array(size).map((_, i) => (i * 7 + 3) % 251);
  const blocks = [0, FILE_HASH_BLOCK_BYTES, 2 * FILE_HASH_BLOCK_BYTES].map((at) =>
    createHash('sha256')
      .update(file.subarray(at, at + FILE_HASH_BLOCK_BYTES))
      .digest(),
  );
  const expected = createHash('sha256').update(Buffer.concat(blocks)).digest('hex');

  const sender = new BlockHasher();
  for (let at = 0; at < size; at += FILE_HASH_BLOCK_BYTES) sender.updateBlock(file.slice(at, at + FILE_HASH_BLOCK_BYTES));
  assert.equal(await sender.digest(), expected);

  const recipient = new BlockHasher();
  for (let at = 0; at < size; at += 65536) recipient.update(file.subarray(at, at + 65536));
  assert.equal(await recipient.digest(), expected);

  const odd = new BlockHasher();
  for (let at = 0; at < size; at += 100_003) odd.update(file.subarray(at, at + 100_003));
  assert.equal(await odd.digest(), expected);

  // One byte changed, or one missing, gives another digest.
  const changed = new BlockHasher();
  const copy = file.slice();
  copy[size - 1]! ^= 1;
  changed.update(copy);
  assert.notEqual(await changed.digest(), expected);
  const short = new BlockHasher();
  short.update(file.subarray(0, size - 1));
  assert.notEqual(await short.digest(), expected);

  assert.equal(await new BlockHasher().digest(), createHash('sha256').digest('hex'));
});
