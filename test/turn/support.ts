/**
 * Shared wiring of the TURN tests: a real coturn (started by the same module
 * as `npm run turn`), a real backend handing out its credentials, real
 * browsers, and a page that loads the call engine built from `src/core` (so
 * tests drive `Session` with options the element does not expose, such as
 * `connectTimeoutMs`).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import type { Config } from '../../broker/config.js';
import { startTurnServer, type RunningTurnServer } from '../../testing/turn.js';
import { REPO_ROOT, startTestBackend, type Lifetime, type TestBackend } from '../support/test-backend.js';
import { launchBrowser, type BrowserName } from '../support/browsers.js';
import { BROWSER_PAIRS } from '../e2e/support/suite.js';
import { rtcSnapshot, type RtcSnapshot } from '../e2e/support/page-hooks.js';
import { listenLocal, type LocalServer } from '../e2e/support/local-server.js';
import type { IceServersResponse } from '../../src/protocol/index.js';
import { bundleForBrowser } from '../../scripts/mqtt-lean.mjs';

export const newSecret = (): string => randomBytes(24).toString('hex');

/** A coturn on loopback with `secret`, stopped when the test (or suite) ends. */
export async function startTurn(t: Lifetime, secret: string): Promise<RunningTurnServer> {
  // Small relay range: a test needs a handful of ports and should not sprawl over the machine.
  const turn = await startTurnServer({ secret, minPort: 40000, maxPort: 49999 });
  t.after(() => turn.stop());
  return turn;
}

/**
 * A backend whose /api/ice-servers points at `turn` (a running coturn, or
 * bare URLs where nothing listens), signing with `secret` (which may differ
 * from coturn's, on purpose).
 */
export async function startTurnBackend(
  t: Lifetime,
  turn: Pick<RunningTurnServer, 'urls'>,
  secret: string,
  overrides: Partial<Config> = {},
): Promise<TestBackend> {
  return startTestBackend({ turnUrls: turn.urls, turnSecret: secret, stunUrls: [], ...overrides, relaxPublishLimits: true, closeAfter: t });
}

/** Every browser the configured pairs use (RTC_BROWSERS=chromium keeps Chromium only). */
export const BROWSERS: readonly BrowserName[] = [...new Set(BROWSER_PAIRS.flat())];

/**
 * The e2e harness's browsers, except that Firefox may use loopback: it
 * otherwise never reaches a TURN server on 127.0.0.1 (error 701), and these
 * tests keep coturn on loopback.
 */
export function launchTurnBrowser(name: BrowserName): Promise<Browser> {
  return launchBrowser(name, { firefoxPrefs: { 'media.peerconnection.ice.loopback': true } });
}

export interface TurnSuite {
  /** The test pages' site (started in `before`). */
  readonly site: PageSite;
  browser(name: BrowserName): Browser;
}

/** Registers, in the current `describe`, a page site and the browsers of `pair`, started in `before` and closed in `after`. */
export function turnSuite(pair: readonly BrowserName[]): TurnSuite {
  const browsers = new Map<BrowserName, Browser>();
  let site: PageSite | undefined;
  before(
    async () => {
      site = await startPageSite();
      // One at a time: the machine is small and shared.
      for (const name of new Set(pair)) browsers.set(name, await launchTurnBrowser(name));
    },
    { timeout: 120_000 },
  );
  after(async () => {
    for (const browser of browsers.values()) await browser.close().catch(() => undefined);
    browsers.clear();
    await site?.close();
  });
  return {
    get site() {
      if (!site) throw new Error('the page site starts in before()');
      return site;
    },
    browser(name) {
      const browser = browsers.get(name);
      if (!browser) throw new Error(`${name} was not launched for this suite`);
      return browser;
    },
  };
}

const bundles = new Map<string, Promise<string>>();

/**
 * A source entry as one browser ES module (MQTT.js included), built once per
 * process from the current sources: `src/core/index.ts` for the engine alone,
 * `src/index.ts` for the whole widget.
 */
export function buildBundle(entry: 'src/core/index.ts' | 'src/index.ts'): Promise<string> {
  let bundle = bundles.get(entry);
  if (!bundle) {
    bundle = bundleForBrowser(entry, { root: REPO_ROOT });
    bundles.set(entry, bundle);
  }
  return bundle;
}

export type PageSite = LocalServer;

const CORE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rtc-call TURN test</title>
<script type="module">
  import * as core from '/core.js';
  window.__core = core;
</script></head><body></body></html>`;

/** `<rtc-call>` attributes a widget page may set through its query string. */
const WIDGET_ATTRIBUTES = ['server', 'relay-only', 'video', 'ring-timeout'];

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function widgetPage(query: URLSearchParams): string {
  const attributes = WIDGET_ATTRIBUTES.filter((name) => query.has(name))
    .map((name) => (query.get(name) === '' ? name : `${name}="${escapeHtml(query.get(name)!)}"`))
    .join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A site with rtc-call</title>
<script type="module" src="/widget.js"></script>
<style>body { font-family: sans-serif; margin: 0; } rtc-call { display: block; min-height: 600px; }</style>
</head><body><rtc-call ${attributes}></rtc-call></body></html>`;
}

/**
 * Serves, from an origin of its own (http://127.0.0.1, a secure context):
 * `/` a page with the call engine as `window.__core`, and `/widget?…` a site
 * embedding `<rtc-call>` with the attributes of the query string.
 */
export async function startPageSite(): Promise<PageSite> {
  const [core, widget] = await Promise.all([buildBundle('src/core/index.ts'), buildBundle('src/index.ts')]);
  return listenLocal((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (type: string, body: string) =>
      res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(body);
    if (url.pathname === '/') send('text/html', CORE_PAGE);
    else if (url.pathname === '/widget') send('text/html', widgetPage(url.searchParams));
    else if (url.pathname === '/core.js') send('text/javascript', core);
    else if (url.pathname === '/widget.js') send('text/javascript', widget);
    else res.writeHead(404).end();
  });
}

/** Opens the test page and waits until the core module has loaded. */
export async function openCorePage(page: Page, site: PageSite): Promise<void> {
  await page.goto(`${site.origin}/`, { waitUntil: 'load', timeout: 30_000 });
  await page.waitForFunction(() => 'Session' in ((window as unknown as { __core?: object }).__core ?? {}), { timeout: 15_000 });
}

export interface Gathered {
  /** Candidate lines the browser gathered. */
  candidates: string[];
  /** `icecandidateerror` events (Chromium reports TURN refusals there: 401 = credentials refused). */
  errors: { errorCode: number; errorText: string; url: string }[];
  /** Whether gathering completed (instead of timing out). */
  complete: boolean;
}

/**
 * Gathers ICE candidates in the page with `iceTransportPolicy: 'relay'`: with
 * TURN credentials coturn accepts, a relay candidate appears; otherwise none.
 */
export async function gatherRelayCandidates(page: Page, iceServers: RTCIceServer[], timeoutMs = 10_000): Promise<Gathered> {
  return page.evaluate(
    async (servers: RTCIceServer[], limit: number) => {
      const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: 'relay' });
      const out = { candidates: [] as string[], errors: [] as { errorCode: number; errorText: string; url: string }[], complete: false };
      pc.addEventListener('icecandidate', (e) => {
        if (e.candidate?.candidate) out.candidates.push(e.candidate.candidate);
      });
      pc.addEventListener('icecandidateerror', (e) => {
        const ev = e as RTCPeerConnectionIceErrorEvent;
        out.errors.push({ errorCode: ev.errorCode, errorText: ev.errorText, url: ev.url });
      });
      const done = new Promise<void>((resolve) => {
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') {
            out.complete = true;
            resolve();
          }
        });
        setTimeout(resolve, limit);
      });
      pc.createDataChannel('probe');
      await pc.setLocalDescription(await pc.createOffer());
      await done;
      pc.close();
      return out;
    },
    iceServers,
    timeoutMs,
  );
}

/** The candidate type of an ICE candidate line (`host`, `srflx`, `prflx`, `relay`). */
export const candidateType = (candidate: string): string => /\styp (\w+)/.exec(candidate)?.[1] ?? '?';

/** Every candidate is a relay candidate whose related address reveals nothing (0.0.0.0 or the relay itself). */
export function assertOnlyRelay(candidates: string[], who: string): void {
  assert.ok(candidates.length > 0, `${who} received no candidate at all`);
  for (const line of candidates) {
    assert.equal(candidateType(line), 'relay', `${who} received a non-relay candidate: ${line}`);
    const [, address] = /^candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ/i.exec(line) ?? [];
    const related = / raddr (\S+)/.exec(line)?.[1];
    if (related !== undefined) assert.ok(related === '0.0.0.0' || related === address, `${who}: related address leaks: ${line}`);
  }
}

/** The selected candidate pair of the page's open connection, once getStats names one (it can lag `connected`). */
export async function selectedPair(page: Page, who: string): Promise<NonNullable<RtcSnapshot['selectedPair']>> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const snapshot = await rtcSnapshot(page);
    if (snapshot.selectedPair && snapshot.selectedPair.local !== '?') return snapshot.selectedPair;
    if (Date.now() > deadline) throw new Error(`${who}: no selected candidate pair: ${JSON.stringify(snapshot)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export { isRelayCandidate } from '../../src/core/peer.js';
export { REPO_ROOT };
export type { IceServersResponse, RunningTurnServer, TestBackend };
