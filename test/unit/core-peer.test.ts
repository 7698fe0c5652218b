import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRelayCandidate } from '../../src/core/peer.js';

test('only TURN relay candidates pass the hide-my-IP filter', () => {
  assert.equal(isRelayCandidate('candidate:1 1 udp 41885439 127.0.0.1 50000 typ relay raddr 0.0.0.0 rport 0 generation 0'), true);
  assert.equal(isRelayCandidate('candidate:1 1 udp 41885439 127.0.0.1 50000 typ relay'), true);
  assert.equal(isRelayCandidate('candidate:2 1 udp 2122260223 192.168.1.4 51234 typ host generation 0'), false);
  assert.equal(isRelayCandidate('candidate:3 1 udp 1686052607 203.0.113.9 40000 typ srflx raddr 192.168.1.4 rport 51234'), false);
  assert.equal(isRelayCandidate('candidate:4 1 tcp 1518280447 192.168.1.4 9 typ host tcptype active'), false);
  assert.equal(isRelayCandidate('candidate:5 1 udp 1 10.0.0.1 1 typ relayx'), false, 'whole word only');
});
