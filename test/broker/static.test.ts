/**
 * Static serving: the widget bundle from dist/ (entry + hashed lazy chunks)
 * and the demo pages at `/`, cache headers, loading from other sites, source
 * maps only on request, the compiled backend never, and folders that do not
 * exist (yet).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { request, startTestBackend, tempDir } from './support.js';

async function site(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t, 'rtc-call-static-');
  const distDir = join(root, 'dist');
  const demoDir = join(root, 'demo');
  await mkdir(join(distDir, 'chunks'), { recursive: true });
  await mkdir(demoDir, { recursive: true });
  await writeFile(join(distDir, 'rtc-call.js'), 'export const entry = 1;\n');
  await writeFile(join(distDir, 'chunks', 'mqtt-3f2a9c1b.js'), 'export const chunk = 1;\n');
  // rollup writes source maps next to the bundle and its chunks.
  await writeFile(join(distDir, 'rtc-call.js.map'), '{"version":3,"sources":["../src/secret.ts"],"mappings":""}\n');
  await writeFile(join(distDir, 'chunks', 'mqtt-3f2a9c1b.js.map'), '{"version":3,"sources":[],"mappings":""}\n');
  await writeFile(join(demoDir, 'index.html'), '<!doctype html><title>demo</title><rtc-call></rtc-call>\n');
  await writeFile(join(demoDir, 'theming.html'), '<!doctype html><title>theming</title>\n');
  // The example site: served by its own server (demo/site/server.mjs), never by the backend.
  await mkdir(join(demoDir, 'site'), { recursive: true });
  await writeFile(join(demoDir, 'site', 'index.html'), '<!doctype html><title>example site</title>\n');
  await writeFile(join(demoDir, 'site', 'server.mjs'), 'const secret = 1;\n');
  // The compiled backend of a release (tsconfig.server.json): run, never served.
  await mkdir(join(distDir, 'server', 'broker'), { recursive: true });
  await writeFile(join(distDir, 'server', 'broker', 'main.js'), 'const secret = 1;\n');
  return { distDir, demoDir };
}

test('serves the bundle, its chunks and the demo pages with fitting cache headers', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, ...(await site(t)) });

  const entry = await fetch(`${backend.origin}/rtc-call.js`);
  assert.equal(entry.status, 200);
  assert.match(entry.headers.get('content-type') ?? '', /javascript/);
  assert.equal(await entry.text(), 'export const entry = 1;\n');
  assert.match(entry.headers.get('cache-control') ?? '', /max-age=60\b/);

  const chunk = await fetch(`${backend.origin}/chunks/mqtt-3f2a9c1b.js`);
  assert.equal(chunk.status, 200);
  assert.match(chunk.headers.get('content-type') ?? '', /javascript/);
  assert.match(chunk.headers.get('cache-control') ?? '', /max-age=31536000.*immutable/);

  const index = await fetch(`${backend.origin}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await index.text(), /<rtc-call>/);

  const theming = await fetch(`${backend.origin}/theming.html`);
  assert.equal(theming.status, 200);
  assert.match(await theming.text(), /theming/);

  for (const path of ['/site/', '/site/index.html', '/site/server.mjs']) {
    assert.equal((await fetch(`${backend.origin}${path}`)).status, 404, `${path} belongs to the example site`);
  }
  assert.equal((await fetch(`${backend.origin}/server/broker/main.js`)).status, 404, 'the compiled backend is not served');

  const missing = await fetch(`${backend.origin}/chunks/nope.js`);
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, 'not_found');
});

test('no path escapes the served folders', { timeout: 60_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, ...(await site(t)) });
  for (const path of ['/../package.json', '/%2e%2e/package.json', '/chunks/..%2f..%2fpackage.json', '/..%5cpackage.json']) {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${backend.origin}${path}`, { method: 'GET' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.ok(status === 404 || status === 403 || status === 400, `${path}: ${status}`);
  }
});

test('missing dist/ and demo/ folders do not stop the backend; files appear once built', { timeout: 60_000 }, async (t) => {
  const root = await tempDir(t, 'rtc-call-static-');
  const distDir = join(root, 'dist');
  const demoDir = join(root, 'demo');
  const backend = await startTestBackend({ closeAfter: t, distDir, demoDir });
  const before = await fetch(`${backend.origin}/rtc-call.js`);
  assert.equal(before.status, 404);
  assert.equal((await before.json()).error.code, 'not_found');
  assert.equal((await fetch(`${backend.origin}/healthz`)).status, 200);

  await mkdir(distDir, { recursive: true });
  await writeFile(join(distDir, 'rtc-call.js'), 'export {};\n');
  const after = await fetch(`${backend.origin}/rtc-call.js`);
  assert.equal(after.status, 200);
});

test('the bundle stays embeddable from another site', { timeout: 60_000 }, async (t) => {
  for (const allowedOrigins of ['*', ['https://site.example']] as const) {
    const backend = await startTestBackend({
      closeAfter: t,
      ...(await site(t)),
      allowedOrigins: allowedOrigins === '*' ? '*' : [...allowedOrigins],
    });
    for (const path of ['/rtc-call.js', '/chunks/mqtt-3f2a9c1b.js']) {
      // A module script is a CORS request from the embedding page.
      const result = await request(backend, 'GET', path, { headers: { origin: 'https://site.example' } });
      assert.equal(result.status, 200, path);
      // With nosniff, a script must come with a JavaScript type or the browser refuses it.
      assert.match(result.headers.get('content-type') ?? '', /^(text|application)\/javascript/, path);
      assert.equal(result.headers.get('access-control-allow-origin'), allowedOrigins === '*' ? '*' : 'https://site.example', path);
      // Sites isolated with Cross-Origin-Embedder-Policy may load it too; and it is cacheable, unlike the API.
      assert.equal(result.headers.get('cross-origin-resource-policy'), 'cross-origin', path);
      assert.notEqual(result.headers.get('cache-control'), 'no-store', path);
    }
  }
});

test('source maps are not served unless SERVE_SOURCE_MAPS asks for them', { timeout: 60_000 }, async (t) => {
  const files = await site(t);
  const hidden = await startTestBackend({ closeAfter: t, ...files });
  for (const path of ['/rtc-call.js.map', '/chunks/mqtt-3f2a9c1b.js.map']) {
    const result = await request(hidden, 'GET', path);
    assert.equal(result.status, 404, path);
    assert.equal(result.body.error.code, 'not_found');
  }
  assert.equal((await request(hidden, 'GET', '/rtc-call.js')).status, 200, 'the bundle itself is served');

  const shown = await startTestBackend({ closeAfter: t, ...files, serveSourceMaps: true });
  const map = await request(shown, 'GET', '/rtc-call.js.map');
  assert.equal(map.status, 200);
  assert.deepEqual(map.body.sources, ['../src/secret.ts']);
  assert.equal((await request(shown, 'GET', '/chunks/mqtt-3f2a9c1b.js.map')).status, 200);
});
