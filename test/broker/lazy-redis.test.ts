/**
 * A backend without REDIS_URL (one node, the JSON stores) loads none of the Redis packages: they
 * cost every single-node install memory and start time. The real backend (`broker/main.ts`, as
 * `npm start` runs it) starts in a child process with test/support/module-log.mjs, which writes
 * down every module it resolves; once /healthz answers and a person registered and connected
 * over MQTT, the list must hold none of them. With REDIS_URL on a real redis-server, the same
 * list must hold every one of them, and the node works.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startRedis } from '../support/redis-server.js';
import { REPO_ROOT, TEST_BACKEND_SETTINGS, startMainProcess } from '../support/test-backend.js';
import { connectAs, register, request, tempDir } from './support.js';

const MODULE_LOG_HOOK = pathToFileURL(join(REPO_ROOT, 'test', 'support', 'module-log.mjs')).href;

/** `node` running one of the backend's entry points from its sources, with the module log. */
const withModuleLog = (script: string): [string, ...string[]] => [
  process.execPath,
  '--import',
  'tsx',
  '--import',
  MODULE_LOG_HOOK,
  join(REPO_ROOT, 'broker', script),
];

/** This process's environment without the REDIS_URL of `npm run test:broker:redis`: each case says whether it has one. */
function envWithoutRedis(): NodeJS.ProcessEnv {
  const { REDIS_URL: _unused, ...env } = process.env;
  return env;
}

/** The modules in a module log, as paths from the repository's root. */
async function modulesIn(log: string): Promise<string[]> {
  const urls = (await readFile(log, 'utf8')).split('\n').filter((url) => url.startsWith('file:'));
  return [...new Set(urls.map((url) => relative(REPO_ROOT, fileURLToPath(url)).split('\\').join('/')))];
}

/** What only a backend on Redis needs, by path from the repository's root. */
const REDIS_ONLY = {
  ioredis: /(^|\/)node_modules\/ioredis\//,
  'mqemitter-redis': /(^|\/)node_modules\/mqemitter-redis\//,
  'aedes-persistence-redis': /(^|\/)node_modules\/aedes-persistence-redis\//,
  'broker/store/redis-*': /^broker\/store\/redis-[^/]+\.ts$/,
  'broker/cluster/{cluster,bus,node-registry,shared-presence}': /^broker\/cluster\/(cluster|bus|node-registry|shared-presence)\.ts$/,
} as const;

/**
 * Starts broker/main.ts with the module log; registers someone and connects them over MQTT
 * (the stores, the HTTP API and the broker all in use), stops it, and gives the modules it
 * loaded as paths from the repository's root, and the JSON files it left in DATA_DIR.
 */
async function runBackend(t: TestContext, env: Record<string, string>): Promise<{ modules: string[]; jsonFiles: string[] }> {
  const dir = await tempDir(t, 'rtc-call-lazy-redis-');
  const log = join(dir, 'modules.log');
  const backend = await startMainProcess({
    dataDir: dir,
    baseEnv: envWithoutRedis(),
    env: {
      RTC_MODULE_LOG: log,
      SCRYPT_COST: String(TEST_BACKEND_SETTINGS.scryptCost),
      AUTH_RATE_MAX: String(TEST_BACKEND_SETTINGS.authRateMax),
      ...env,
    },
    command: withModuleLog('main.ts'),
    closeAfter: t,
  });
  try {
    const health = await request(backend, 'GET', '/healthz');
    assert.equal(health.status, 200, JSON.stringify(health.body));
    const ada = await register(backend, { name: 'Ada' });
    const client = await connectAs(t, { wsUrl: `${backend.origin.replace(/^http/, 'ws')}/mqtt` }, ada);
    await client.endAsync();
  } finally {
    await backend.stop();
  }
  const jsonFiles = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  return { modules: await modulesIn(log), jsonFiles };
}

const loadedOf = (modules: string[], pattern: RegExp) => modules.filter((path) => pattern.test(path));

test('without REDIS_URL the backend loads no Redis package nor Redis store', { timeout: 60_000 }, async (t) => {
  const { modules, jsonFiles } = await runBackend(t, {});
  // The log works: the backend's own modules and its embedded stores are in it.
  assert.ok(modules.includes('broker/main.ts') && modules.includes('broker/store/json-user-store.ts'), modules.join('\n'));
  for (const [what, pattern] of Object.entries(REDIS_ONLY)) assert.deepEqual(loadedOf(modules, pattern), [], `${what} was loaded`);
  // Ada's account is in the embedded store.
  assert.ok(jsonFiles.includes('users.json'), jsonFiles.join(', '));
});

test('with REDIS_URL the backend loads them and works on Redis', { timeout: 60_000 }, async (t) => {
  const redis = await startRedis(t);
  const { modules, jsonFiles } = await runBackend(t, { REDIS_URL: redis.url, JWT_SECRET: 'one secret for this node, long enough to pass' });
  for (const [what, pattern] of Object.entries(REDIS_ONLY)) assert.notDeepEqual(loadedOf(modules, pattern), [], `${what} was not loaded`);
  // Ada's account went to Redis: the node wrote no store file.
  assert.deepEqual(jsonFiles, []);
});

test('the admin CLI loads none of them but for migrate-to-redis (here: list)', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t, 'rtc-call-lazy-redis-');
  const log = join(dir, 'modules.log');
  const [node, ...args] = withModuleLog('admin.ts');
  const { stdout } = await promisify(execFile)(node, [...args, 'list'], {
    cwd: REPO_ROOT,
    env: { ...envWithoutRedis(), DATA_DIR: dir, RTC_MODULE_LOG: log },
  });
  assert.equal(stdout, 'no users\n');
  const modules = await modulesIn(log);
  assert.ok(modules.includes('broker/admin.ts'), modules.join('\n'));
  for (const [what, pattern] of Object.entries(REDIS_ONLY)) assert.deepEqual(loadedOf(modules, pattern), [], `${what} was loaded`);
});
