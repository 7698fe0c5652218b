/**
 * The browser set-up a page with `<rtc-call>` needs under test, as data that
 * Playwright, puppeteer and web-test-runner launchers take: a fake camera and
 * microphone without permission prompts, a screen picked for getDisplayMedia
 * without a picker, and background tabs at full speed. One home: this
 * package's own suites launch their browsers from it too.
 */

export type BrowserName = 'chromium' | 'firefox';

/** Debian's paths (`apt install chromium firefox-esr`); CHROMIUM_PATH / FIREFOX_PATH override them. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Command-line flags for any Chromium build (Debian's, Chrome, Playwright's, puppeteer's). */
export const CHROMIUM_FLAGS: readonly string[] = [
  // Fake camera and microphone, and no permission prompt.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  // getDisplayMedia picks the whole screen instead of showing a picker.
  '--auto-select-desktop-capture-source=Entire screen',
  // A test machine often has no outside network: keep Chromium from trying.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-gpu',
  // Two tabs of one person both ring: background tabs must keep full speed.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  // Media plays without a click, so remote video renders frames in a test.
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * Debian's Chromium (and any Chromium run as root, as in most CI containers)
 * will not start its sandbox there: add these flags to CHROMIUM_FLAGS.
 */
export const CHROMIUM_CONTAINER_FLAGS: readonly string[] = ['--no-sandbox'];

/** Preferences for Firefox (ESR included): puppeteer's `extraPrefsFirefox`, Playwright's `firefoxUserPrefs`. */
export const FIREFOX_PREFS: Readonly<Record<string, string | number | boolean>> = {
  // Fake camera and microphone, and no permission prompt.
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // Screen sharing without the picker (Firefox has no auto-select flag).
  'media.getdisplaymedia.enabled': true,
  'media.navigator.screencapture.enabled': true,
  'privacy.webrtc.legacyGlobalIndicator': false,
  // Background tabs keep their timers (two tabs of one person both ring).
  'dom.min_background_timeout_value': 0,
  'dom.timeout.enable_budget_timer_throttling': false,
  // Media plays without a click, so remote video renders frames in a test.
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
};

/**
 * Firefox only: let WebRTC use loopback addresses, for a coturn on 127.0.0.1
 * (`startTestBackend({ turn: true })`); otherwise Firefox never reaches it (error 701).
 */
export const FIREFOX_LOOPBACK_PREFS: Readonly<Record<string, string | number | boolean>> = {
  'media.peerconnection.ice.loopback': true,
};

/** What a caller adds to the common set-up. */
export interface BrowserSetup {
  /** Another executable (default: CHROMIUM_PATH or FIREFOX_PATH). */
  executablePath?: string;
  /** Flags on top of CHROMIUM_FLAGS and CHROMIUM_CONTAINER_FLAGS (Chromium only). */
  chromiumFlags?: readonly string[];
  /** Preferences on top of FIREFOX_PREFS (Firefox only). */
  firefoxPrefs?: Readonly<Record<string, string | number | boolean>>;
}

const chromiumArgs = (setup: BrowserSetup): string[] => [...CHROMIUM_FLAGS, ...CHROMIUM_CONTAINER_FLAGS, ...(setup.chromiumFlags ?? [])];
const firefoxPrefs = (setup: BrowserSetup) => ({ ...FIREFOX_PREFS, ...setup.firefoxPrefs });

/** Options for puppeteer's `launch()` (puppeteer-core; Firefox over WebDriver BiDi), and web-test-runner's chrome launcher. */
export function puppeteerLaunchOptions(name: BrowserName, setup: BrowserSetup = {}) {
  if (name === 'chromium') {
    return { executablePath: setup.executablePath ?? CHROMIUM_PATH, headless: true, args: chromiumArgs(setup) };
  }
  return {
    browser: 'firefox' as const,
    executablePath: setup.executablePath ?? FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: firefoxPrefs(setup),
  };
}

/**
 * Options for Playwright's `chromium.launch()` / `firefox.launch()`
 * (playwright-core). Playwright drives Firefox only in its own patched build,
 * so `firefox` here is for that build (set `executablePath` to it); a
 * system Firefox ESR is driven with puppeteer.
 */
export function playwrightLaunchOptions(name: BrowserName, setup: BrowserSetup = {}) {
  if (name === 'chromium') {
    return { executablePath: setup.executablePath ?? CHROMIUM_PATH, headless: true, args: chromiumArgs(setup) };
  }
  return { ...(setup.executablePath && { executablePath: setup.executablePath }), headless: true, firefoxUserPrefs: firefoxPrefs(setup) };
}
