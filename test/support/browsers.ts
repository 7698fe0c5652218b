/**
 * Launches the real browsers every browser suite and benchmark drives:
 * Debian Chromium and Firefox ESR through puppeteer-core (never a downloaded
 * browser), with the testing kit's set-up (testing/browsers.ts: fake camera
 * and microphone without prompts, an automatically picked screen, background
 * tabs at full speed). Every launch gets its own temporary profile (unless
 * given one). web-test-runner.config.mjs hands the same launch options to its
 * launcher.
 */
import puppeteer, { type Browser, type LaunchOptions } from 'puppeteer-core';
import { puppeteerLaunchOptions, type BrowserName, type BrowserSetup as KitSetup } from '../../testing/browsers.js';

export {
  CHROMIUM_CONTAINER_FLAGS,
  CHROMIUM_FLAGS,
  CHROMIUM_PATH,
  FIREFOX_PATH,
  FIREFOX_PREFS,
  type BrowserName,
} from '../../testing/browsers.js';

/** What a suite adds to the common set-up; each addition says why where it is made. */
export interface BrowserSetup extends KitSetup {
  /** A profile folder of the caller's instead of a temporary one. */
  userDataDir?: string;
  /** Drive Chromium over a pipe instead of a WebSocket (Chromium only; Firefox always uses a BiDi port). */
  pipe?: boolean;
}

/** The puppeteer launch options of `name` with `setup`. */
export function browserLaunchOptions(name: BrowserName, setup: BrowserSetup = {}): LaunchOptions {
  const { userDataDir, pipe, ...kit } = setup;
  return {
    ...puppeteerLaunchOptions(name, kit),
    ...(userDataDir !== undefined && { userDataDir }),
    ...(pipe && name === 'chromium' && { pipe: true }),
    // Fails a stuck launch instead of hanging the whole run (Firefox starts slower).
    timeout: name === 'chromium' ? 30_000 : 60_000,
  };
}

export function launchBrowser(name: BrowserName, setup: BrowserSetup = {}): Promise<Browser> {
  return puppeteer.launch(browserLaunchOptions(name, setup));
}
