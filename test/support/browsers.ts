/**
 * Launches the real browsers every browser suite and benchmark drives:
 * Debian Chromium and Firefox ESR through puppeteer-core (never a downloaded
 * browser). Every launch gets its own temporary profile (unless given one), a
 * fake camera and microphone without prompts and, in Chromium, an
 * automatically picked screen for getDisplayMedia. web-test-runner.config.mjs
 * hands the same launch options to its launcher.
 */
import puppeteer, { type Browser, type LaunchOptions } from 'puppeteer-core';

export type BrowserName = 'chromium' | 'firefox';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Flags a site owner needs to test a page with rtc-call in headless Chromium. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  // Fake camera and microphone, and no permission prompt.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  // getDisplayMedia picks the whole screen instead of showing a picker.
  '--auto-select-desktop-capture-source=Entire screen',
  // The machine has no outside network: keep Chromium from trying.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-gpu',
  // Two tabs of one person both ring: background tabs must keep full speed.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** Preferences a site owner needs to test a page with rtc-call in headless Firefox. */
export const FIREFOX_PREFS: Readonly<Record<string, unknown>> = {
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
};

/** What a suite adds to the common set-up; each addition says why where it is made. */
export interface BrowserSetup {
  /** Flags on top of CHROMIUM_FLAGS (Chromium only). */
  chromiumFlags?: readonly string[];
  /** Preferences on top of FIREFOX_PREFS (Firefox only). */
  firefoxPrefs?: Readonly<Record<string, unknown>>;
  /** Another executable, such as a wrapper script that runs the browser as another user. */
  executablePath?: string;
  /** A profile folder of the caller's instead of a temporary one. */
  userDataDir?: string;
  /** Drive Chromium over a pipe instead of a WebSocket (Chromium only; Firefox always uses a BiDi port). */
  pipe?: boolean;
}

/** The puppeteer launch options of `name` with `setup`. */
export function browserLaunchOptions(name: BrowserName, setup: BrowserSetup = {}): LaunchOptions {
  const profile = setup.userDataDir === undefined ? {} : { userDataDir: setup.userDataDir };
  if (name === 'chromium') {
    return {
      executablePath: setup.executablePath ?? CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_FLAGS, ...(setup.chromiumFlags ?? [])],
      ...(setup.pipe && { pipe: true }),
      ...profile,
      // Fails a stuck launch instead of hanging the whole run.
      timeout: 30_000,
    };
  }
  return {
    browser: 'firefox',
    executablePath: setup.executablePath ?? FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...setup.firefoxPrefs },
    ...profile,
    timeout: 60_000,
  };
}

export function launchBrowser(name: BrowserName, setup: BrowserSetup = {}): Promise<Browser> {
  return puppeteer.launch(browserLaunchOptions(name, setup));
}
