/**
 * Launches the real browsers the end-to-end tests and benchmarks drive:
 * Debian Chromium and Firefox ESR through puppeteer-core (never a downloaded
 * browser). Every launch gets its own temporary profile, a fake camera and
 * microphone without prompts and, in Chromium, an automatically picked screen
 * for getDisplayMedia.
 */
import puppeteer, { type Browser } from 'puppeteer-core';

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

export async function launchBrowser(name: BrowserName): Promise<Browser> {
  if (name === 'chromium') {
    return puppeteer.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_FLAGS],
      // Fails a stuck launch instead of hanging the whole run.
      timeout: 30_000,
    });
  }
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: { ...FIREFOX_PREFS },
    timeout: 60_000,
  });
}
