/**
 * The messages nodes tell each other on Redis channels (broker/store/node-events.ts): what a node
 * takes from one, and what it leaves (its own, other kinds, anything that is not one).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromOtherNode, nodeMessage } from '../../broker/store/node-events.js';

const TYPES = new Set(['members-changed']);

test("another node's event of a known type is taken; this node's own, other types and malformed messages are not", () => {
  const event = { type: 'members-changed', userId: 'ada' };
  assert.deepEqual(fromOtherNode(nodeMessage('node-b', event), 'node-a', TYPES), event);
  assert.equal(fromOtherNode(nodeMessage('node-a', event), 'node-a', TYPES), undefined, 'its own');
  assert.equal(fromOtherNode(nodeMessage('node-b', { type: 'teleport' }), 'node-a', TYPES), undefined, 'unknown type');
  for (const malformed of [
    'not json',
    'null',
    '42',
    '"text"',
    '{"node":"node-b"}',
    '{"node":"node-b","event":null}',
    '{"node":"node-b","event":{"type":1}}',
  ]) {
    assert.equal(fromOtherNode(malformed, 'node-a', TYPES), undefined, malformed);
  }
});
