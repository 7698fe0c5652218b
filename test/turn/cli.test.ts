/**
 * `npm run turn` as a developer uses it: coturn started with the backend's
 * TURN_SECRET and the port of TURN_URLS, checked with coturn's own client
 * (a TURN allocation with that secret works, with another it does not),
 * stopped by Ctrl-C without leaving coturn behind; and clear refusals when
 * the configuration cannot work.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '../../testing/turn.js';
import { newSecret, REPO_ROOT } from './support.js';

const SCRIPT = join(REPO_ROOT, 'scripts', 'turn.ts');

/** Environment without the caller's TURN settings, plus `extra`. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const name of ['TURN_SECRET', 'TURN_URLS', 'TURN_TTL', 'STUN_URLS', 'ICE_TRANSPORT_POLICY']) delete clean[name];
  return { ...clean, ...extra };
}

/** coturn's test client: one allocation with a REST-API secret; resolves whether it completed. */
function allocates(secret: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      'turnutils_uclient',
      ['-W', secret, '-u', 'probe', '-y', '-n', '1', '-p', String(port), '127.0.0.1'],
      { timeout: 20_000 },
      (error) => resolve(error === null),
    );
  });
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('npm run turn: coturn with the backend secret on the port of TURN_URLS, stopped by SIGINT', async (t) => {
  const secret = newSecret();
  const port = await freePort('127.0.0.1');
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: REPO_ROOT,
    env: env({ TURN_SECRET: secret, TURN_URLS: `turn:127.0.0.1:${port}?transport=udp` }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within 30 s:\n${output}`)), 30_000);
    const check = () => {
      const match = /coturn \(pid (\d+)\) is answering on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  const coturnPid = Number(ready[1]);
  assert.equal(Number(ready[2]), port, 'listens on the port of TURN_URLS');

  assert.equal(await allocates(secret, port), true, 'a credential from the backend secret is accepted');
  assert.equal(await allocates(newSecret(), port), false, 'a credential from another secret is refused');

  child.kill('SIGINT');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output);
  assert.equal(isAlive(coturnPid), false, 'coturn is gone');
});

test('npm run turn refuses a configuration that cannot work, naming what to fix', async () => {
  const run = (extra: Record<string, string>, args: string[] = []) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', SCRIPT, ...args],
        { cwd: REPO_ROOT, env: env(extra), timeout: 30_000 },
        (error, _stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }),
      );
    });
  const noSecret = await run({});
  assert.equal(noSecret.code, 1);
  assert.match(noSecret.stderr, /TURN_SECRET is not set/);

  const badUrl = await run({ TURN_SECRET: 'x', TURN_URLS: 'http://127.0.0.1:3478' });
  assert.equal(badUrl.code, 1);
  assert.match(badUrl.stderr, /TURN_URLS/);

  const badPort = await run({ TURN_SECRET: 'x' }, ['--port', 'abc']);
  assert.equal(badPort.code, 1);
  assert.match(badPort.stderr, /--port: expected a whole number/);

  const badRange = await run({ TURN_SECRET: 'x' }, ['--min-port', '60000', '--max-port', '50000']);
  assert.equal(badRange.code, 1);
  assert.match(badRange.stderr, /port range 60000-50000/);

  const unknown = await run({ TURN_SECRET: 'x' }, ['--bogus']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /bogus/);
});
