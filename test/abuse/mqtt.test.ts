/**
 * Raw MQTT abuse over a real WebSocket against a real backend: random and
 * mutated packets, invalid UTF-8, huge declared lengths, thousands of
 * subscriptions, wildcards and retain where they are not allowed, stalled
 * and half-open sockets, a flood of unauthenticated connects. Throughout, a
 * legitimate pair keeps exchanging inbox messages and loses none; at the end
 * the broker answers and its live heap is back near where it started.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { test } from 'node:test';
import type { Packet } from 'mqtt-packet';
import { MQTT_CONNECT_TIMEOUT_MS } from '../../broker/mqtt/broker.js';
import { PRESENCE_WILDCARD, inboxTopic, inboxWildcard, presenceTopic, statusTopic, type AuthResponse } from '../../src/protocol/index.js';
import {
  closed,
  collect,
  connectAs,
  register,
  startTestBackend,
  subscribeGranted,
  type Received,
  type TestBackend,
} from '../broker/support.js';
import { RawMqttSocket, Tally, connectPacket, liveHeapBytes, packetBytes, startLegitPair } from './support.js';

const tally = new Tally();
/** Loose: the backend may keep some caches warm, but nothing proportional to the abuse. */
const HEAP_SLACK_BYTES = 32 * 1024 * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens raw sockets `count` at a time, runs `body` on each, always terminates them. */
async function inBatches(total: number, batch: number, body: (i: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < total; start += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, total - start) }, (_, k) => body(start + k)));
  }
}

/** Every message the victim got must come from the attacker's own sender slot and be a JSON object with a string type. */
function forbiddenDeliveries(received: Received[], victim: AuthResponse, attacker: AuthResponse): Received[] {
  return received.filter((m) => {
    if (m.topic !== inboxTopic(victim.user.id, attacker.user.id) || m.retain) return true;
    try {
      const value = JSON.parse(m.payload) as unknown;
      return typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { type?: unknown }).type !== 'string';
    } catch {
      return true;
    }
  });
}

function mutate(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  switch (randomInt(5)) {
    case 0: // flip a few bits
      for (let i = 0, n = randomInt(1, 5); i < n; i += 1) copy[randomInt(copy.length)]! ^= 1 << randomInt(8);
      return copy;
    case 1: // truncate
      return copy.subarray(0, randomInt(1, Math.max(2, copy.length)));
    case 2: // random bytes in the middle
      return Buffer.concat([
        copy.subarray(0, randomInt(copy.length)),
        randomBytes(randomInt(1, 32)),
        copy.subarray(randomInt(copy.length)),
      ]);
    case 3: // a wrong length byte
      copy[1] = randomInt(256);
      return copy;
    default: // a random packet type
      copy[0] = (randomInt(16) << 4) | (copy[0]! & 0x0f);
      return copy;
  }
}

/** A raw PUBLISH whose topic bytes are exactly `topic` (possibly invalid UTF-8). */
function publishWithTopicBytes(topic: Buffer, payload: string, flags = 0x30): Buffer {
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([flags]), varint(body.length), body]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

async function authenticatedRaw(backend: TestBackend, user: AuthResponse): Promise<RawMqttSocket> {
  const socket = new RawMqttSocket(backend);
  const code = await socket.connect(user);
  assert.equal(code, 0, 'the attacker is a real user: CONNECT accepted');
  return socket;
}

test('MQTT abuse: the broker stays up, refuses everything the contract forbids, and the legit pair loses nothing', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const pair = await startLegitPair(t, backend);
  const attacker = await register(backend, { name: 'Attacker' });
  const victim = await register(backend, { name: 'Victim' });
  const victimClient = await connectAs(t, backend, victim, 'victim');
  await subscribeGranted(victimClient, [inboxWildcard(victim.user.id), PRESENCE_WILDCARD]);
  const victimInbox = collect(victimClient);
  const inboxOnly = () => victimInbox.filter((m) => m.topic.startsWith(inboxWildcard(victim.user.id).slice(0, -1)));
  await sleep(200);
  const heapBefore = await liveHeapBytes();

  // Stalled sockets run in the background while everything else happens; checked at the end.
  const started = Date.now();
  const halfConnect = new RawMqttSocket(backend);
  const silent = new RawMqttSocket(backend);
  const trickle = new RawMqttSocket(backend);
  await Promise.all([halfConnect.opened, silent.opened, trickle.opened]);
  halfConnect.send(connectPacket(attacker).subarray(0, 10));
  const trickleBytes = connectPacket(attacker);
  let trickled = 0;
  const trickleTimer = setInterval(() => {
    if (trickled < trickleBytes.length) trickle.send(trickleBytes.subarray(trickled, ++trickled));
  }, 500);
  t.after(() => clearInterval(trickleTimer));

  await t.test('random bytes before CONNECT', async () => {
    let refused = 0;
    await inBatches(150, 15, async () => {
      const socket = new RawMqttSocket(backend);
      await socket.opened;
      for (let i = 0, n = randomInt(1, 4); i < n; i += 1) socket.send(randomBytes(randomInt(1, 300)));
      await socket.closedWithin(300);
      if (socket.connack() !== 0) refused += 1;
      socket.close();
    });
    tally.recordMany('random bytes before CONNECT: no session granted', 150, refused);
    assert.equal(refused, 150);
  });

  await t.test('mutated packets after a valid CONNECT', async () => {
    const templates: Buffer[] = [
      packetBytes({
        cmd: 'publish',
        topic: inboxTopic(victim.user.id, attacker.user.id),
        payload: Buffer.from(JSON.stringify({ type: 'chat', id: 'x', text: 'hi', ts: Date.now() })),
        qos: 0,
        retain: false,
        dup: false,
      }),
      packetBytes({
        cmd: 'publish',
        topic: statusTopic(attacker.user.id),
        payload: Buffer.from('{"status":"busy"}'),
        qos: 0,
        retain: false,
        dup: false,
      }),
      packetBytes({ cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: inboxWildcard(attacker.user.id), qos: 0 }] }),
      packetBytes({ cmd: 'unsubscribe', messageId: 8, unsubscriptions: [PRESENCE_WILDCARD] }),
      packetBytes({ cmd: 'pingreq' }),
      packetBytes({
        cmd: 'publish',
        topic: inboxTopic(victim.user.id, attacker.user.id),
        payload: Buffer.from('{"type":"candidate","callId":"0123456789abcdef","sid":"s"}'),
        qos: 1,
        messageId: 9,
        retain: false,
        dup: false,
      }),
    ];
    const rounds = 120;
    let dropped = 0;
    // Five at a time: closed sockets of the previous batch may still count against MAX_SESSIONS_PER_USER.
    await inBatches(rounds, 5, async () => {
      const socket = await authenticatedRaw(backend, attacker);
      for (let i = 0; i < 4; i += 1) socket.send(mutate(templates[randomInt(templates.length)]!));
      if (await socket.closedWithin(150)) dropped += 1;
      socket.close();
    });
    await sleep(100);
    const forbidden = forbiddenDeliveries(inboxOnly(), victim, attacker);
    tally.recordMany(
      `mutated packets after CONNECT (${dropped} connections dropped by the broker): nothing forbidden delivered`,
      rounds,
      forbidden.length === 0 ? rounds : 0,
    );
    assert.deepEqual(forbidden, []);
  });

  await t.test('invalid UTF-8 and NUL in topics, client ids and usernames', async () => {
    const goodTopic = Buffer.from(inboxTopic(victim.user.id, attacker.user.id));
    const badTopics = [
      Buffer.concat([goodTopic.subarray(0, -1), Buffer.from([0xff])]),
      Buffer.concat([goodTopic, Buffer.from([0xc3, 0x28])]),
      Buffer.concat([goodTopic.subarray(0, -2), Buffer.from([0xed, 0xa0, 0x80])]), // a lone surrogate
      Buffer.concat([goodTopic, Buffer.from([0x00])]),
    ];
    const before = inboxOnly().length;
    for (const topic of badTopics) {
      const socket = await authenticatedRaw(backend, attacker);
      socket.send(publishWithTopicBytes(topic, JSON.stringify({ type: 'chat', id: 'u', text: 'x', ts: Date.now() })));
      const dropped = await socket.closedWithin(1000);
      tally.record(`PUBLISH with topic bytes …${topic.subarray(-3).toString('hex')}`, dropped);
      assert.ok(dropped, 'a publish outside the contract disconnects');
      socket.close();
    }
    // SUBSCRIBE to a topic with invalid UTF-8: refused (0x80) or dropped.
    const sub = await authenticatedRaw(backend, attacker);
    const subTopic = Buffer.concat([Buffer.from(inboxWildcard(attacker.user.id)), Buffer.from([0xff, 0xfe])]);
    const subBody = Buffer.concat([Buffer.from([0, 5, subTopic.length >> 8, subTopic.length & 0xff]), subTopic, Buffer.from([0])]);
    sub.send(Buffer.concat([Buffer.from([0x82]), varint(subBody.length), subBody]));
    const droppedSub = await sub.closedWithin(500);
    const suback = sub.packets().find((p) => p.cmd === 'suback') as { granted?: number[] } | undefined;
    const subRefused = droppedSub || suback?.granted?.[0] === 128;
    tally.record('SUBSCRIBE with invalid UTF-8', subRefused);
    assert.ok(subRefused);
    sub.close();
    // CONNECT with invalid UTF-8 in the client id and username.
    const connect = connectPacket(attacker);
    const at = connect.indexOf(Buffer.from(`${attacker.user.id}:raw`));
    connect[at + attacker.user.id.length + 1] = 0xff;
    connect[connect.indexOf(Buffer.from(attacker.user.id), at + 10)] = 0xfe;
    const raw = new RawMqttSocket(backend);
    await raw.opened;
    raw.send(connect);
    await raw.closedWithin(1000);
    tally.record('CONNECT with invalid UTF-8 in clientId and username', raw.connack() !== 0, `CONNACK ${raw.connack()}`);
    assert.notEqual(raw.connack(), 0);
    raw.close();
    await sleep(100);
    assert.equal(inboxOnly().length, before, 'nothing reached the victim');
  });

  await t.test('huge declared remaining lengths', async () => {
    const cases: Array<[string, boolean, Buffer]> = [
      ['CONNECT declaring 256 MB, streamed in 64 KB frames', false, Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f])],
      ['PUBLISH declaring 256 MB after CONNECT, streamed', true, Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])],
      ['PUBLISH declaring 1 MB after CONNECT, streamed', true, Buffer.from([0x30, ...varint(1024 * 1024)])],
      ['a five-byte remaining length', true, Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])],
    ];
    for (const [what, authenticated, header] of cases) {
      const socket = authenticated ? await authenticatedRaw(backend, attacker) : new RawMqttSocket(backend);
      await socket.opened;
      socket.send(header);
      const chunk = randomBytes(64 * 1024);
      for (let i = 0; i < 32 && !socket.isClosed; i += 1) {
        socket.send(chunk);
        await sleep(5);
      }
      const dropped = await socket.closedWithin(2000);
      tally.record(what, dropped);
      assert.ok(dropped, `${what}: the connection is dropped`);
      socket.close();
    }
  });

  await t.test('thousands of subscriptions from one client, and forbidden filters', async () => {
    const client = await connectAs(t, backend, attacker, 'subscriber');
    let granted = 0;
    let asked = 0;
    for (let batch = 0; batch < 6; batch += 1) {
      const topics = Array.from({ length: 500 }, () => presenceTopic(randomBytes(9).toString('base64url')));
      asked += topics.length;
      granted += (await subscribeGranted(client, topics)).filter((q) => q !== 128).length;
    }
    for (let i = 0; i < 1000; i += 1) {
      asked += 1;
      granted += (await subscribeGranted(client, [presenceTopic(randomBytes(9).toString('base64url'))])).filter((q) => q !== 128).length;
    }
    const limit = backend.config.maxSubscriptionsPerClient;
    tally.record(`${asked} subscriptions from one client: at most ${limit} granted`, granted <= limit, `${granted} granted`);
    assert.ok(granted <= limit);
    const forbidden = [
      '#',
      'rtc/#',
      '$SYS/#',
      'rtc/v1/inbox/+/+',
      'rtc/v1/inbox/#',
      inboxWildcard(victim.user.id),
      `rtc/v1/status/${victim.user.id}`,
      '+/+/+/+',
      '',
    ];
    const other = await connectAs(t, backend, attacker, 'filters');
    for (const topic of forbidden) {
      let refused: boolean;
      try {
        refused = (await subscribeGranted(other, [topic]))[0] === 128;
      } catch {
        refused = true; // MQTT.js itself refuses an empty filter
      }
      tally.record(`SUBSCRIBE ${JSON.stringify(topic)}`, refused);
      assert.ok(refused, `${topic} must be refused`);
    }
    client.end(true);
    other.end(true);
  });

  await t.test('wildcards in PUBLISH topics and retain on an inbox', async () => {
    const before = inboxOnly().length;
    const topics = [
      `rtc/v1/inbox/+/${attacker.user.id}`,
      `rtc/v1/inbox/${victim.user.id}/+`,
      `rtc/v1/inbox/${victim.user.id}/#`,
      '#',
      '+/+/+/+/+',
      `rtc/v1/presence/${attacker.user.id}`,
      `rtc/v1/presence/${victim.user.id}`,
      `rtc/v1/inbox/${victim.user.id}/${victim.user.id}`,
      '$SYS/broker/uptime',
    ];
    const cases: Array<[string, Partial<Packet>]> = topics.map((topic) => [`PUBLISH to ${topic}`, { topic, retain: false }]);
    cases.push([
      `PUBLISH retained to ${inboxTopic(victim.user.id, attacker.user.id)}`,
      { topic: inboxTopic(victim.user.id, attacker.user.id), retain: true },
    ]);
    for (const [what, fields] of cases) {
      const socket = await authenticatedRaw(backend, attacker);
      // mqtt-packet refuses to generate a wildcard topic, so build the bytes ourselves.
      const flags = 0x30 | ((fields as { retain?: boolean }).retain ? 1 : 0);
      socket.send(
        publishWithTopicBytes(
          Buffer.from((fields as { topic: string }).topic),
          JSON.stringify({ type: 'chat', id: 'w', text: 'x', ts: Date.now() }),
          flags,
        ),
      );
      const dropped = await socket.closedWithin(1000);
      tally.record(what, dropped);
      assert.ok(dropped, `${what}: disconnects`);
      socket.close();
    }
    // No retained inbox message waits for the victim's next tab.
    const tab = await connectAs(t, backend, victim, 'later-tab');
    const later = collect(tab);
    await subscribeGranted(tab, [inboxWildcard(victim.user.id)]);
    await sleep(300);
    tally.record('retained inbox message kept for a later subscriber', later.length === 0, `${later.length} delivered`);
    assert.deepEqual(later, []);
    tab.end(true);
    assert.equal(inboxOnly().length, before, 'nothing reached the victim');
  });

  await t.test('a subscriber that stops reading while its inbox is flooded stalls nobody else', async () => {
    // One user subscribes to its own inbox and stops reading its socket; three others fill
    // that inbox (three users: one user's publish budget alone would stop at 400 messages).
    const frozen = await authenticatedRaw(backend, attacker);
    frozen.send(packetBytes({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: inboxWildcard(attacker.user.id), qos: 0 }] }));
    for (let i = 0; i < 100 && !frozen.packets().some((p) => p.cmd === 'suback'); i += 1) await sleep(10);
    (frozen.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const flooders = await Promise.all([0, 1, 2].map((i) => register(backend, { name: `Flooder ${i}` })));
    const publishers = await Promise.all(flooders.map((flooder) => authenticatedRaw(backend, flooder)));
    const big = JSON.stringify({ type: 'chat', id: 'flood', text: 'x'.repeat(3_900), pad: 'x'.repeat(56_000), ts: Date.now() });
    publishers.forEach((publisher, k) => {
      const packet = packetBytes({
        cmd: 'publish',
        topic: inboxTopic(attacker.user.id, flooders[k]!.user.id),
        payload: Buffer.from(big),
        qos: 0,
        retain: false,
        dup: false,
      });
      for (let i = 0; i < 200; i += 1) publisher.send(packet);
    });
    await sleep(1000);
    const before = pair.counts().received;
    await sleep(2000);
    const progressed = pair.counts().received - before;
    tally.record(
      '36 MB into the inbox of a subscriber that stopped reading: the legit pair keeps talking',
      progressed >= 50,
      `${progressed} legit messages in 2 s`,
    );
    for (const s of [frozen, ...publishers]) s.close();
    assert.ok(progressed >= 50, `the legit pair kept talking (${progressed} messages in 2 s)`);
  });

  await t.test('a flood of unauthenticated connects', async () => {
    const flood = 300;
    const results = await Promise.all(
      Array.from({ length: flood }, async (_, i) => {
        const socket = new RawMqttSocket(backend);
        try {
          await socket.opened;
          socket.send(
            packetBytes({
              cmd: 'connect',
              protocolId: 'MQTT',
              protocolVersion: 4,
              clean: true,
              keepalive: 60,
              clientId: `${victim.user.id}:flood${i}`,
              username: victim.user.id,
              ...(i % 2 === 0 && { password: Buffer.from(`not-a-token-${i}`) }),
            }),
          );
          await socket.closedWithin(5000);
          return socket.connack();
        } catch {
          return undefined; // the socket itself was refused: also not a session
        } finally {
          socket.close();
        }
      }),
    );
    const refused = results.filter((code) => code !== 0).length;
    tally.recordMany('unauthenticated CONNECTs, all at once', flood, refused);
    assert.equal(refused, flood);
  });

  await t.test('stalled, trickling and silent sockets are dropped after the connect timeout', async () => {
    const bound = MQTT_CONNECT_TIMEOUT_MS + 5000 - (Date.now() - started);
    const [a, b, c] = await Promise.all([halfConnect, silent, trickle].map((s) => s.closedWithin(Math.max(bound, 0))));
    clearInterval(trickleTimer);
    const seconds = (s: RawMqttSocket) => (s.closedAt ? `${((s.closedAt - started) / 1000).toFixed(1)} s` : 'still open');
    tally.record('half a CONNECT, then nothing', a!, seconds(halfConnect));
    tally.record('a WebSocket that never sends a byte', b!, seconds(silent));
    tally.record('a CONNECT trickled one byte every 500 ms', c!, seconds(trickle));
    assert.ok(a && b && c, 'every stalled socket is dropped');
    for (const s of [halfConnect, silent, trickle])
      assert.ok(s.closedAt! - started >= MQTT_CONNECT_TIMEOUT_MS - 1000, 'not before the timeout');
  });

  await t.test('the legit pair lost nothing, the broker answers, memory is back near baseline', async (st) => {
    const { sent, received } = await pair.stop();
    await tally.checkAlive(backend);
    const heapAfter = await liveHeapBytes();
    st.diagnostic(`legit pair: ${sent} sent, ${received} received during the abuse`);
    st.diagnostic(`live heap: ${(heapBefore / 2 ** 20).toFixed(1)} MiB before, ${(heapAfter / 2 ** 20).toFixed(1)} MiB after`);
    assert.ok(sent > 100, 'the pair kept talking throughout');
    assert.equal(received, sent, 'nothing lost');
    assert.ok(heapAfter < heapBefore + HEAP_SLACK_BYTES, 'memory returns to about baseline');
  });
});

test('a delivered message arrives as one WebSocket frame, not one frame per chunk', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [sender, receiver] = [await register(backend), await register(backend)];
  const raw = await authenticatedRaw(backend, receiver);
  raw.send(packetBytes({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: inboxWildcard(receiver.user.id), qos: 0 }] }));
  for (let i = 0; i < 100 && !raw.packets().some((p) => p.cmd === 'suback'); i += 1) await sleep(10);
  const framesBefore = raw.received.length;
  const client = await connectAs(t, backend, sender);
  client.publish(
    inboxTopic(receiver.user.id, sender.user.id),
    JSON.stringify({ type: 'chat', id: 'one', text: 'one frame', ts: Date.now() }),
  );
  for (let i = 0; i < 200 && !raw.packets().some((p) => p.cmd === 'publish'); i += 1) await sleep(10);
  const frames = raw.received.slice(framesBefore);
  raw.close();
  // Fewer frames means fewer syscalls on the broker and less parsing in every browser.
  assert.equal(frames.length, 1, `the PUBLISH came in ${frames.length} frames`);
  assert.equal(frames[0]![0]! >> 4, 3, 'and that frame is the PUBLISH');
});

test('a chat whose ts is no date or far from now is refused; the receiver sees none of it', async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const [attacker, victim] = [await register(backend, { name: 'Caller' }), await register(backend, { name: 'Visitor' })];
  const victimClient = await connectAs(t, backend, victim, 'victim');
  await subscribeGranted(victimClient, [inboxWildcard(victim.user.id)]);
  const inbox = collect(victimClient);
  const chat = (ts: unknown) => JSON.stringify({ type: 'chat', id: `ts-${String(ts)}`, text: 'hello', ts });
  const now = Date.now();
  const bad: Array<[string, unknown]> = [
    // 1e16 is past the largest Date: "Invalid time value" in the widget stopped that conversation updating.
    ['ts 1e16 (beyond the Date range)', 1e16],
    ['ts an hour ahead of the server', now + 3_600_000],
    ['ts two days old', now - 2 * 86_400_000],
    ['ts 0', 0],
    ['ts fractional', now + 0.5],
    ['ts as a string', String(now)],
    ['no ts', undefined],
  ];
  for (const [what, ts] of bad) {
    const client = await connectAs(t, backend, attacker, 'attacker');
    client.publish(inboxTopic(victim.user.id, attacker.user.id), chat(ts));
    const dropped = await Promise.race([closed(client).then(() => true), sleep(2000).then(() => false)]);
    tally.record(`chat with ${what}: the publisher is disconnected`, dropped);
    assert.ok(dropped, `${what}: disconnects`);
  }
  // A chat stamped now still goes through, from a fresh connection of the same person.
  const client = await connectAs(t, backend, attacker, 'attacker');
  client.publish(inboxTopic(victim.user.id, attacker.user.id), chat(now));
  for (let i = 0; i < 200 && inbox.length === 0; i += 1) await sleep(10);
  assert.deepEqual(
    inbox.map((m) => JSON.parse(m.payload).ts),
    [now],
    'only the valid chat reached the receiver',
  );
});

test('summary', (t) => {
  tally.report(t);
  assert.equal(tally.crashes, 0);
  assert.equal(tally.refused, tally.tried);
});
