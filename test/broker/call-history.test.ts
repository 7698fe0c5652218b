/**
 * Call history (PROTOCOL.md §7) as the broker records it from the signalling it relays: the
 * outcome on each side, only from the side that may send each message; pagination, deletion,
 * retention; and privacy: nobody reads anyone else's history, over HTTP or MQTT. The people
 * here are raw MQTT clients speaking the inbox messages of §3 (no widget).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { HISTORY_PATHS, callEntryPath, noticeTopic, type CallHistoryPage } from '../../src/protocol/index.js';
import type { Config } from '../../broker/config.js';
import { entryOf, historyOf, invite, newCallId, person, send } from './call-people.js';
import { CALLS_FILE } from '../../broker/store/json-call-history-store.js';
import {
  REPO_ROOT,
  assertError,
  closed,
  collect,
  publish,
  request,
  startTestBackend,
  subscribeGranted,
  tempDir,
  jsonFilesOnly,
} from './support.js';

/** A backend (with `config`) and Ada and Bob on it, one tab each. */
async function adaAndBob(t: TestContext, config: Partial<Config> = {}) {
  const backend = await startTestBackend({ closeAfter: t, ...config });
  return { backend, ada: await person(t, backend, 'Ada'), bob: await person(t, backend, 'Bob') };
}

test('declined, cancelled and answered calls are recorded on each side with its own outcome', { timeout: 60_000 }, async (t) => {
  const { backend, ada, bob } = await adaAndBob(t);

  const declined = newCallId();
  await invite(ada, bob, declined);
  await send(bob, ada, 'ringing', declined);
  await send(bob, ada, 'reject', declined, { reason: 'declined' });
  const adaDeclined = await entryOf(backend, ada, declined);
  const bobDeclined = await entryOf(backend, bob, declined);
  assert.equal(adaDeclined.outcome, 'declined');
  assert.equal(adaDeclined.direction, 'outgoing');
  assert.deepEqual(adaDeclined.peer, { id: bob.id, name: 'Bob' });
  assert.equal(bobDeclined.outcome, 'declined');
  assert.equal(bobDeclined.direction, 'incoming');
  assert.deepEqual(bobDeclined.peer, { id: ada.id, name: 'Ada' });
  assert.equal(adaDeclined.durationMs, 0);
  assert.equal(adaDeclined.answeredAt, null);
  assert.notEqual(adaDeclined.id, bobDeclined.id);

  const cancelled = newCallId();
  await invite(ada, bob, cancelled);
  await send(ada, bob, 'cancel', cancelled);
  assert.equal((await entryOf(backend, ada, cancelled)).outcome, 'cancelled');
  assert.equal((await entryOf(backend, bob, cancelled)).outcome, 'missed');

  const answered = newCallId();
  await invite(ada, bob, answered);
  await send(ada, bob, 'offer', answered, { sdp: 'v=0 offer' });
  await send(bob, ada, 'accept', answered);
  await send(bob, ada, 'answer', answered, { sdp: 'v=0 answer' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await send(bob, ada, 'hangup', answered);
  const adaAnswered = await entryOf(backend, ada, answered);
  assert.equal(adaAnswered.outcome, 'answered');
  assert.equal((await entryOf(backend, bob, answered)).outcome, 'answered');
  assert.ok(adaAnswered.durationMs >= 250 && adaAnswered.durationMs < 5_000, String(adaAnswered.durationMs));
  assert.ok(adaAnswered.answeredAt! >= adaAnswered.startedAt);

  // Accepted, but the link was never set up (no SDP answer passed): failed, whoever hangs up.
  const failed = newCallId();
  await invite(ada, bob, failed);
  await send(bob, ada, 'accept', failed);
  await send(ada, bob, 'hangup', failed);
  assert.equal((await entryOf(backend, ada, failed)).outcome, 'failed');
  assert.equal((await entryOf(backend, bob, failed)).outcome, 'failed');

  // The callee's only tab refuses busy: busy on both sides.
  const busy = newCallId();
  await invite(ada, bob, busy);
  await send(bob, ada, 'reject', busy, { reason: 'busy' });
  assert.equal((await entryOf(backend, ada, busy)).outcome, 'busy');
  assert.equal((await entryOf(backend, bob, busy)).outcome, 'busy');
});

test('only the side that may send a message moves the call: claims about the other side are ignored', { timeout: 60_000 }, async (t) => {
  const { backend, ada, bob } = await adaAndBob(t);
  const callId = newCallId();
  await invite(ada, bob, callId);
  // The caller cannot answer, refuse or accept for the callee; the callee cannot cancel for the caller.
  await send(ada, bob, 'accept', callId);
  await send(ada, bob, 'reject', callId, { reason: 'declined' });
  await send(bob, ada, 'cancel', callId);
  // A third person cannot speak for either (the ACL would refuse their sender slot; a message of their own is another pair).
  const eve = await person(t, backend, 'Eve');
  await send(eve, ada, 'reject', callId, { reason: 'declined' });
  await send(eve, bob, 'cancel', callId);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual((await historyOf(backend, ada)).calls, []);
  assert.deepEqual((await historyOf(backend, eve)).calls, []);
  await send(bob, ada, 'reject', callId, { reason: 'declined' });
  assert.equal((await entryOf(backend, ada, callId)).outcome, 'declined');
  assert.equal((await entryOf(backend, bob, callId)).outcome, 'declined');
  assert.deepEqual((await historyOf(backend, eve)).calls, []);
});

test('an answered call whose tab drops ends when the drop was, once it has not come back', { timeout: 60_000 }, async (t) => {
  const dataDir = await tempDir(t);
  const { backend, ada, bob } = await adaAndBob(t, { dataDir });
  const callId = newCallId();
  await invite(ada, bob, callId);
  await send(bob, ada, 'accept', callId);
  await send(bob, ada, 'answer', callId, { sdp: 'v=0' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  // Nothing recorded while the call is on.
  assert.deepEqual((await historyOf(backend, ada)).calls, []);
  bob.client.end(true);
  await closed(bob.client);
  // The lost-tab grace (30 s) is the recorder's unit test's; here the backend's close ends the call as it stood.
  await backend.close();
  const again = await startTestBackend({ closeAfter: t, dataDir });
  const page = await request<CallHistoryPage>(again, 'GET', HISTORY_PATHS.calls, { token: ada.auth.token });
  const entry = page.body.calls.find((c) => c.callId === callId)!;
  assert.equal(entry.outcome, 'answered');
  // Ended when Bob's tab dropped, not when the backend stopped.
  assert.ok(entry.endedAt - entry.answeredAt! < 2_000);
});

test('GET /api/calls pages newest first with a cursor; DELETE removes one own entry only', { timeout: 60_000 }, async (t) => {
  const { backend, ada, bob } = await adaAndBob(t);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const callId = newCallId();
    ids.push(callId);
    await invite(ada, bob, callId);
    await send(bob, ada, 'reject', callId, { reason: 'declined' });
    await entryOf(backend, ada, callId);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const first = await historyOf(backend, ada, '?limit=2');
  assert.deepEqual(
    first.calls.map((c) => c.callId),
    [ids[4], ids[3]],
  );
  assert.ok(first.next);
  const second = await historyOf(backend, ada, `?limit=2&cursor=${encodeURIComponent(first.next)}`);
  assert.deepEqual(
    second.calls.map((c) => c.callId),
    [ids[2], ids[1]],
  );
  const third = await historyOf(backend, ada, `?limit=2&cursor=${encodeURIComponent(second.next!)}`);
  assert.deepEqual(
    third.calls.map((c) => c.callId),
    [ids[0]],
  );
  assert.equal(third.next, null);
  assert.equal((await historyOf(backend, ada)).calls.length, 5);

  assertError(await request(backend, 'GET', `${HISTORY_PATHS.calls}?cursor=nonsense`, { token: ada.auth.token }), 400, 'invalid_input');
  assertError(await request(backend, 'GET', `${HISTORY_PATHS.calls}?limit=0`, { token: ada.auth.token }), 400, 'invalid_input');
  assertError(await request(backend, 'GET', `${HISTORY_PATHS.calls}?limit=101`, { token: ada.auth.token }), 400, 'invalid_input');
  assertError(await request(backend, 'GET', `${HISTORY_PATHS.calls}?user=${bob.id}`, { token: ada.auth.token }), 400, 'invalid_input');

  const adaEntry = first.calls[0]!;
  const bobEntry = (await historyOf(backend, bob)).calls[0]!;
  // Bob cannot delete Ada's entry: not found, as if it did not exist, and it stays.
  assertError(await request(backend, 'DELETE', callEntryPath(adaEntry.id), { token: bob.auth.token }), 404, 'not_found');
  assert.equal((await historyOf(backend, ada)).calls[0]!.id, adaEntry.id);
  const deleted = await request(backend, 'DELETE', callEntryPath(adaEntry.id), { token: ada.auth.token });
  assert.equal(deleted.status, 204);
  assertError(await request(backend, 'DELETE', callEntryPath(adaEntry.id), { token: ada.auth.token }), 404, 'not_found');
  assert.equal((await historyOf(backend, ada)).calls.length, 4);
  // Bob's entry of the same call is his own, and stays.
  assert.equal((await historyOf(backend, bob)).calls[0]!.id, bobEntry.id);
  assert.equal((await historyOf(backend, bob)).calls.length, 5);
});

test(
  'nobody reads anyone else history: HTTP answers only for the token, MQTT refuses others notice topics',
  { timeout: 60_000 },
  async (t) => {
    const { backend, ada, bob } = await adaAndBob(t);
    const eve = await person(t, backend, 'Eve');
    const callId = newCallId();
    await invite(ada, bob, callId);
    await send(bob, ada, 'reject', callId, { reason: 'declined' });
    await entryOf(backend, ada, callId);
    assert.deepEqual((await historyOf(backend, eve)).calls, []);
    for (const path of [HISTORY_PATHS.calls, HISTORY_PATHS.privacy]) {
      assertError(await request(backend, 'GET', path), 401, 'unauthorized');
      assertError(await request(backend, 'GET', path, { token: 'forged.token.value' }), 401, 'unauthorized');
    }
    assertError(await request(backend, 'POST', HISTORY_PATHS.callsSeen), 401, 'unauthorized');
    // There is no route that names someone else.
    assertError(await request(backend, 'GET', `${HISTORY_PATHS.calls}/${ada.id}`, { token: eve.auth.token }), 404, 'not_found');

    // Eve's raw client: Ada's notice topic, and every wildcard that would cover it, are refused.
    const eveWatch = collect(eve.client);
    const refused = await subscribeGranted(eve.client, [
      noticeTopic(ada.id),
      'rtc/v1/notice/+',
      'rtc/v1/notice/#',
      'rtc/v1/+/' + ada.id,
      '#',
    ]);
    assert.deepEqual(refused, [128, 128, 128, 128, 128]);
    // Publishing on a notice topic (to fake a notice) disconnects the publisher.
    await publish(eve.client, noticeTopic(ada.id), JSON.stringify({ type: 'calls' }));
    await closed(eve.client);
    // Ada's own tab got her notices; Eve got none of hers.
    const second = newCallId();
    await invite(ada, bob, second);
    await send(bob, ada, 'reject', second, { reason: 'declined' });
    await entryOf(backend, ada, second);
    assert.ok(ada.received.some((m) => m.topic === noticeTopic(ada.id)));
    assert.ok(!eveWatch.some((m) => m.topic === noticeTopic(ada.id) || m.topic === noticeTopic(bob.id)));
    assert.ok(!eve.received.some((m) => m.topic !== noticeTopic(eve.id) && m.topic.startsWith('rtc/v1/notice/')));
  },
);

test(
  'deleting an account (admin CLI) deletes its history; the other person keeps theirs',
  { ...jsonFilesOnly, timeout: 120_000 },
  async (t) => {
    const dataDir = await tempDir(t);
    const { backend, ada, bob } = await adaAndBob(t, { dataDir });
    const callId = newCallId();
    await invite(ada, bob, callId);
    await send(bob, ada, 'reject', callId, { reason: 'declined' });
    await entryOf(backend, bob, callId);
    const deleted = await runAdmin(dataDir, ['delete', `--id=${bob.id}`]);
    assert.equal(deleted.code, 0, deleted.stderr);
    const file = JSON.parse(await readFile(join(dataDir, CALLS_FILE), 'utf8')) as { owners: Record<string, unknown> };
    assert.deepEqual(Object.keys(file.owners), [ada.id]);
    assert.equal((await historyOf(backend, ada)).calls[0]!.peer.name, 'Bob');
  },
);

/** The admin CLI on `dataDir`, as an operator runs it. */
function runAdmin(dataDir: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'broker/admin.ts'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATA_DIR: dataDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('missed calls count until seen; entries past HISTORY_DAYS expire', { ...jsonFilesOnly, timeout: 60_000 }, async (t) => {
  let now = Date.now();
  const { backend, ada, bob } = await adaAndBob(t, { historyDays: 2, historyClock: () => now });
  const callId = newCallId();
  await invite(ada, bob, callId);
  await send(ada, bob, 'cancel', callId);
  await entryOf(backend, bob, callId);
  assert.equal((await historyOf(backend, bob)).unseenMissed, 1);
  assert.equal((await historyOf(backend, ada)).unseenMissed, 0);
  assert.equal((await request(backend, 'POST', HISTORY_PATHS.callsSeen, { token: bob.auth.token })).status, 204);
  assert.equal((await historyOf(backend, bob)).unseenMissed, 0);

  now += 2 * 24 * 3600 * 1000 - 60_000;
  assert.equal((await historyOf(backend, bob)).calls.length, 1);
  now += 120_000;
  // Past the retention: gone from every answer at once, before any prune.
  assert.deepEqual((await historyOf(backend, bob)).calls, []);
  assert.deepEqual((await historyOf(backend, ada)).calls, []);
  // And from the file at the next write.
  const other = newCallId();
  await invite(ada, bob, other);
  await send(ada, bob, 'cancel', other);
  await entryOf(backend, bob, other);
  const file = await readFile(join(backend.config.dataDir, 'calls.json'), 'utf8');
  assert.ok(!file.includes(callId));
  assert.ok(file.includes(other));
});
