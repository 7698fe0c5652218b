/**
 * Helpers for backend tests: temporary data folders (removed in `t.after`),
 * HTTP calls, and real MQTT.js clients over WebSocket, against the backend
 * test/support/test-backend.ts starts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { SignJWT } from 'jose';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { REPO_ROOT, type TestBackend } from '../support/test-backend.js';
import type { AuthResponse } from '../../src/protocol/index.js';

/** The backend these tests start: test/support/test-backend.ts (pass `closeAfter: t`). */
export { REPO_ROOT, TEST_BACKEND_SETTINGS, startTestBackend, type TestBackend } from '../support/test-backend.js';

export async function tempDir(t: TestContext, prefix = 'rtc-call-broker-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function request<T = any>(
  backend: { origin: string },
  method: string,
  path: string,
  options: { json?: unknown; body?: string; headers?: Record<string, string>; token?: string } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${backend.origin}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('application/json')) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** The answer is `status` with the contract's error shape `{ error: { code, message } }` and this code. */
export function assertError(result: { status: number; body: unknown }, status: number, code: string): void {
  assert.equal(result.status, status, JSON.stringify(result.body));
  const body = result.body as { error: { code: string; message: string } };
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
}

/** A backend's site account settings (HS256) and a way to sign its users in through their site. */
export const SITE = { issuer: 'https://site.test', secret: 'a site secret that is long enough!!' } as const;
export const SITE_ACCOUNTS = { accounts: 'both', siteJwtSecret: SITE.secret, siteJwtIssuer: SITE.issuer } as const;

/** Signs `sub` in through the site (a 5-minute HS256 site token, then POST /api/session). */
export async function siteSignIn(
  backend: { origin: string },
  sub: string,
  claims: { name: string; rooms?: string[] },
): Promise<AuthResponse> {
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(SITE.issuer)
    .setAudience('rtc-call')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SITE.secret));
  const result = await request<AuthResponse>(backend, 'POST', '/api/session', { json: { token } });
  if (result.status !== 200) throw new Error(`site sign-in failed: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

let counter = 0;

/** Registers a fresh user; returns the token and user. */
export async function register(
  backend: { origin: string },
  fields: Partial<{ name: string; email: string; password: string }> = {},
): Promise<AuthResponse & { password: string }> {
  counter += 1;
  const password = fields.password ?? 'correct horse battery';
  const result = await request<AuthResponse>(backend, 'POST', '/api/register', {
    json: { name: fields.name ?? `User ${counter}`, email: fields.email ?? `user${counter}-${Date.now()}@example.test`, password },
  });
  if (result.status !== 201) throw new Error(`register failed: ${result.status} ${JSON.stringify(result.body)}`);
  return { ...result.body, password };
}

export class ConnectRefused extends Error {
  constructor(readonly code: number | undefined) {
    super(`CONNACK refused with code ${code}`);
  }
}

/** The CONNACK return code a refused connection attempt got; fails the test when it was accepted. */
export async function refusedWith(promise: Promise<unknown>): Promise<number | undefined> {
  const error = await promise.then(
    () => assert.fail('connection was accepted'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConnectRefused, String(error));
  return error.code;
}

/** Connects an MQTT.js client; resolves once CONNACK accepted, rejects with ConnectRefused otherwise. */
export function connectMqtt(
  t: TestContext,
  backend: Pick<TestBackend, 'wsUrl'>,
  auth: { username?: string; password?: string; clientId?: string },
  options: IClientOptions = {},
): Promise<MqttClient> {
  const client = mqtt.connect(backend.wsUrl, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    clientId: auth.clientId ?? `${auth.username}:${Math.random().toString(36).slice(2)}`,
    ...(auth.username !== undefined && { username: auth.username }),
    ...(auth.password !== undefined && { password: auth.password }),
    ...options,
  });
  t.after(() => new Promise<void>((resolve) => client.end(true, {}, () => resolve())));
  // Errors after the CONNACK (the broker dropping a refused publisher) are expected in these tests;
  // without a listener an 'error' event would crash the test process.
  client.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (error) => reject(new ConnectRefused((error as { code?: number }).code)));
    client.once('close', () => reject(new ConnectRefused(undefined)));
  });
}

/** Connects as a registered user with a proper clientId. */
export function connectAs(t: TestContext, backend: Pick<TestBackend, 'wsUrl'>, user: AuthResponse, tab = 'tab'): Promise<MqttClient> {
  return connectMqtt(t, backend, {
    username: user.user.id,
    password: user.token,
    clientId: `${user.user.id}:${tab}-${Math.random().toString(36).slice(2, 8)}`,
  });
}

/** SUBACK granted QoS per topic (128 = refused). */
export function subscribeGranted(client: MqttClient, topics: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    client.subscribe(topics, { qos: 0 }, (error, granted) => {
      // MQTT.js reports any 0x80 as an error carrying the SUBACK; without error everything was granted.
      const suback = (error as { packet?: { cmd?: string; granted?: number[] } } | null)?.packet;
      if (suback?.cmd === 'suback' && suback.granted) return resolve(suback.granted);
      if (error || !granted) return reject(error ?? new Error('no SUBACK'));
      resolve(granted.map((g) => g.qos));
    });
  });
}

/** Resolves when the broker closes this client's connection. */
export function closed(client: MqttClient): Promise<void> {
  if (client.disconnected || !client.connected) return Promise.resolve();
  return new Promise((resolve) => client.once('close', () => resolve()));
}

/** Resolves with how long after `since` the broker closed `client`; rejects if it is still open `limitMs` after. */
export function closedWithin(client: MqttClient, since: number, limitMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`connection still open ${limitMs} ms after`)),
      Math.max(0, since + limitMs - Date.now()),
    );
    void closed(client).then(() => {
      clearTimeout(timer);
      resolve(Date.now() - since);
    });
  });
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** Collects every message a client receives. */
export function collect(client: MqttClient): Received[] {
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return messages;
}

/** Resolves with the first message (already received or next) that matches. */
export function nextMessage(client: MqttClient, match: (m: Received) => boolean, received?: Received[]): Promise<Received> {
  const earlier = received?.find(match);
  if (earlier) return Promise.resolve(earlier);
  return new Promise((resolve) => {
    const onMessage = (topic: string, payload: Buffer, packet: { retain: boolean }) => {
      const message = { topic, payload: payload.toString(), retain: packet.retain };
      if (!match(message)) return;
      client.off('message', onMessage);
      resolve(message);
    };
    client.on('message', onMessage);
  });
}

export function publish(client: MqttClient, topic: string, payload: string | Buffer, options: { retain?: boolean; qos?: 0 | 1 } = {}) {
  return new Promise<void>((resolve) =>
    client.publish(topic, payload, { qos: options.qos ?? 0, retain: options.retain ?? false }, () => resolve()),
  );
}

/**
 * One JSON request sent from a chosen local address (any of 127.0.0.0/8 is
 * this machine), so a test can play several clients with distinct addresses.
 */
export function requestFrom<T = any>(
  origin: string,
  localAddress: string,
  method: string,
  path: string,
  options: { json?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: T }> {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers: Record<string, string> = { ...options.headers, ...(body !== undefined && { 'content-type': 'application/json' }) };
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { method, headers, localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const json = (res.headers['content-type'] ?? '').includes('application/json');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: (json ? JSON.parse(text) : text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the admin CLI (`tsx broker/admin.ts`) as a child process with `env` added (DATA_DIR, REDIS_URL…) and cheap hashing. */
export function runAdmin(env: Record<string, string>, args: string[], stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'broker/admin.ts'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, SCRYPT_COST: '1024', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/**
 * Options for a test that reads or writes DATA_DIR's JSON files itself: with REDIS_URL in the
 * environment (`npm run test:broker:redis`) the stores are in Redis and the test skips, saying why.
 */
export const jsonFilesOnly: { skip?: string } = process.env.REDIS_URL
  ? { skip: "reads DATA_DIR's JSON store files, which a backend on Redis (REDIS_URL) does not write" }
  : {};
