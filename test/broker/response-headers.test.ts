/**
 * Response headers (PROTOCOL.md §1): nothing from /api/ is cached (tokens,
 * TURN credentials), and every response forbids MIME sniffing and sends no
 * Referer. The bundle's own headers and source maps: static.test.ts.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { API_PATHS } from '../../src/protocol/index.js';
import { register, request, startTestBackend, tempDir } from './support.js';

/** A dist/ folder with the entry only, and an empty demo/. */
async function bundleOnly(t: TestContext) {
  const distDir = await tempDir(t, 'rtc-call-headers-');
  await writeFile(join(distDir, 'rtc-call.js'), 'export {};\n');
  return { distDir, demoDir: join(distDir, 'no-demo') };
}

test('every /api/ response, above all those carrying a token, is not stored by any cache', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t });
  const password = 'correct horse battery';
  const registered = await request(backend, 'POST', API_PATHS.register, { json: { name: 'Ada', email: 'ada@example.test', password } });
  const loggedIn = await request(backend, 'POST', API_PATHS.login, { json: { email: 'ada@example.test', password } });
  const renewed = await request(backend, 'POST', API_PATHS.token, { token: registered.body.token });
  for (const [what, result] of [
    ['register', registered],
    ['login', loggedIn],
    ['token', renewed],
  ] as const) {
    assert.ok(result.body.token, `${what} carries a token`);
    assert.equal(result.headers.get('cache-control'), 'no-store', what);
  }
  const others = [
    await request(backend, 'GET', API_PATHS.me, { token: registered.body.token }),
    await request(backend, 'GET', API_PATHS.iceServers, { token: registered.body.token }),
    await request(backend, 'GET', API_PATHS.me),
    await request(backend, 'POST', API_PATHS.login, { json: { email: 'ada@example.test', password: 'wrong password' } }),
    await request(backend, 'GET', '/api/nope'),
  ];
  assert.deepEqual(
    others.map((r) => r.status),
    [200, 200, 401, 401, 404],
  );
  for (const result of others) assert.equal(result.headers.get('cache-control'), 'no-store');
});

test('every response says nosniff and no-referrer: API, errors, static files, 404s', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, ...(await bundleOnly(t)) });
  const user = await register(backend);
  const results = [
    await request(backend, 'GET', API_PATHS.healthz),
    await request(backend, 'GET', API_PATHS.me, { token: user.token }),
    await request(backend, 'POST', API_PATHS.login, { body: '{', headers: { 'content-type': 'application/json' } }),
    await request(backend, 'POST', API_PATHS.login, { body: 'x', headers: { 'content-type': 'text/plain' } }),
    await request(backend, 'GET', '/rtc-call.js'),
    await request(backend, 'GET', '/nothing-here.js'),
    await request(backend, 'OPTIONS', API_PATHS.login, {
      headers: { origin: 'https://site.example', 'access-control-request-method': 'POST' },
    }),
  ];
  assert.deepEqual(
    results.map((r) => r.status),
    [200, 200, 400, 415, 200, 404, 204],
  );
  for (const result of results) {
    assert.equal(result.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(result.headers.get('referrer-policy'), 'no-referrer');
  }
});
