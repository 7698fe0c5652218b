/**
 * `rtc-call/testing/puppeteer`: the page helpers (./page.ts) on a puppeteer
 * page (Chromium over CDP, Firefox over WebDriver BiDi). puppeteer's `pierce/`
 * selectors go through open shadow roots.
 */
import { RtcCallPage, locatorAdapter, type LocatorPage, type RtcCallPageOptions } from './page.js';

export * from './page.js';

/** `pierce/<css>`: puppeteer's query through every open shadow root. */
export const pierce = (css: string): string => `pierce/${css}`;

/** Helpers for the `<rtc-call>` on a puppeteer page: `await rtcCall(page).signIn({ email, password })`. */
export function rtcCall(page: LocatorPage, options: RtcCallPageOptions = {}): RtcCallPage {
  return new RtcCallPage(locatorAdapter(page, pierce), options);
}
