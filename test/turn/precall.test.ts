/**
 * The pre-call check against a real backend and a real coturn, in both engines, driven through the
 * widget as a visitor would: "Check devices and connection", then read what it found.
 * - coturn answers: a relay candidate, "The relay server answered", "Ready"; then the visitor ticks
 *   "Hide my IP address" and checks again: "Calls need the relay".
 * - TURN configured to a closed port, relay-only: no relay candidate, "did not answer", "Calls will
 *   not connect".
 * Set RTC_SHOTS_DIR to keep a screenshot of each check's result.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { Person } from '../e2e/support/person.js';
import { texts } from '../../src/core/texts.js';
import { installTurnHooks } from './session-page.js';
import { BROWSERS, newSecret, startTurn, startTurnBackend, turnSuite, type TestBackend } from './support.js';

const words = texts.ui.precall;
let counter = 0;

/** A loopback port nothing listens on (TCP and, almost surely, UDP): a TURN server that never answers. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

for (const browserName of BROWSERS) {
  describe(`the pre-call check with a real TURN server, ${browserName}`, () => {
    const suite = turnSuite([browserName]);

    async function visitor(t: TestContext, backend: TestBackend, attributes: Record<string, string> = {}): Promise<Person> {
      const context = await suite.browser(browserName).createBrowserContext();
      t.after(() => context.close().catch(() => undefined));
      const page = await context.newPage({ type: 'window' });
      await page.setViewport({ width: 1100, height: 900 });
      await installTurnHooks(page);
      const query = new URLSearchParams({ server: backend.origin, ...attributes });
      await page.goto(`${suite.site.origin}/widget?${query}`, { waitUntil: 'load', timeout: 30_000 });
      counter += 1;
      const id = `precall-${process.pid}-${counter}-${Date.now()}`;
      const person = new Person(page, `Ada-${browserName}`, { name: `Ada ${counter}`, email: `${id}@turn.example`, password: `pw-${id}` });
      await person.register();
      return person;
    }

    /** Opens the check and waits for its verdict; the verdict part's text and the connection check's text. */
    async function runCheck(person: Person, verdict: string): Promise<{ verdict: string; connection: string; ms: number }> {
      const started = Date.now();
      await person.click('precall-toggle');
      const shown = await person.part('verdict', { text: verdict, timeout: 20_000 });
      const ms = Date.now() - started;
      const connection = await (await person.part('connection-check')).evaluate((el) => el.textContent ?? '');
      return { verdict: await shown.evaluate((el) => el.textContent ?? ''), connection, ms };
    }

    async function screenshot(person: Person, name: string): Promise<void> {
      const dir = process.env.RTC_SHOTS_DIR;
      if (!dir) return;
      await mkdir(dir, { recursive: true });
      // Best effort: catch the meter while the fake microphone sounds (Chromium's beeps now and then).
      await person.page
        .waitForFunction(
          () => {
            const w = window as unknown as { __e2eFindParts(name: string): Element[] };
            return Number(w.__e2eFindParts('mic-meter')[0]?.getAttribute('aria-valuenow')) > 0.3;
          },
          { timeout: 3_000, polling: 20 },
        )
        .catch(() => undefined);
      const check = await person.part('precall');
      await check.screenshot({ path: join(dir, `${name}-${browserName}.png`) as `${string}.png` });
    }

    test('coturn answers: a relay candidate and "ready"; with "Hide my IP address" ticked, "calls need the relay"', async (t) => {
      const secret = newSecret();
      const turn = await startTurn(t, secret);
      const backend = await startTurnBackend(t, turn, secret, { iceTransportPolicy: 'all' });
      const ada = await visitor(t, backend);

      const ready = await runCheck(ada, words.verdicts.ready);
      t.diagnostic(`${browserName}: verdict after ${ready.ms} ms`);
      assert.ok(ready.verdict.includes(words.reasons['all-clear']), ready.verdict);
      assert.ok(ready.connection.includes(words.turn.answered), ready.connection);
      const relay = await ada.part('candidate-types');
      const line = (type: string) => relay.evaluate((list, t) => list.querySelector(`[data-type="${t}"]`)?.textContent ?? '', type);
      assert.match(await line('relay'), /found/, 'coturn gave a relay candidate');
      assert.match(await line('host'), /found/, 'and the local network a host candidate');
      await (
        await ada.part('precall-preview')
      ).evaluate(async (video) => {
        const v = video as HTMLVideoElement;
        for (let i = 0; i < 50 && !(v.videoWidth > 0); i++) await new Promise((r) => setTimeout(r, 100));
      });
      await screenshot(ada, 'ready');
      if (process.env.RTC_SHOTS_DIR)
        await ada.page.screenshot({ path: join(process.env.RTC_SHOTS_DIR, `widget-${browserName}.png`) as `${string}.png` });

      // Closing releases the devices; ticking "Hide my IP address" makes calls relay-only.
      await ada.click('precall-close');
      await ada.waitForNoPart('precall');
      await ada.click('relay-only');
      const relayOnly = await runCheck(ada, words.verdicts['needs-relay']);
      assert.ok(relayOnly.verdict.includes(words.reasons['relay-only']), relayOnly.verdict);
      assert.ok(relayOnly.connection.includes(words.relayOnly), relayOnly.connection);
    });

    test('TURN on a closed port, relay-only: no relay candidate, "did not answer", "calls will not connect"', async (t) => {
      const port = await closedPort();
      const backend = await startTurnBackend(
        t,
        { urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`] },
        newSecret(),
        { iceTransportPolicy: 'all' },
      );
      const ada = await visitor(t, backend, { 'relay-only': '' });

      const result = await runCheck(ada, words.verdicts['will-not-connect']);
      assert.ok(result.verdict.includes(words.reasons['relay-only-turn-silent']), result.verdict);
      assert.ok(result.connection.includes(words.turn['no-answer']), result.connection);
      const relay = await (
        await ada.part('candidate-types')
      ).evaluate((list) => list.querySelector('[data-type="relay"]')?.textContent ?? '');
      assert.ok(relay.includes(words.notFound), relay);
      t.diagnostic(`${browserName}: verdict after ${result.ms} ms`);
      await screenshot(ada, 'turn-silent');
    });
  });
}
