/** How long an idle callback may wait for the page to go idle before it runs anyway. */
export const IDLE_LOAD_TIMEOUT_MS = 5_000;

/**
 * Runs `start` once the page has nothing better to do (after the first paint, between frames):
 * how the lazy parts of the widget (the call engine, MQTT.js) are fetched while the sign-in form
 * waits for the visitor. Safari has no `requestIdleCallback`; a short timer stands in.
 */
export function whenIdle(start: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(start, { timeout: IDLE_LOAD_TIMEOUT_MS });
  else setTimeout(start, 500);
}
