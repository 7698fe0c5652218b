/**
 * `rtc-call/testing/playwright`: the page helpers (./page.ts) on a Playwright
 * page. Playwright's CSS selectors go through open shadow roots by themselves.
 */
import { RtcCallPage, locatorAdapter, type LocatorPage, type RtcCallPageOptions } from './page.js';

export * from './page.js';

/** Helpers for the `<rtc-call>` on a Playwright page: `await rtcCall(page).signIn({ email, password })`. */
export function rtcCall(page: LocatorPage, options: RtcCallPageOptions = {}): RtcCallPage {
  return new RtcCallPage(locatorAdapter(page), options);
}
