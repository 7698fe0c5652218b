/**
 * `rtc-call/testing` (Node): what a site owner's test needs around the page
 * that embeds `<rtc-call>`: a throwaway backend (and coturn), the browser
 * set-up as data, and a web-test-runner plugin. The page helpers are in
 * `rtc-call/testing/playwright` and `rtc-call/testing/puppeteer`, the
 * @open-wc/testing fixtures in `rtc-call/testing/open-wc`.
 * Guide: docs/testing-your-page.md.
 */
export {
  RELAXED_PUBLISH_LIMITS,
  TEST_BACKEND_SETTINGS,
  startTestBackend,
  turnAvailable,
  type Lifetime,
  type TestBackend,
  type TestBackendOptions,
} from './backend.js';
export { registerTestUser, type TestUser } from './accounts.js';
export {
  CHROMIUM_CONTAINER_FLAGS,
  CHROMIUM_FLAGS,
  CHROMIUM_PATH,
  FIREFOX_LOOPBACK_PREFS,
  FIREFOX_PATH,
  FIREFOX_PREFS,
  playwrightLaunchOptions,
  puppeteerLaunchOptions,
  type BrowserName,
  type BrowserSetup,
} from './browsers.js';
export { startTurnServer, type RunningTurnServer, type TurnServerOptions } from './turn.js';
export { BACKEND_GLOBAL, testBackendPlugin, type TestBackendPlugin } from './web-test-runner.js';
