/**
 * How the widget loads on a site: the sign-in form comes from the initial script alone; MQTT.js
 * (the lazily loaded signalling client, src/core/mqtt-lean.ts) and the call engine
 * (src/rtc-call/signed-in.ts) are fetched while the form sits idle, before anyone signs in, and
 * signing in then uses them without fetching them again. A page that places and takes a 1:1 call
 * loads exactly the files bench/bundle-size.ts counts as "everything loaded for a call"
 * (bench/support/bundle-graph.ts), read from the same build. In Chromium and Firefox ESR.
 */
import assert from 'node:assert/strict';
import { relative, resolve } from 'node:path';
import { it } from 'node:test';
import type { BrowserName } from '../support/browsers.js';
import { connectCall, type Person } from './support/person.js';
import { e2eSuite, E2E_TEST_TIMEOUT } from './support/suite.js';
import { bundleGraph } from '../../bench/support/bundle-graph.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** The scripts a page fetched from the widget's backend, as paths under dist/ (`rtc-call.js`, `chunks/…`). */
const loadedScripts = async (person: Person): Promise<string[]> => {
  const paths = await person.page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => new URL(e.name))
      .filter((url) => url.pathname.endsWith('.js'))
      .map((url) => url.pathname),
  );
  return [...new Set(paths.map((p) => p.replace(/^\//, '')))].sort();
};

const BROWSERS: readonly BrowserName[] = (['chromium', 'firefox'] as const).filter(
  (name) => !process.env.RTC_BROWSERS || process.env.RTC_BROWSERS.split(',').includes(name),
);

/** How many times the page fetched the lazy chunk of `name` (Rollup names a chunk after its module: src/core/mqtt-lean.ts, src/rtc-call/signed-in.ts). */
const fetches = (page: Person['page'], name: string) =>
  page.evaluate(
    (name) =>
      performance.getEntriesByType('resource').filter((e) => new RegExp(`/chunks/${name}-[\\w-]+\\.js$`).test(new URL(e.name).pathname))
        .length,
    name,
  );

const suite = e2eSuite(BROWSERS);

for (const browserName of BROWSERS) {
  it(`${browserName}: MQTT.js and the call engine load while the sign-in form is idle, once`, { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const person = await suite.open(t, browserName, 'visitor');
    await person.part('login-form');
    // Nobody has touched the form: the chunks arrive on their own, within the idle callback's bound.
    for (const name of ['mqtt-lean', 'signed-in']) {
      await person.page.waitForFunction(
        (name) =>
          performance.getEntriesByType('resource').some((e) => new RegExp(`/chunks/${name}-[\\w-]+\\.js$`).test(new URL(e.name).pathname)),
        { timeout: 10_000, polling: 100 },
        name,
      );
      assert.equal(await fetches(person.page, name), 1, `${person.label}: the ${name} chunk was fetched more than once before sign-in`);
    }
    await person.register();
    for (const name of ['mqtt-lean', 'signed-in']) {
      assert.equal(await fetches(person.page, name), 1, `${person.label}: signing in fetched the ${name} chunk again`);
    }
  });
}

for (const browserName of BROWSERS) {
  it(`${browserName}: a 1:1 call loads exactly the files the bundle benchmark counts`, { timeout: E2E_TEST_TIMEOUT }, async (t) => {
    const graph = await bundleGraph(ROOT);
    const expected = [...graph.call].map((f) => relative(`${ROOT}/dist`, f)).sort();
    const alice = await suite.open(t, browserName, 'alice');
    const bob = await suite.open(t, browserName, 'bob');
    // The first paint: the sign-in form from the initial script alone (the engine may arrive as soon as the page is idle).
    await alice.part('login-form');
    await alice.register();
    await bob.register();
    await connectCall(alice, bob);
    for (const person of [alice, bob]) {
      assert.deepEqual(await loadedScripts(person), expected, `${person.label}: the scripts loaded for a 1:1 call`);
    }
  });
}
