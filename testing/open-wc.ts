/**
 * `rtc-call/testing/open-wc` (browser): @open-wc/testing fixtures for tests
 * under web-test-runner, against the backend that `testBackendPlugin()` (from
 * `rtc-call/testing`, in web-test-runner.config.mjs) starts for the run.
 * Import the widget itself first (`import 'rtc-call'`): this module does not,
 * so a test of your own build of it gets that one.
 */
import { fixture } from '@open-wc/testing';
import type { TestUser } from './accounts.js';
import { newTestUser, testBackendOrigin } from './test-page.js';

export type { TestUser } from './accounts.js';
export { newTestUser, testBackendOrigin } from './test-page.js';

/** The part of the widget's `Session` (README "Methods": the `session` getter) these helpers use. */
export interface TestSession {
  signIn(email: string, password: string): Promise<void>;
  register(name: string, email: string, password: string): Promise<void>;
  readonly state: {
    connection: string;
    user: { id: string; name: string } | null;
    peers: ReadonlyArray<{ id: string; name: string }>;
    error: { code: string; message: string } | null;
  };
}

/** `<rtc-call>` as the fixtures see it. */
export interface RtcCallFixture extends HTMLElement {
  readonly session: TestSession | undefined;
  readonly updateComplete: Promise<boolean>;
}

const escapeAttribute = (value: string) => value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Mounts `<rtc-call>` against the test backend (`server` set, `lang="en"`,
 * plus `attributes`: a string value, or true for a boolean attribute) and
 * waits for its first render. @open-wc/testing removes it after the test.
 */
export async function rtcCallFixture(attributes: Record<string, string | boolean> = {}): Promise<RtcCallFixture> {
  if (!customElements.get('rtc-call')) throw new Error("<rtc-call> is not defined: import 'rtc-call' (the widget) before the fixture");
  const all: Record<string, string | boolean> = { server: testBackendOrigin(), lang: 'en', ...attributes };
  const markup = Object.entries(all)
    .map(([name, value]) => (value === true ? name : value === false ? '' : `${name}="${escapeAttribute(value)}"`))
    .join(' ');
  const el = await fixture<RtcCallFixture>(`<rtc-call ${markup}></rtc-call>`);
  await el.updateComplete;
  return el;
}

/**
 * The widget's `Session`, signed in as `user` (a fresh account unless given)
 * and online: for a test that scripts the engine or checks what the
 * signed-in widget shows.
 */
export async function session(el: RtcCallFixture, user?: TestUser): Promise<{ session: TestSession; user: TestUser }> {
  const engine = el.session;
  if (!engine) throw new Error('the <rtc-call> has no session: is it connected to the document?');
  const account = user ?? (await newTestUser());
  await engine.signIn(account.email, account.password).catch((error: unknown) => {
    throw new Error(`signing in as ${account.email} failed: ${(error as Error).message ?? error}`, { cause: error });
  });
  if (!engine.state.user) throw new Error(`signing in as ${account.email} failed: ${engine.state.error?.message ?? 'no user'}`);
  // Signed in is not yet connected: wait for the broker link, as a person waits for "Online".
  const deadline = Date.now() + 20_000;
  while (engine.state.connection !== 'online') {
    if (Date.now() > deadline) throw new Error(`signed in as ${account.email}, but not online within 20 s (${engine.state.connection})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await el.updateComplete;
  return { session: engine, user: account };
}
