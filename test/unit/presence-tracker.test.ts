/**
 * The broker's presence bookkeeping (broker/mqtt/presence.ts) with the
 * publish recorded: presence goes to every topic of the user's rooms, moves
 * with them (retained deletes where it no longer belongs), carries `guest`,
 * and a burst of changes coalesces into one publish per topic.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PublishPacket } from 'aedes';
import { PresenceTracker } from '../../broker/mqtt/presence.js';

function tracker() {
  const published: Array<{ topic: string; payload: string; retain: boolean }> = [];
  const topics = new Map<string, string[]>();
  const presence = new PresenceTracker(
    (packet: PublishPacket, callback) => {
      published.push({ topic: packet.topic, payload: packet.payload.toString(), retain: packet.retain });
      callback();
    },
    (userId) => topics.get(userId) ?? [],
  );
  /** What was published since the last call, topic → payload; each topic at most once. */
  const drain = async () => {
    await presence.settled();
    const batch = new Map(published.map((p) => [p.topic, p.payload]));
    assert.equal(batch.size, published.length, 'one publish per topic');
    assert.ok(published.every((p) => p.retain));
    published.length = 0;
    return batch;
  };
  return { presence, topics, drain };
}

test('presence goes to each topic of the user, once per burst, with guest when a guest', async () => {
  const { presence, topics, drain } = tracker();
  topics.set('guest1', ['room/a', 'room/b']);
  presence.sessionStarted('guest1', 'Gus', true);
  presence.sessionStarted('guest1', 'Gus', true);
  const payload = JSON.stringify({ id: 'guest1', name: 'Gus', status: 'available', sessions: 2, guest: true });
  assert.deepEqual(
    await drain(),
    new Map([
      ['room/a', payload],
      ['room/b', payload],
    ]),
  );
});

test('a user in no room is published nowhere', async () => {
  const { presence, drain } = tracker();
  presence.sessionStarted('alone1', 'Al');
  assert.deepEqual(await drain(), new Map());
});

test('moved: presence follows the rooms, with a retained delete where it left; offline deletes the rest', async () => {
  const { presence, topics, drain } = tracker();
  topics.set('user01', ['room/a', 'room/b']);
  presence.sessionStarted('user01', 'Una');
  await drain();

  topics.set('user01', ['room/b', 'room/c']);
  presence.moved('user01');
  const payload = JSON.stringify({ id: 'user01', name: 'Una', status: 'available', sessions: 1 });
  assert.deepEqual(
    await drain(),
    new Map([
      ['room/b', payload],
      ['room/c', payload],
      ['room/a', ''],
    ]),
  );

  presence.sessionEnded('user01');
  assert.deepEqual(
    await drain(),
    new Map([
      ['room/b', ''],
      ['room/c', ''],
    ]),
  );
  presence.moved('user01');
  assert.deepEqual(await drain(), new Map(), 'offline and deleted everywhere: nothing more to publish');
});
