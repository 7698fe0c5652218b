/**
 * How the widget loads on a site: the sign-in form comes from the initial script alone; MQTT.js
 * (the lazily loaded signalling client, src/core/mqtt-lean.ts) is fetched while the form sits
 * idle, before anyone signs in, and signing in then uses it without fetching it again. In
 * Chromium and Firefox ESR, each with one page.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { BrowserName } from '../support/browsers.js';
import type { Person } from './support/person.js';
import { e2eSuite, E2E_TEST_TIMEOUT } from './support/suite.js';

const BROWSERS: readonly BrowserName[] = (['chromium', 'firefox'] as const).filter(
  (name) => !process.env.RTC_BROWSERS || process.env.RTC_BROWSERS.split(',').includes(name),
);

/** How many times the page fetched the MQTT chunk (Rollup names it after its module, src/core/mqtt-lean.ts). */
const mqttFetches = (page: Person['page']) =>
  page.evaluate(
    () => performance.getEntriesByType('resource').filter((e) => /\/chunks\/mqtt-lean-[\w-]+\.js$/.test(new URL(e.name).pathname)).length,
  );

const suite = e2eSuite(BROWSERS);

for (const browserName of BROWSERS) {
  it(`${browserName}: MQTT.js loads while the sign-in form is idle, once`, { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const person = await suite.open(t, browserName, 'visitor');
    await person.part('login-form');
    // Nobody has touched the form: the chunk arrives on its own, within the idle callback's bound.
    await person.page.waitForFunction(
      () => performance.getEntriesByType('resource').some((e) => /\/chunks\/mqtt-lean-[\w-]+\.js$/.test(new URL(e.name).pathname)),
      { timeout: 10_000, polling: 100 },
    );
    assert.equal(await mqttFetches(person.page), 1, `${person.label}: the MQTT chunk was fetched more than once before sign-in`);
    await person.register();
    assert.equal(await mqttFetches(person.page), 1, `${person.label}: signing in fetched the MQTT chunk again`);
  });
}
