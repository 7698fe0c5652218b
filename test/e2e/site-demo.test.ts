/**
 * The demo site of docs/site-integration.md in a real browser: demo/site/server.mjs on its own
 * origin, the widget loaded from the backend's, signed in from `token-url` with the site's cookie.
 * Two visitors of the site see each other with no sign-in form; signing out of the site ends the
 * widget's sign-in and it says why.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_CONTAINER_FLAGS, CHROMIUM_FLAGS, CHROMIUM_PATH } from '../support/browsers.js';
import { startDemoSite } from '../support/site-account.js';
import { startTestBackend } from '../support/test-backend.js';
import { texts } from '../../src/core/texts.js';

const SECRET = 'the demo site secret, only for this test run';
const ISSUER = 'http://demo-site.test';

const part = (name: string) => `rtc-call >>> [part~="${name}"]`;

test('two visitors of the demo site are signed in by the site and see each other', { timeout: 90_000 }, async (t) => {
  const backend = await startTestBackend({ closeAfter: t, accounts: 'both', siteJwtSecret: SECRET, siteJwtIssuer: ISSUER });
  const site = await startDemoSite(t, { SITE_JWT_SECRET: SECRET, SITE_JWT_ISSUER: ISSUER, RTC_CALL_SERVER: backend.origin });

  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...CHROMIUM_CONTAINER_FLAGS],
  });
  t.after(() => browser.close());
  const visit = async (user: string) => {
    const page = await (await browser.createBrowserContext()).newPage({ type: 'window' });
    await page.goto(`${site}/?user=${user}`);
    return page;
  };
  const alice = await visit('alice');
  const bob = await visit('bob');

  await alice.locator(`${part('user-name')} ::-p-text(Alice)`).wait();
  await bob.locator(`${part('user-name')} ::-p-text(Bob)`).wait();
  await alice.locator(`${part('peer')} ::-p-text(Bob)`).wait();
  await bob.locator(`${part('peer')} ::-p-text(Alice)`).wait();
  for (const page of [alice, bob]) {
    assert.equal(await page.$(part('login-form')), null, 'no sign-in form');
    assert.equal(await page.$(part('sign-out')), null, 'no sign-out of its own');
  }

  // Bob signs out of the site: the widget's session ends with it, and the widget says he must sign in on the site.
  await bob.locator('#sign-out').click();
  await bob.locator(`${part('error')} ::-p-text(${texts.site.notSignedIn})`).wait();
  assert.equal(await bob.$(part('login-form')), null);
  await alice.waitForFunction(
    () => {
      const root = document.querySelector('rtc-call')?.shadowRoot;
      const list = root?.querySelector('rtc-peer-list')?.shadowRoot;
      return list !== null && list !== undefined && !list.textContent?.includes('Bob');
    },
    { timeout: 30_000 },
  );
});
