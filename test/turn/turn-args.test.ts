/**
 * coturn's command line as `startTurnServer` and `npm run turn` build it:
 * what keeps a local run working (loopback peers) and what keeps a public
 * server from being an open relay into private networks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DENIED_PEER_RANGES, turnServerArgs, turnUrls } from '../../testing/turn.js';

const base = { secret: 's3cret', port: 3478, stateDir: '/tmp/turn-state' };

test('loopback by default: auth secret, realm, no TLS, no CLI, loopback peers allowed', () => {
  const args = turnServerArgs(base);
  for (const flag of [
    '-n',
    '--use-auth-secret',
    '--static-auth-secret=s3cret',
    '--realm=rtc-call',
    '--no-tls',
    '--no-dtls',
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    '--listening-port=3478',
    '--no-cli',
    '--log-file=stdout',
    '--fingerprint',
    '--no-multicast-peers',
    '--min-port=49152',
    '--max-port=65535',
    '--allow-loopback-peers',
    '--pidfile=/tmp/turn-state/turnserver.pid',
    '--userdb=/tmp/turn-state/turndb',
  ]) {
    assert.ok(args.includes(flag), `missing ${flag} in ${args.join(' ')}`);
  }
  for (const range of DENIED_PEER_RANGES) assert.ok(args.includes(`--denied-peer-ip=${range}`), range);
});

test('a public address: no loopback peers, relay and external address as given', () => {
  const args = turnServerArgs({ ...base, listeningIp: '203.0.113.7', externalIp: '198.51.100.9', minPort: 50000, maxPort: 50999 });
  assert.ok(!args.includes('--allow-loopback-peers'));
  assert.ok(args.includes('--relay-ip=203.0.113.7'));
  assert.ok(args.includes('--external-ip=198.51.100.9'));
  assert.ok(args.includes('--min-port=50000') && args.includes('--max-port=50999'));
});

test('refuses a missing secret and a bad relay port range', () => {
  assert.throws(() => turnServerArgs({ ...base, secret: '' }), /TURN secret is required/);
  assert.throws(() => turnServerArgs({ ...base, minPort: 60000, maxPort: 50000 }), /port range/);
  assert.throws(() => turnServerArgs({ ...base, minPort: 80, maxPort: 50000 }), /port range/);
});

test('TURN URLs over UDP and TCP, IPv6 literals in brackets', () => {
  assert.deepEqual(turnUrls('127.0.0.1', 3478), ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp']);
  assert.deepEqual(turnUrls('::1', 3478), ['turn:[::1]:3478?transport=udp', 'turn:[::1]:3478?transport=tcp']);
});
