// Element and core tests in real browsers: Debian Chromium and Firefox ESR with
// fake camera and microphone, against a real backend started for the run.
// Run through `npm run test:elements` (node --import tsx, so the backend's
// TypeScript loads directly).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { mqttLeanForTests } from './scripts/mqtt-lean.mjs';
import { chromeLauncher } from '@web/test-runner-chrome';
import * as puppeteer from 'puppeteer-core';
import { browserLaunchOptions } from './test/support/browsers.ts';
import { testBackendPlugin } from './testing/web-test-runner.ts';
import { TEST_SITE_BACKEND, siteAccountMiddleware } from './test/support/site-account.ts';

// The same browser set-up as the end-to-end tests (the testing kit's, testing/browsers.ts). Firefox's
// AudioContext stays 'suspended' on a machine without a sound card (CI, this one): a mock audio output lets Web Audio run (the pre-call check's meter and test sound, test/elements/precall-check.test.ts).
// The browser's language is pinned to English: the test pages have no <html lang>, so the widget speaks
// the browser's language (test/elements/languages.test.ts switches it on purpose).
const setup = {
  chromiumFlags: ['--lang=en-US'],
  firefoxPrefs: {
    'media.cubeb.force_mock_context': true,
    'intl.accept_languages': 'en-US',
  },
};

const only = process.env.RTC_BROWSERS?.split(',') ?? ['chromium', 'firefox'];
const browsers = ['chromium', 'firefox']
  .filter((name) => only.includes(name))
  .map((name) => chromeLauncher({ puppeteer, launchOptions: browserLaunchOptions(name, setup) }));

export default {
  files: process.env.RTC_TEST_FILES?.split(',') ?? ['test/elements/**/*.test.ts', 'test/core/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'import', 'default'] },
  browsers,
  // Two cores: one browser page at a time per browser keeps WebRTC timing sane.
  concurrency: 1,
  concurrentBrowsers: 1,
  testsFinishTimeout: 10 * 60_000,
  browserStartTimeout: 60_000,
  testFramework: { config: { timeout: 60_000 } },
  // The made-up embedding site's token routes, on the test pages' own origin.
  middleware: [siteAccountMiddleware()],
  // One real backend (HTTP API + Aedes over WebSocket) for the whole run, its origin in every test page
  // (window.RTC_TEST_BACKEND): the testing kit's plugin. Password accounts for every test, and site
  // accounts trusting the test site (test/support/site-account.ts); the production publish budgets.
  plugins: [
    esbuildPlugin({ ts: true, tsconfig: 'tsconfig.json', target: 'es2022' }),
    // The same MQTT.js client as the bundle (src/core/mqtt-lean.ts, built by Rollup from MQTT.js's sources).
    mqttLeanForTests(),
    testBackendPlugin({ ...TEST_SITE_BACKEND, relaxPublishLimits: false }),
  ],
};
