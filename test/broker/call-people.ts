/**
 * People speaking the inbox messages of PROTOCOL.md §3 as raw MQTT clients (no widget), and their
 * call history as the broker recorded it (§7): shared by the history tests on one node and on several.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { MqttClient } from 'mqtt';
import {
  HISTORY_PATHS,
  inboxTopic,
  inboxWildcard,
  noticeTopic,
  validateCallEntry,
  type AuthResponse,
  type CallHistoryEntry,
  type CallHistoryPage,
} from '../../src/protocol/index.js';
import { collect, connectAs, nextMessage, publish, register, request, subscribeGranted, type TestBackend } from './support.js';

/** One person on one tab: their client, its clientId (the `sid` of their messages) and what it received. */
export interface Person {
  auth: AuthResponse;
  id: string;
  client: MqttClient;
  sid: string;
  received: ReturnType<typeof collect>;
}

/** `auth`'s tab on `backend`, subscribed to their inbox and notice topic (a new account named `name` without `auth`). */
export async function person(t: TestContext, backend: TestBackend, name: string, auth?: AuthResponse): Promise<Person> {
  const account = auth ?? (await register(backend, { name }));
  const client = await connectAs(t, backend, account);
  const received = collect(client);
  assert.deepEqual(await subscribeGranted(client, [inboxWildcard(account.user.id), noticeTopic(account.user.id)]), [0, 0]);
  return { auth: account, id: account.user.id, client, sid: client.options.clientId!, received };
}

export const newCallId = () => randomBytes(12).toString('base64url');

/** Publishes one call message from `from` to `to`. */
export function send(from: Person, to: Person, type: string, callId: string, extra: Record<string, unknown> = {}): Promise<void> {
  return publish(from.client, inboxTopic(to.id, from.id), JSON.stringify({ type, callId, sid: from.sid, ...extra }));
}

/** Invites `to` and waits until the invite reached them: the callee answers what it received, as a widget does. */
export async function invite(from: Person, to: Person, callId: string): Promise<void> {
  await send(from, to, 'invite', callId, { media: { audio: true, video: false } });
  await nextMessage(to.client, (m) => m.topic === inboxTopic(to.id, from.id) && m.payload.includes(callId), to.received);
}

export async function historyOf(backend: TestBackend, who: Person, query = ''): Promise<CallHistoryPage> {
  const result = await request<CallHistoryPage>(backend, 'GET', `${HISTORY_PATHS.calls}${query}`, { token: who.auth.token });
  assert.equal(result.status, 200, JSON.stringify(result.body));
  for (const entry of result.body.calls) assert.deepEqual(validateCallEntry(entry), entry);
  return result.body;
}

/** Waits until `who` has the entry of `callId` (the broker writes it once the call is over), via their notice topic. */
export async function entryOf(backend: TestBackend, who: Person, callId: string): Promise<CallHistoryEntry> {
  for (let i = 0; i < 50; i++) {
    const found = (await historyOf(backend, who)).calls.find((c) => c.callId === callId);
    if (found) return found;
    await nextMessage(who.client, (m) => m.topic === noticeTopic(who.id) && JSON.parse(m.payload).type === 'calls');
  }
  throw new Error('no entry');
}
