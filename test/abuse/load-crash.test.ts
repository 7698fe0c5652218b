/**
 * A delivery backlog, then a close storm: the broker must stay up.
 *
 * Aedes dispatches every PUBLISH through mqemitter, which runs at most
 * `concurrency` messages at once and queues the rest. A queued message that
 * matches no subscriber completes synchronously, and mqemitter then takes the
 * next queued one in the same call stack: a long run of such messages behind
 * stalled deliveries overflowed the stack ("Maximum call stack size
 * exceeded") and killed the backend — seen in the 1000-client load bench when
 * clients closed under the presence replay. Here, cheaply: one subscriber
 * stops reading so deliveries to it wait for a drain, publishers pile up
 * messages nobody subscribes to behind them, then the stalled subscriber
 * goes away and everything queued is released at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Socket } from 'node:net';
import { inboxTopic, inboxWildcard } from '../../src/protocol/index.js';
import { connectAs, nextMessage, register, startTestBackend, subscribeGranted } from '../broker/support.js';
import { RawMqttSocket, Tally, packetBytes } from './support.js';

const tally = new Tally('held');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Big enough to fill the loopback socket buffers of the stalled reader quickly. */
const BIG_PAYLOAD = JSON.stringify({ type: 'filler', pad: 'x'.repeat(60_000) });
/** Each sender's batch waits on the stalled reader; together they take every one of Aedes' 100 slots. */
const BIG_SENDERS = 16;
const BIG_PER_SENDER = 60;
/** Several times the depth that overflowed the stack before the fix (~2 000). */
const UNMATCHED_PER_PUBLISHER = 1_000;
const PUBLISHERS = 30;
/** One WebSocket frame stays under the broker's frame limit (64 KiB payload + header room). */
const FRAME_BYTES = 60_000;

function frames(packets: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let current: Buffer[] = [];
  let size = 0;
  for (const packet of packets) {
    if (size + packet.length > FRAME_BYTES && current.length > 0) {
      out.push(Buffer.concat(current));
      current = [];
      size = 0;
    }
    current.push(packet);
    size += packet.length;
  }
  if (current.length > 0) out.push(Buffer.concat(current));
  return out;
}

test('a backlog of deliveries released all at once by a close storm does not overflow the stack', async (t) => {
  const budget = 100_000;
  const backend = await startTestBackend({
    closeAfter: t,
    publishRate: budget,
    publishBurst: budget,
    userPublishRate: budget,
    userPublishBurst: budget,
    // The storm needs one sender on 46 connections; the per-user caps have their own tests (test/abuse/spam.test.ts).
    maxSessionsPerUser: 100,
  });
  const slow = await register(backend, { name: 'Slow reader' });
  const sender = await register(backend, { name: 'Sender' });
  const nobody = await register(backend, { name: 'Never connects' });

  // The slow reader subscribes to its inbox, then stops reading its socket.
  const reader = new RawMqttSocket(backend);
  assert.equal(await reader.connect(slow), 0);
  reader.send(packetBytes({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: inboxWildcard(slow.user.id), qos: 0 }] }));
  while (!reader.packets().some((p) => p.cmd === 'suback')) await sleep(10);
  (reader.ws as unknown as { _socket: Socket })._socket.pause();

  // Deliveries to it stall once its socket buffers are full: the broker's slots fill up.
  const big = packetBytes({
    cmd: 'publish',
    topic: inboxTopic(slow.user.id, sender.user.id),
    payload: BIG_PAYLOAD,
    qos: 0,
    retain: false,
    dup: false,
  });
  const bigSenders = await Promise.all(
    Array.from({ length: BIG_SENDERS }, async () => {
      const socket = new RawMqttSocket(backend);
      assert.equal(await socket.connect(sender), 0);
      for (let i = 0; i < BIG_PER_SENDER; i += 1) socket.send(big);
      return socket;
    }),
  );
  await sleep(1_000);

  // Messages to an inbox nobody listens to: they queue behind the stalled ones.
  const unmatched = packetBytes({
    cmd: 'publish',
    topic: inboxTopic(nobody.user.id, sender.user.id),
    payload: JSON.stringify({ type: 'chat', id: 'unmatched', text: 'anyone?', ts: Date.now() }),
    qos: 0,
    retain: false,
    dup: false,
  });
  const publishers = await Promise.all(
    Array.from({ length: PUBLISHERS }, async () => {
      const socket = new RawMqttSocket(backend);
      assert.equal(await socket.connect(sender), 0);
      return socket;
    }),
  );
  for (const socket of publishers) {
    for (const frame of frames(Array.from({ length: UNMATCHED_PER_PUBLISHER }, () => unmatched))) socket.send(frame);
  }
  await sleep(1_000);

  // The storm: the stalled reader and every publisher go at once.
  reader.close();
  for (const socket of bigSenders) socket.close();
  for (const socket of publishers) socket.close();
  await sleep(2_000);

  await tally.checkAlive(backend);
  tally.record('broker answers /healthz after the backlog was released', tally.crashes === 0);

  // And it still delivers: a fresh pair exchanges a message.
  const a = await register(backend, { name: 'After A' });
  const b = await register(backend, { name: 'After B' });
  const clientA = await connectAs(t, backend, a, 'after');
  const clientB = await connectAs(t, backend, b, 'after');
  await subscribeGranted(clientB, [inboxWildcard(b.user.id)]);
  const arrived = nextMessage(clientB, (m) => m.topic === inboxTopic(b.user.id, a.user.id));
  clientA.publish(inboxTopic(b.user.id, a.user.id), JSON.stringify({ type: 'chat', id: 'after', text: 'still here', ts: Date.now() }));
  const message = await arrived;
  tally.record('a message after the storm is delivered', JSON.parse(message.payload).text === 'still here');

  tally.report(t);
  assert.equal(tally.crashes, 0);
  assert.equal(tally.refused, tally.tried, 'every promise held');
});
