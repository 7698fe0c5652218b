/**
 * The release as an operator gets it (issue #18): `npm pack` (which builds
 * from a clean dist/), `npm install <tarball> --omit=dev` in an empty folder,
 * `npx rtc-call` on a free loopback port with its own data folder. It serves
 * /healthz and the widget, registers and signs in over HTTP, accepts an
 * MQTT connection with the token (topic ACLs included), and exits 0 on
 * SIGTERM, without tsx, TypeScript or rollup installed.
 *
 * `npm pack` rebuilds this clone's dist/ (its `prepack`): do not run this
 * beside suites that serve dist/. The tarball is the run's one (./support.ts).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { API_PATHS, inboxWildcard, type AuthResponse } from '../../src/protocol/index.js';
import { connectAs, register, request, subscribeGranted, tempDir } from '../broker/support.js';
import { processTree, startMainProcess } from '../support/test-backend.js';
import { installRelease, installedPackages, operatorEnv, releaseTarball } from './support.js';

/** Packages that must not be installed with --omit=dev: the backend runs compiled JavaScript. */
const BUILD_TOOLS = ['tsx', 'typescript', 'rollup'];

/** The backend's own process under npx (→ sh → node …/.bin/rtc-call). */
function serverPid(npx: ChildProcess): number {
  const pid = processTree(npx.pid!).find((child) => {
    const argv = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
    return argv[1]?.endsWith(join('.bin', 'rtc-call'));
  });
  assert.ok(pid, 'npx runs the rtc-call bin as a process of its own');
  return pid;
}

test('the packed release installs without dev tools and runs the backend with npx rtc-call', { timeout: 240_000 }, async (t) => {
  const dir = await tempDir(t, 'rtc-call-release-');
  const tarball = await releaseTarball();
  const app = join(dir, 'app');
  await installRelease(app, tarball);

  const installed = installedPackages(join(app, 'node_modules'));
  assert.ok(installed.includes('rtc-call') && installed.includes('fastify'), `installed: ${installed.join(', ')}`);
  for (const tool of BUILD_TOOLS) assert.ok(!installed.includes(tool), `${tool} is not installed with --omit=dev`);
  const packed = join(app, 'node_modules', 'rtc-call');
  assert.ok(existsSync(join(packed, 'dist', 'server', 'broker', 'main.js')), 'the compiled backend is in the tarball');
  assert.ok(!existsSync(join(packed, 'broker')) && !existsSync(join(packed, 'src')), 'no TypeScript sources in the tarball');

  const release = await startMainProcess({
    command: ['npx', 'rtc-call'],
    cwd: app,
    baseEnv: operatorEnv(),
    dataDir: join(dir, 'data'),
    env: { SCRYPT_COST: '1024' },
    group: true,
    closeAfter: t,
  });
  const exited = new Promise<number | null>((resolve) => release.child.once('exit', (code) => resolve(code)));
  const backend = { origin: release.origin, wsUrl: `${release.origin.replace(/^http/, 'ws')}/mqtt` };

  const health = await request(backend, 'GET', API_PATHS.healthz);
  assert.deepEqual([health.status, health.body], [200, { status: 'ok' }]);
  const bundle = await fetch(`${release.origin}/rtc-call.js`);
  assert.equal(bundle.status, 200);
  assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
  assert.match(await bundle.text(), /customElements/, 'the built widget, not a placeholder');
  const demo = await fetch(`${release.origin}/`);
  assert.match(await demo.text(), /<rtc-call/, 'the demo page');

  const registered = await register(backend, { name: 'Ada', email: 'ada@example.test' });
  const login = await request<AuthResponse>(backend, 'POST', API_PATHS.login, {
    json: { email: 'ada@example.test', password: registered.password },
  });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  assert.equal(login.body.user.id, registered.user.id);

  const other = await register(backend, { name: 'Bo', email: 'bo@example.test' });
  const client = await connectAs(t, backend, login.body);
  assert.deepEqual(await subscribeGranted(client, [inboxWildcard(login.body.user.id), inboxWildcard(other.user.id)]), [0, 128]);
  await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));

  // The backend itself gets the SIGTERM (as systemd sends it); npx passes its exit code on.
  process.kill(serverPid(release.child), 'SIGTERM');
  assert.equal(await exited, 0, release.output());
  assert.match(release.output(), /SIGTERM: shutting down/);
});
