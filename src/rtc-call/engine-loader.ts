/**
 * The call engine and the signed-in elements load lazily (src/rtc-call/signed-in.ts, a chunk of
 * its own): the initial script draws `<rtc-call>`'s frame and the sign-in form without them, and
 * fetches them once the form is on screen and the page is idle. The module is fetched once per
 * page; a failed download is tried again at the next {@link loadEngine}.
 */
import type * as SignedIn from './signed-in.js';

/** What the lazy module gives: the `Session` class, the helpers of the signed-in frame, and the elements defined. */
export type Engine = typeof SignedIn;

let loading: Promise<Engine> | undefined;
let arrive!: (engine: Engine) => void;

/** Resolves with the engine once any caller has loaded it (`<rtc-call>` waits here, whoever started the download). */
export const engineArrived: Promise<Engine> = new Promise((resolve) => (arrive = resolve));

/** Loads the engine now (or gets the download already under way). */
export function loadEngine(): Promise<Engine> {
  loading ??= import('./signed-in.js').then(
    (engine) => {
      arrive(engine);
      return engine;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
