/**
 * Example: how a site owner tests their own page that embeds rtc-call, with
 * the testing kit (`rtc-call/testing`, here from its sources in testing/).
 *
 * It starts a throwaway backend, serves "your page" (your own HTML with the
 * script tag and the element, styled with ::part), opens it in two headless
 * Chromium windows with a fake camera and microphone, signs two people up
 * through the widget, places a call, checks media both ways, chats and hangs
 * up. docs/testing-your-page.md has the same for an installed package, and
 * test/release/testing-kit.test.ts runs its examples from the packed release.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import puppeteer from 'puppeteer-core';
import { puppeteerLaunchOptions, startTestBackend } from '../../testing/index.js';
import { rtcCall } from '../../testing/puppeteer.js';

/** Your page: your content, one script tag from the backend, one element, your styles. */
const yourPage = (backendOrigin: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Acme support</title>
  <script type="module" src="${backendOrigin}/rtc-call.js"></script>
  <style>
    rtc-call::part(call-button) { background: rgb(255, 200, 0); }
  </style>
</head>
<body>
  <h1>Talk to Acme support</h1>
  <rtc-call></rtc-call>
</body>
</html>`;

test('a visitor calls another visitor from my page', { timeout: 90_000 }, async (t) => {
  // 1. A throwaway backend: free port, temporary data, fast (test-only) password hashing.
  const backend = await startTestBackend({ closeAfter: t });

  // 2. Your page, on its own origin (http://127.0.0.1 counts as secure, so the camera works).
  const site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(yourPage(backend.origin)));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => site.close(resolve)));
  const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;

  // 3. Headless Chromium with a fake camera and microphone, and no permission prompts.
  const browser = await puppeteer.launch(puppeteerLaunchOptions('chromium'));
  t.after(() => browser.close());
  const open = async (label: string) => {
    // A window per visitor: a background tab would not render video frames.
    const page = await (await browser.createBrowserContext()).newPage({ type: 'window' });
    await page.goto(siteUrl);
    return { page, rtc: rtcCall(page, { label }) };
  };
  const alice = await open('alice');
  const bob = await open('bob');

  // 4. Two people sign up through the widget and see each other.
  await alice.rtc.register({ name: 'Alice', email: 'alice@example.test', password: 'correct horse battery' });
  await bob.rtc.register({ name: 'Bob', email: 'bob@example.test', password: 'correct horse battery' });
  await alice.rtc.waitForPerson('Bob');

  // Your ::part styles reach inside the widget.
  const color = await alice.page.$eval('rtc-call >>> [part~="video-call"]', (el) => getComputedStyle(el).backgroundColor);
  assert.equal(color, 'rgb(255, 200, 0)');

  // 5. Alice calls, Bob accepts, and both see and hear the other.
  await alice.rtc.call('Bob');
  await bob.rtc.accept('Alice');
  await Promise.all([alice.rtc.waitForCallState('connected'), bob.rtc.waitForCallState('connected')]);
  await Promise.all([alice.rtc.expectRemoteMedia(), bob.rtc.expectRemoteMedia()]);

  // 6. A chat message during the call.
  await alice.rtc.sendChat('Bob', 'Can you see me?');
  await bob.rtc.waitForChatMessage('Can you see me?', { from: 'Alice' });

  // 7. Bob hangs up; Alice is told by an event.
  await bob.rtc.hangUp();
  const call = await alice.rtc.waitForCallState('ended');
  assert.equal(call.endReason, 'remote-hangup');
});
