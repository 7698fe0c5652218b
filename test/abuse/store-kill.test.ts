/**
 * The backend killed with SIGKILL in the middle of a stream of registrations
 * (a real `broker/main.ts` process, several times over one data folder):
 * every registration acknowledged with 201 before the kill can log in after
 * the restart, and the backend starts again cleanly each time.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { API_PATHS } from '../../src/protocol/index.js';
import { startMainProcess, type MainProcess } from '../support/test-backend.js';
import { tempDir } from '../broker/support.js';
import { Tally } from './support.js';

const tally = new Tally('held');
const PASSWORD = 'survives a kill -9';

/** `broker/main.ts` on `dataDir`, SIGKILLed when the test ends if it still runs. */
function startMain(t: TestContext, dataDir: string): Promise<MainProcess> {
  return startMainProcess({
    dataDir,
    env: { SCRYPT_COST: '1024', AUTH_RATE_MAX: '1000000', LOGIN_FAILURES_PER_ADDRESS: '1000000', LOG_LEVEL: 'silent' },
    closeAfter: t,
    timeoutMs: 20_000,
  });
}

async function post(origin: string, path: string, body: unknown): Promise<number | undefined> {
  try {
    const response = await fetch(`${origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined; // the process died under this request: not acknowledged
  }
}

test('no acknowledged registration is lost when the backend is killed with SIGKILL', async (t) => {
  const dataDir = await tempDir(t, 'rtc-call-abuse-kill-');
  const acknowledged: string[] = [];
  let unanswered = 0;

  const rounds = 3;
  for (let round = 0; round < rounds; round += 1) {
    const backend = await startMain(t, dataDir);
    if (round > 0) tally.record(`restart after SIGKILL ${round}: starts cleanly on the same data folder`, true);
    let stop = false;
    let sequence = 0;
    const worker = async () => {
      while (!stop) {
        const email = `kill-${round}-${sequence++}@example.test`;
        const status = await post(backend.origin, API_PATHS.register, { name: `Kill ${round}`, email, password: PASSWORD });
        if (status === 201) acknowledged.push(email);
        else if (status === undefined) unanswered += 1;
        else assert.fail(`registration answered ${status}`);
      }
    };
    const ackedBefore = acknowledged.length;
    const workers = Array.from({ length: 8 }, worker);
    // Kill once the stream is flowing — after a different count each round, so the kill
    // lands at different points of a write; bounded in time on a slow machine.
    const killAfter = 4 + round * 3;
    const deadline = Date.now() + 15_000;
    while (acknowledged.length - ackedBefore < killAfter && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const exited = once(backend.child, 'exit');
    // No new requests after the kill: what is cut off is what was in flight.
    stop = true;
    backend.child.kill('SIGKILL');
    await exited;
    await Promise.all(workers);
  }

  const backend = await startMain(t, dataDir);
  tally.record(`restart after SIGKILL ${rounds}: starts cleanly on the same data folder`, true);
  const lost: string[] = [];
  let next = 0;
  const login = async () => {
    while (next < acknowledged.length) {
      const email = acknowledged[next++]!;
      if ((await post(backend.origin, API_PATHS.login, { email, password: PASSWORD })) !== 200) lost.push(email);
    }
  };
  await Promise.all(Array.from({ length: 8 }, login));
  t.diagnostic(
    `${acknowledged.length} registrations acknowledged over ${rounds} kills, ${unanswered} in flight at a kill (unanswered), ${lost.length} lost`,
  );
  tally.recordMany('acknowledged registrations that log in after the kills', acknowledged.length, acknowledged.length - lost.length);
  assert.ok(acknowledged.length >= 10, 'the stream was acknowledging registrations when killed');
  assert.deepEqual(lost, [], 'every acknowledged registration survived');
  const health = await fetch(`${backend.origin}/healthz`);
  assert.equal(health.status, 200);
  backend.child.kill('SIGTERM');
  await once(backend.child, 'exit');
});

test('summary', (t) => {
  tally.report(t);
  assert.equal(tally.crashes, 0);
  assert.equal(tally.refused, tally.tried);
});
