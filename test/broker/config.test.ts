/**
 * Configuration: defaults, parsing, and errors that name the variable —
 * both from loadConfig and as a refused start of `tsx broker/main.ts`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, defaultHashConcurrency, loadConfig } from '../../broker/config.js';
import { MAIN_COMMAND, REPO_ROOT } from '../support/test-backend.js';
import { tempDir } from './support.js';

test('defaults', () => {
  const config = loadConfig({});
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.dataDir, join(process.cwd(), 'data'));
  assert.equal(config.jwtSecret, undefined);
  assert.equal(config.tokenTtlSeconds, 3600);
  assert.equal(config.allowedOrigins, '*');
  assert.equal(config.scryptCost, 2 ** 17);
  assert.deepEqual(config.turnUrls, []);
  assert.deepEqual(config.stunUrls, []);
  assert.ok(config.turnTtlSeconds <= 3600);
  assert.equal(config.iceTransportPolicy, 'all');
  assert.equal(config.publishRate, 50);
  assert.equal(config.publishBurst, 200);
  assert.equal(config.userPublishRate, 100);
  assert.equal(config.userPublishBurst, 400);
  assert.equal(config.maxSessionsPerUser, 10);
  assert.equal(config.inviteBurst, 5);
  assert.equal(config.inviteRefillSeconds, 10);
  assert.equal(config.trustProxy, false);
  assert.equal(config.loginSlowdownMaxMs, 5000);
  assert.equal(config.serveSourceMaps, false);
  assert.equal(config.accounts, 'password');
  assert.equal(config.siteJwtSecret, undefined);
  assert.equal(config.siteJwksUrl, undefined);
  assert.equal(config.siteJwtIssuer, undefined);
  assert.equal(config.siteJwksCooldownSeconds, 30);
});

test('site accounts: ACCOUNTS with a secret or a JWKS URL, and the issuer', () => {
  const withSecret = loadConfig({ ACCOUNTS: 'site', SITE_JWT_SECRET: 'k'.repeat(32), SITE_JWT_ISSUER: 'https://site.test' });
  assert.equal(withSecret.accounts, 'site');
  assert.equal(withSecret.siteJwtSecret, 'k'.repeat(32));
  assert.equal(withSecret.siteJwtIssuer, 'https://site.test');
  const withJwks = loadConfig({
    ACCOUNTS: 'both',
    SITE_JWKS_URL: 'https://site.test/.well-known/jwks.json',
    SITE_JWT_ISSUER: 'https://site.test',
    SITE_JWKS_COOLDOWN: '5',
  });
  assert.equal(withJwks.accounts, 'both');
  assert.equal(withJwks.siteJwksUrl, 'https://site.test/.well-known/jwks.json');
  assert.equal(withJwks.siteJwksCooldownSeconds, 5);
  // Plain http only to this machine (a local identity service, tests).
  assert.equal(
    loadConfig({ ACCOUNTS: 'site', SITE_JWKS_URL: 'http://127.0.0.1:9/jwks', SITE_JWT_ISSUER: 'x' }).siteJwksUrl,
    'http://127.0.0.1:9/jwks',
  );
});

test('HASH_CONCURRENCY: a bound by default that leaves a core and two pool threads free; 0 = unbounded', () => {
  assert.equal(defaultHashConcurrency({}, 2), 1);
  assert.equal(defaultHashConcurrency({}, 8), 2);
  assert.equal(defaultHashConcurrency({ UV_THREADPOOL_SIZE: '16' }, 8), 7);
  assert.equal(defaultHashConcurrency({}, 1), 1);
  assert.equal(loadConfig({}).hashConcurrency, defaultHashConcurrency({}));
  assert.equal(loadConfig({ HASH_CONCURRENCY: '3' }).hashConcurrency, 3);
  assert.equal(loadConfig({ HASH_CONCURRENCY: '0' }).hashConcurrency, 0);
  assert.throws(
    () => loadConfig({ HASH_CONCURRENCY: '-1' }),
    (e: unknown) => e instanceof ConfigError && e.variable === 'HASH_CONCURRENCY',
  );
});

test('values from the environment', () => {
  const config = loadConfig({
    HOST: '0.0.0.0',
    PORT: '9000',
    DATA_DIR: '/var/lib/rtc',
    JWT_SECRET: 's'.repeat(40),
    TOKEN_TTL: '600',
    ALLOWED_ORIGINS: 'https://a.test, https://b.test:8443',
    SCRYPT_COST: '1024',
    TURN_URLS: 'turn:turn.example:3478?transport=udp,turns:turn.example:5349',
    TURN_SECRET: 'shh',
    TURN_TTL: '900',
    STUN_URLS: 'stun:stun.example:3478',
    ICE_TRANSPORT_POLICY: 'relay',
    PUBLISH_RATE: '10',
    PUBLISH_BURST: '20',
    USER_PUBLISH_RATE: '30',
    USER_PUBLISH_BURST: '60',
    MAX_SESSIONS_PER_USER: '4',
    INVITE_BURST: '2',
    INVITE_REFILL_SECONDS: '30',
    AUTH_RATE_MAX: '100',
    LOGIN_FAILURES_PER_EMAIL: '7',
    LOGIN_FAILURES_PER_ADDRESS: '70',
    TRUST_PROXY: '10.0.0.1, 192.168.0.0/16, fd00::/8',
    LOGIN_SLOWDOWN_MAX_MS: '800',
    SERVE_SOURCE_MAPS: 'true',
  });
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.port, 9000);
  assert.equal(config.dataDir, '/var/lib/rtc');
  assert.equal(config.tokenTtlSeconds, 600);
  assert.deepEqual(config.allowedOrigins, ['https://a.test', 'https://b.test:8443']);
  assert.equal(config.scryptCost, 1024);
  assert.deepEqual(config.turnUrls, ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349']);
  assert.equal(config.turnSecret, 'shh');
  assert.equal(config.turnTtlSeconds, 900);
  assert.deepEqual(config.stunUrls, ['stun:stun.example:3478']);
  assert.equal(config.iceTransportPolicy, 'relay');
  assert.equal(config.publishRate, 10);
  assert.equal(config.publishBurst, 20);
  assert.equal(config.userPublishRate, 30);
  assert.equal(config.userPublishBurst, 60);
  assert.equal(config.maxSessionsPerUser, 4);
  assert.equal(config.inviteBurst, 2);
  assert.equal(config.inviteRefillSeconds, 30);
  assert.equal(config.authRateMax, 100);
  assert.equal(config.loginFailuresPerEmail, 7);
  assert.equal(config.loginFailuresPerAddress, 70);
  assert.deepEqual(config.trustProxy, ['10.0.0.1', '192.168.0.0/16', 'fd00::/8']);
  assert.equal(config.loginSlowdownMaxMs, 800);
  assert.equal(config.serveSourceMaps, true);
});

test('invalid values throw a ConfigError that names the variable', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ TOKEN_TTL: '0' }, 'TOKEN_TTL'],
    [{ TOKEN_TTL: '-5' }, 'TOKEN_TTL'],
    [{ SCRYPT_COST: '1000' }, 'SCRYPT_COST'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ ALLOWED_ORIGINS: 'not a url' }, 'ALLOWED_ORIGINS'],
    [{ ALLOWED_ORIGINS: 'https://a.test/path' }, 'ALLOWED_ORIGINS'],
    [{ TURN_URLS: 'http://turn.example' }, 'TURN_URLS'],
    [{ TURN_URLS: 'turn:turn.example:3478' }, 'TURN_SECRET'],
    [{ STUN_URLS: 'turn:x' }, 'STUN_URLS'],
    [{ TURN_TTL: '99999999' }, 'TURN_TTL'],
    [{ ICE_TRANSPORT_POLICY: 'none' }, 'ICE_TRANSPORT_POLICY'],
    [{ ICE_TRANSPORT_POLICY: 'relay' }, 'ICE_TRANSPORT_POLICY'],
    [{ PUBLISH_RATE: '0' }, 'PUBLISH_RATE'],
    [{ PUBLISH_BURST: '1.5' }, 'PUBLISH_BURST'],
    [{ USER_PUBLISH_RATE: '0' }, 'USER_PUBLISH_RATE'],
    [{ USER_PUBLISH_BURST: 'many' }, 'USER_PUBLISH_BURST'],
    [{ MAX_SESSIONS_PER_USER: '0' }, 'MAX_SESSIONS_PER_USER'],
    [{ INVITE_BURST: '-1' }, 'INVITE_BURST'],
    [{ INVITE_REFILL_SECONDS: '0' }, 'INVITE_REFILL_SECONDS'],
    [{ AUTH_RATE_MAX: 'lots' }, 'AUTH_RATE_MAX'],
    [{ LOGIN_FAILURES_PER_EMAIL: '0' }, 'LOGIN_FAILURES_PER_EMAIL'],
    [{ LOGIN_FAILURES_PER_ADDRESS: 'x' }, 'LOGIN_FAILURES_PER_ADDRESS'],
    [{ TRUST_PROXY: 'my-proxy.internal' }, 'TRUST_PROXY'],
    // true, a hop count or a /0 would let a client pick its own address (see test/abuse/proxy-spoof.test.ts).
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '1' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '0.0.0.0/0' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '1.2.3' }, 'TRUST_PROXY'],
    [{ LOGIN_SLOWDOWN_MAX_MS: '120000' }, 'LOGIN_SLOWDOWN_MAX_MS'],
    [{ SERVE_SOURCE_MAPS: 'yes please' }, 'SERVE_SOURCE_MAPS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ACCOUNTS: 'sso' }, 'ACCOUNTS'],
    [{ ACCOUNTS: 'site', SITE_JWT_ISSUER: 'https://site.test' }, 'SITE_JWT_SECRET'],
    [{ ACCOUNTS: 'both', SITE_JWT_ISSUER: 'https://site.test' }, 'SITE_JWT_SECRET'],
    [{ ACCOUNTS: 'site', SITE_JWT_SECRET: 'k'.repeat(32) }, 'SITE_JWT_ISSUER'],
    [{ ACCOUNTS: 'site', SITE_JWT_SECRET: 'k'.repeat(32), SITE_JWT_ISSUER: 'rtc-call' }, 'SITE_JWT_ISSUER'],
    [{ ACCOUNTS: 'site', SITE_JWT_SECRET: 'short', SITE_JWT_ISSUER: 'https://site.test' }, 'SITE_JWT_SECRET'],
    [
      { ACCOUNTS: 'site', SITE_JWT_SECRET: 'k'.repeat(32), JWT_SECRET: 'k'.repeat(32), SITE_JWT_ISSUER: 'https://site.test' },
      'SITE_JWT_SECRET',
    ],
    [
      { ACCOUNTS: 'site', SITE_JWT_SECRET: 'k'.repeat(32), SITE_JWKS_URL: 'https://site.test/jwks', SITE_JWT_ISSUER: 'https://site.test' },
      'SITE_JWT_SECRET',
    ],
    [{ ACCOUNTS: 'site', SITE_JWKS_URL: 'http://site.test/jwks', SITE_JWT_ISSUER: 'https://site.test' }, 'SITE_JWKS_URL'],
    [{ ACCOUNTS: 'site', SITE_JWKS_URL: 'not a url', SITE_JWT_ISSUER: 'https://site.test' }, 'SITE_JWKS_URL'],
    [
      { ACCOUNTS: 'site', SITE_JWKS_URL: 'https://site.test/jwks', SITE_JWT_ISSUER: 'x', SITE_JWKS_COOLDOWN: 'never' },
      'SITE_JWKS_COOLDOWN',
    ],
    // Site settings without ACCOUNTS=site|both would be silently ignored.
    [{ SITE_JWT_SECRET: 'k'.repeat(32), SITE_JWT_ISSUER: 'https://site.test' }, 'ACCOUNTS'],
  ];
  for (const [env, variable] of cases) {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) => error instanceof ConfigError && error.variable === variable && error.message.includes(variable),
      JSON.stringify(env),
    );
  }
});

test('main refuses to start on invalid configuration and names the variable', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const [command, ...args] = MAIN_COMMAND;
  const result = spawnSync(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, TOKEN_TTL: 'soon' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /TOKEN_TTL/);
  assert.doesNotMatch(result.stderr, /at .*\(/, 'a message, not a stack trace');
});

const sizes = (env: Record<string, string>) => {
  const { maxCallSize, maxCallAudioSize } = loadConfig(env);
  return { maxCallSize, maxCallAudioSize };
};

test('group call sizes: MAX_CALL_SIZE 2 to 6, MAX_CALL_AUDIO_SIZE from it to 12, twice it by default', () => {
  assert.deepEqual(sizes({}), { maxCallSize: 4, maxCallAudioSize: 8 });
  assert.deepEqual(sizes({ MAX_CALL_SIZE: '6' }), { maxCallSize: 6, maxCallAudioSize: 12 });
  assert.deepEqual(sizes({ MAX_CALL_SIZE: '3', MAX_CALL_AUDIO_SIZE: '3' }), {
    maxCallSize: 3,
    maxCallAudioSize: 3,
  });
  assert.throws(() => loadConfig({ MAX_CALL_SIZE: '7' }), /MAX_CALL_SIZE.*between 2 and 6/);
  assert.throws(() => loadConfig({ MAX_CALL_SIZE: '1' }), /MAX_CALL_SIZE/);
  assert.throws(() => loadConfig({ MAX_CALL_SIZE: '4', MAX_CALL_AUDIO_SIZE: '3' }), /MAX_CALL_AUDIO_SIZE.*between 4 and 12/);
  assert.throws(() => loadConfig({ MAX_CALL_AUDIO_SIZE: '13' }), /MAX_CALL_AUDIO_SIZE/);
});

test('REDIS_URL: unset by default; a redis: or rediss: URL with a host; a bad one names the variable without echoing a password', () => {
  assert.equal(loadConfig({}).redisUrl, undefined);
  const JWT_SECRET = 'one secret that every node shares, long enough';
  assert.equal(loadConfig({ JWT_SECRET, REDIS_URL: ' redis://127.0.0.1:6379/2 ' }).redisUrl, 'redis://127.0.0.1:6379/2');
  assert.equal(
    loadConfig({ JWT_SECRET, REDIS_URL: 'rediss://user:pw@redis.example:6380' }).redisUrl,
    'rediss://user:pw@redis.example:6380',
  );
  // Nodes with a secret each in their own DATA_DIR would refuse each other's tokens.
  assert.throws(
    () => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }),
    (error: unknown) => error instanceof ConfigError && error.variable === 'JWT_SECRET' && /REDIS_URL/.test(error.message),
  );
  for (const [value, message] of [
    ['localhost:6379', /must be a redis: or rediss: URL/],
    ['not a url', /is not a URL/],
    ['http://secret@127.0.0.1:6379', /must be a redis: or rediss: URL, got http:/],
    ['redis://127.0.0.1:6379/x', /database number/],
  ] as const) {
    assert.throws(
      () => loadConfig({ JWT_SECRET, REDIS_URL: value }),
      (error: unknown) =>
        error instanceof ConfigError && error.variable === 'REDIS_URL' && message.test(error.message) && !error.message.includes('secret'),
      value,
    );
  }
});
