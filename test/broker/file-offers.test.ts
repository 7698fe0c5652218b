/**
 * File transfer through the backend (PROTOCOL.md §9): only the small inbox messages pass, an offer
 * is checked against `MAX_FILE_BYTES` (refused like any bad inbox payload: a disconnect, never
 * delivered), and the limit reaches the widget with its ICE servers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inboxTopic, inboxWildcard } from '../../src/protocol/index.js';
import { closed, collect, connectAs, nextMessage, publish, register, request, startTestBackend, subscribeGranted } from './support.js';

const MAX = 1_000_000;
const ID = 'AbCdEfGhIjKlMnOpQrStUv';
const offer = (size: number, name = 'photo.jpg') =>
  JSON.stringify({ type: 'file-offer', transferId: ID, sid: 'a:tab', name, size, mime: 'image/jpeg' });

test(
  'file offers within MAX_FILE_BYTES pass; larger or malformed ones disconnect and are never delivered',
  { timeout: 60_000 },
  async (t) => {
    const backend = await startTestBackend({ closeAfter: t, maxFileBytes: MAX });
    const alice = await register(backend, { name: 'Alice' });
    const bob = await register(backend, { name: 'Bob' });
    const bobClient = await connectAs(t, backend, bob);
    assert.deepEqual(await subscribeGranted(bobClient, [inboxWildcard(bob.user.id)]), [0]);
    const received = collect(bobClient);

    const ice = await request(backend, 'GET', '/api/ice-servers', { token: alice.token });
    assert.equal(ice.status, 200);
    assert.equal(ice.body.maxFileBytes, MAX);

    for (const [label, payload] of [
      ['over the limit', offer(MAX + 1)],
      ['a name with a slash', offer(10, '../x')],
      ['an accept without a transfer id', JSON.stringify({ type: 'file-accept', sid: 'a:tab' })],
    ] as const) {
      const attacker = await connectAs(t, backend, alice, `attacker-${label.replace(/\W+/g, '-')}`);
      const gone = closed(attacker);
      attacker.publish(inboxTopic(bob.user.id, alice.user.id), payload, { qos: 0 });
      await gone;
      assert.equal(attacker.connected, false, `${label}: still connected`);
    }

    const sender = await connectAs(t, backend, alice, 'honest');
    await publish(sender, inboxTopic(bob.user.id, alice.user.id), offer(MAX), { qos: 1 });
    const got = await nextMessage(bobClient, (m) => m.payload.includes('file-offer'), received);
    assert.equal(JSON.parse(got.payload).size, MAX);
    assert.equal(received.filter((m) => m.payload.includes('file-offer') || m.payload.includes('file-accept')).length, 1);
  },
);
