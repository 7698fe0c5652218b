/**
 * Example: how a site owner tests their own page that embeds rtc-call.
 *
 * It starts a real backend for the test, serves "your page" (your own HTML
 * with the script tag and the element, styled with ::part), opens it in two
 * headless Chromium windows with a fake camera and microphone, signs two
 * people up through the widget, places a call and checks that video plays.
 * Read with docs/testing-your-page.md.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import puppeteer, { type Page } from 'puppeteer-core';
import { startBackend } from '../../broker/server.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../support/browsers.js';

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

/** Resolves with the detail of the next `rtc-*` event of the widget (start waiting before the action). */
function nextEvent<T>(page: Page, type: string): Promise<T> {
  return page.evaluate(
    (t: string) =>
      new Promise<T>((resolve) => {
        document.querySelector('rtc-call')!.addEventListener(t, (e) => resolve(JSON.parse(JSON.stringify((e as CustomEvent).detail))), {
          once: true,
        });
      }),
    type,
  );
}

/** The widget's inner elements are reached by their CSS part; `>>>` looks inside its shadow roots. */
const part = (name: string) => `rtc-call >>> [part~="${name}"]`;

async function signUp(page: Page, name: string): Promise<void> {
  await page.locator(part('mode-switch')).click(); // "Create an account"
  await page.locator(part('name')).fill(name);
  await page.locator(part('email')).fill(`${name.toLowerCase()}-${Date.now()}@example.com`);
  await page.locator(part('password')).fill('correct horse battery');
  const signedIn = nextEvent<{ user: { name: string } }>(page, 'rtc-signed-in');
  await page.locator(part('submit')).click();
  assert.equal((await signedIn).user.name, name);
}

test('a visitor calls another visitor from my page', { timeout: 60_000 }, async (t) => {
  // 1. A real backend on a free port, with a throwaway data folder and fast (test-only) password hashing.
  const dataDir = await mkdtemp(join(tmpdir(), 'my-site-test-'));
  const backend = await startBackend({ host: '127.0.0.1', port: 0, dataDir, scryptCost: 1024 });
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  t.after(() => backend.close());

  // 2. Your page, on its own origin (http://127.0.0.1 counts as secure, so the camera works).
  const site = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(yourPage(backend.origin));
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => site.close(resolve)));
  const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;

  // 3. Headless Chromium with a fake camera and microphone, and no permission prompts.
  const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_FLAGS] });
  t.after(() => browser.close());
  const open = async () => {
    // A window per visitor: a background tab would not render video frames.
    const page = await (await browser.createBrowserContext()).newPage({ type: 'window' });
    await page.goto(siteUrl);
    return page;
  };
  const alice = await open();
  const bob = await open();

  // 4. Two people sign up through the widget and see each other.
  await signUp(alice, 'Alice');
  await signUp(bob, 'Bob');
  await alice.locator(`${part('peer')} ::-p-text(Bob)`).wait();

  // Your ::part styles reach inside the widget.
  const callButton = await alice.locator(part('video-call')).waitHandle();
  assert.equal(await callButton.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(255, 200, 0)');

  // 5. Alice calls, Bob accepts, and both see the other's video.
  const ringing = nextEvent<{ call: { peer: { name: string } } }>(bob, 'rtc-incoming-call');
  await callButton.click();
  assert.equal((await ringing).call.peer.name, 'Alice');
  await bob.locator(part('accept')).click();
  for (const page of [alice, bob]) {
    const video = await page.locator(part('remote-video')).setVisibility(null).waitHandle();
    await page.waitForFunction((v) => (v as HTMLVideoElement).videoWidth > 0, { timeout: 20_000 }, video);
  }

  // 6. Bob hangs up; Alice is told, in the widget and by an event.
  const ended = nextEvent<{ call: { phase: string; endReason: string } }>(alice, 'rtc-call-state');
  await bob.locator(part('hangup')).click();
  const { call } = await ended;
  assert.equal(call.phase, 'ended');
  assert.equal(call.endReason, 'remote-hangup');
  await alice.locator(`${part('status')} ::-p-text(Bob hung up)`).wait();
});
