/**
 * The session's part of file transfer (src/core/files/file-transfers.ts) with a fake outbox and a
 * fake transfer engine (file-link.ts needs a browser; the e2e tests drive the real one): offers
 * out and in, the limit on both sides, the queue of accepted files, decline and cancel.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FileTransfers } from '../../src/core/files/file-transfers.js';
import { SessionStore, SIGNED_OUT } from '../../src/core/session-state.js';
import { NO_DEVICES } from '../../src/core/devices.js';
import { systemClock } from '../../src/core/clock.js';
import type { FileMessage } from '../../src/protocol/index.js';
import type { FileTransferView } from '../../src/core/types.js';

const BOB = 'bob456';
const LIMIT = 1000;

function setup() {
  const store = new SessionStore(new EventTarget(), { ...SIGNED_OUT, relayOnly: false, devices: NO_DEVICES });
  const sent: { to: string; message: FileMessage }[] = [];
  const finishers: { name: string; finish(): void; fail(problem: string): void }[] = [];
  class FakeLink {
    opened = Promise.resolve();
    constructor(readonly options: { onDescription(kind: string, sdp: string): void }) {}
    async start() {
      this.options.onDescription('offer', 'v=0');
    }
    async acceptDescription() {}
    async addCandidate() {}
    control() {}
    close() {}
    release() {}
  }
  const running = (name: string) =>
    new Promise<void>((resolve, reject) =>
      finishers.push({ name, finish: resolve, fail: (problem) => reject(Object.assign(new Error(problem), { problem })) }),
    );
  const engine = {
    FileLink: FakeLink,
    TransferFailure: class extends Error {},
    sendFile: (_link: unknown, file: File) => running(file.name),
    receiveFile: async () => {
      await running('incoming');
      return new Blob(['x']);
    },
    memorySink: () => ({}),
    diskSink: async () => ({}),
  };
  const files = new FileTransfers({
    store,
    outbox: {
      sid: 'alice1:tab',
      online: true,
      send: async (to, message) => void sent.push({ to, message: message as FileMessage }),
      sendRoomChat: async () => {},
      publishStatus: async () => {},
    },
    clock: systemClock,
    presence: { get: (id) => (id === BOB ? { id, name: 'Bob', status: 'available', sessions: 1 } : undefined), tabsOf: () => 1 },
    ice: { forCall: async () => ({ servers: [], policy: 'all', fetchedAt: 0, ttl: 0, maxFileBytes: LIMIT }) },
    relayOnly: () => false,
    engine: async () => engine as never,
  });
  const phases = () => Object.fromEntries(store.state.fileTransfers.map((t: FileTransferView) => [t.name, t.phase]));
  const idOf = (name: string) => store.state.fileTransfers.find((t) => t.name === name)!.id;
  return { store, sent, finishers, files, phases, idOf };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

test('files go out as offers; accepted ones are sent one at a time, in the order accepted', async () => {
  const { sent, finishers, files, phases, idOf } = setup();
  await files.send(BOB, [
    new File(['a'], 'a.txt', { type: 'text/plain' }),
    new File(['bb'], 'b.txt'),
    new File(['c'.repeat(LIMIT + 1)], 'big.bin'),
  ]);
  const offers = sent.filter((s) => s.message.type === 'file-offer').map((s) => s.message);
  assert.deepEqual(
    offers.map((o) => [o.type === 'file-offer' && o.name, o.type === 'file-offer' && o.size]),
    [
      ['a.txt', 1],
      ['b.txt', 2],
    ],
    'the file over the limit is not offered',
  );
  assert.deepEqual(phases(), { 'a.txt': 'offered', 'b.txt': 'offered' });

  // Bob accepts the second, then the first: the second goes first, the first waits for it.
  files.onMessage(BOB, { type: 'file-accept', transferId: idOf('b.txt'), sid: 'bob456:tab' });
  files.onMessage(BOB, { type: 'file-accept', transferId: idOf('a.txt'), sid: 'bob456:tab' });
  await tick();
  assert.deepEqual(phases(), { 'a.txt': 'queued', 'b.txt': 'transferring' });
  assert.ok(sent.some((s) => s.message.type === 'file-description' && s.message.transferId === idOf('b.txt')));
  finishers.find((f) => f.name === 'b.txt')!.finish();
  await tick();
  assert.deepEqual(phases(), { 'a.txt': 'transferring', 'b.txt': 'done' });

  // An answer from another tab of Bob's than the one that accepted is ignored; a cancel from his tab ends it.
  files.onMessage(BOB, { type: 'file-cancel', transferId: idOf('a.txt'), sid: 'bob456:other' });
  assert.equal(phases()['a.txt'], 'transferring');
  files.onMessage(BOB, { type: 'file-cancel', transferId: idOf('a.txt'), sid: 'bob456:tab' });
  await tick();
  assert.equal(phases()['a.txt'], 'cancelled');
});

test('incoming offers: over the limit ignored; decline and cancel answer the offering tab', async () => {
  const { store, sent, files, phases, idOf } = setup();
  const offer = (transferId: string, name: string, size: number): FileMessage => ({
    type: 'file-offer',
    transferId,
    sid: 'bob456:tab',
    name,
    size,
    mime: '',
  });
  const events: string[] = [];
  (store as unknown as { target: EventTarget }).target.addEventListener('file-offer', (e) =>
    events.push((e as CustomEvent).detail.transfer.name),
  );
  files.onMessage(BOB, offer('T1-0123456789abcdef', 'small.txt', 10));
  files.onMessage(BOB, offer('T2-0123456789abcdef', 'huge.bin', LIMIT + 1));
  files.onMessage(BOB, offer('T3-0123456789abcdef', 'other.txt', 10));
  await tick();
  assert.deepEqual(phases(), { 'small.txt': 'offered', 'other.txt': 'offered' });
  assert.deepEqual(events, ['small.txt', 'other.txt']);

  files.decline(idOf('small.txt'));
  assert.deepEqual(sent.at(-1)?.message, { type: 'file-decline', transferId: 'T1-0123456789abcdef', sid: 'alice1:tab' });
  assert.equal(phases()['small.txt'], 'declined');

  await files.accept(idOf('other.txt'));
  assert.deepEqual(sent.at(-1)?.message, { type: 'file-accept', transferId: 'T3-0123456789abcdef', sid: 'alice1:tab' });
  assert.equal(phases()['other.txt'], 'connecting');
  files.cancel(idOf('other.txt'));
  assert.equal(sent.at(-1)?.message.type, 'file-cancel');
  const ended = store.state.fileTransfers.find((t) => t.name === 'other.txt')!;
  assert.deepEqual([ended.phase, ended.problem, ended.url], ['cancelled', 'cancelled-by-me', null]);
  // Someone who is not the sender cannot touch it.
  files.onMessage('mallory1', { type: 'file-cancel', transferId: 'T1-0123456789abcdef', sid: 'bob456:tab' });
  files.dismiss(idOf('small.txt'));
  assert.deepEqual(Object.keys(phases()), ['other.txt']);
});
