/**
 * The widget on a site served with a strict Content-Security-Policy: no
 * inline script or style, no eval, no blob: workers (worker-src falls back to
 * script-src). Alice's page has just that; Bob's also requires Trusted Types
 * for every script sink, with only Lit's own policy allowed (Chromium enforces
 * it; the test says whether Firefox ESR does). In Chromium↔Chromium and
 * Chromium↔Firefox ESR: both stay signed in on one connection for over two
 * keepalive periods, then chat and call with media, and neither page reports
 * a single violation.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_KEEPALIVE_SECONDS } from '../../src/core/signaling.js';
import { MQTT_PATH } from '../../src/protocol/index.js';
import { expectNoConnection } from './support/media-checks.js';
import { policyViolations, socketsOpened, waitForEvent } from './support/page-hooks.js';
import { connectCall, type Person } from './support/person.js';
import { describeEachPair, E2E_TEST_TIMEOUT } from './support/suite.js';

/** A strict policy with what README.md ("Content Security Policy") tells a site to add for a backend at `backend`. */
function strictPolicy(backend: string, trustedTypes: boolean): string {
  const socket = backend.replace(/^http/, 'ws');
  const directives = [
    "default-src 'none'",
    `script-src ${backend}`,
    `connect-src ${backend} ${socket}`,
    "style-src 'self'",
    // The site's own favicon: Firefox asks for /favicon.ico. The widget loads no image.
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ];
  if (trustedTypes) directives.push("require-trusted-types-for 'script'", 'trusted-types lit-html');
  return directives.join('; ');
}

const STRICT = '/strict-csp';
const STRICT_TRUSTED_TYPES = '/strict-csp-trusted-types';

/** Over two keepalive periods: the broker drops a client that sent nothing for 1.5 of them. */
const IDLE_MS = 2.25 * DEFAULT_KEEPALIVE_SECONDS * 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The signalling sockets the page opened; one that is still open means the link never dropped. */
async function signallingSockets(person: Person) {
  return (await socketsOpened(person.page)).filter((s) => new URL(s.url).pathname === MQTT_PATH);
}

async function expectNoViolations(person: Person): Promise<void> {
  assert.deepEqual(await policyViolations(person.page), [], `${person.label}: the page reported policy violations`);
}

/**
 * The policy is in force and its violations are seen: an image from elsewhere is refused and reported, and
 * on a page that requires Trusted Types, where the browser has them, a plain string given to innerHTML is
 * refused. (DevTools evaluation is exempt from the eval check, so eval cannot show it here.)
 */
async function expectPolicyEnforced(person: Person, requiresTrustedTypes: boolean): Promise<void> {
  const trustedTypes = await person.page.evaluate((required: boolean) => {
    new Image().src = 'http://127.0.0.1:9/elsewhere.png';
    if (!required) return 'not required';
    if (!('trustedTypes' in window)) return 'unsupported';
    try {
      document.createElement('div').innerHTML = '<b>x</b>';
      return 'not enforced';
    } catch {
      return 'enforced';
    }
  }, requiresTrustedTypes);
  assert.notEqual(trustedTypes, 'not enforced', `${person.label}: innerHTML took a string, Trusted Types are not in force`);
  await person.page.waitForFunction(
    () => (window as unknown as { __e2eViolations: Array<{ directive: string }> }).__e2eViolations.some((v) => v.directive === 'img-src'),
    { timeout: 5_000, polling: 100 },
  );
  console.log(`${person.label}: policy in force, Trusted Types ${trustedTypes}`);
}

describeEachPair(
  'strict Content-Security-Policy',
  (suite, pair) => {
    it(
      'stays signed in on one connection for over two keepalive periods, then calls and chats, with no violation',
      { timeout: E2E_TEST_TIMEOUT + IDLE_MS },
      async (t) => {
        const alice = await suite.open(t, pair[0], 'alice', { path: STRICT });
        const bob = await suite.open(t, pair[1], 'bob', { path: STRICT_TRUSTED_TYPES });
        await Promise.all([alice.register(), bob.register()]);
        await Promise.all([alice.peer(bob.name), bob.peer(alice.name)]);

        // Nothing but keepalives goes out while they wait: a blocked keepalive timer drops the link here.
        await sleep(IDLE_MS);
        for (const person of [alice, bob]) {
          const sockets = await signallingSockets(person);
          assert.equal(sockets.length, 1, `${person.label}: the signalling link was reopened (${JSON.stringify(sockets)})`);
          assert.equal(sockets[0]!.closedAt, null, `${person.label}: the signalling link closed`);
          await person.part('status', { text: 'online' });
        }

        await alice.openChat(bob.name);
        await alice.sendChat(`Hello ${bob.name}`);
        await bob.openChat(alice.name);
        await bob.chatMessage(`Hello ${bob.name}`);

        await connectCall(alice, bob);
        await bob.sendChat('I can see you');
        await alice.chatMessage('I can see you');
        await alice.click('hangup');
        await waitForEvent(bob.page, 'rtc-call-state', { call: { phase: 'ended', endReason: 'remote-hangup' } });
        await Promise.all([expectNoConnection(alice), expectNoConnection(bob)]);

        await expectNoViolations(alice);
        await expectNoViolations(bob);
        await expectPolicyEnforced(alice, false);
        await expectPolicyEnforced(bob, true);
      },
    );
  },
  {
    pages: {
      [STRICT]: (backend) => ({ 'content-security-policy': strictPolicy(backend, false) }),
      [STRICT_TRUSTED_TYPES]: (backend) => ({ 'content-security-policy': strictPolicy(backend, true) }),
    },
  },
);
