/**
 * Shared wiring of the TURN tests: a real coturn (started by the same module
 * as `npm run turn`), a real backend handing out its credentials, real
 * browsers, and a page that loads the call engine built from `src/core` (so
 * tests drive `Session` with options the element does not expose, such as
 * `connectTimeoutMs`).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { build } from 'esbuild';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { Config } from '../../broker/config.js';
import { startTurnServer, type RunningTurnServer } from '../../scripts/turn.js';
import { startTestBackend, type TestBackend } from '../e2e/support/backend.js';
import { FIREFOX_PATH, FIREFOX_PREFS, launchBrowser, type BrowserName } from '../e2e/support/browsers.js';
import { BROWSER_PAIRS } from '../e2e/support/suite.js';
import { listenLocal, type LocalServer } from '../e2e/support/local-server.js';
import type { IceServersResponse } from '../../src/protocol/index.js';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

export const newSecret = (): string => randomBytes(24).toString('hex');

/** A coturn on loopback with `secret`, stopped when the test (or suite) ends. */
export async function startTurn(t: { after(fn: () => unknown): void }, secret: string): Promise<RunningTurnServer> {
  // Small relay range: a test needs a handful of ports and should not sprawl over the machine.
  const turn = await startTurnServer({ secret, minPort: 40000, maxPort: 49999 });
  t.after(() => turn.stop());
  return turn;
}

/** A backend whose /api/ice-servers points at `turn`, signing with `secret` (which may differ from coturn's, on purpose). */
export async function startTurnBackend(
  t: { after(fn: () => unknown): void },
  turn: RunningTurnServer,
  secret: string,
  overrides: Partial<Config> = {},
): Promise<TestBackend> {
  const backend = await startTestBackend({ turnUrls: turn.urls, turnSecret: secret, stunUrls: [], ...overrides });
  t.after(() => backend.close());
  return backend;
}

/** Every browser the configured pairs use (RTC_BROWSERS=chromium keeps Chromium only). */
export const BROWSERS: readonly BrowserName[] = [...new Set(BROWSER_PAIRS.flat())];

/**
 * The e2e harness's browsers, except that Firefox may use loopback: it
 * otherwise never reaches a TURN server on 127.0.0.1 (error 701), and these
 * tests keep coturn on loopback.
 */
export async function launchTurnBrowser(name: BrowserName): Promise<Browser> {
  if (name === 'chromium') return launchBrowser(name);
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: { ...FIREFOX_PREFS, 'media.peerconnection.ice.loopback': true },
    timeout: 60_000,
  });
}

let coreBundle: Promise<string> | undefined;

/** `src/core` as one browser ES module (MQTT.js included), built once per process. */
export function buildCoreBundle(): Promise<string> {
  coreBundle ??= build({
    entryPoints: [join(REPO_ROOT, 'src/core/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]!.text);
  return coreBundle;
}

export type PageSite = LocalServer;

const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rtc-call TURN test</title>
<script type="module">
  import * as core from '/core.js';
  window.__core = core;
</script></head><body></body></html>`;

/** Serves the test page and the core bundle from an origin of its own (http://127.0.0.1, a secure context). */
export async function startPageSite(): Promise<PageSite> {
  const bundle = await buildCoreBundle();
  return listenLocal((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE_HTML);
    } else if (path === '/core.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(bundle);
    } else {
      res.writeHead(404).end();
    }
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

export { isRelayCandidate } from '../../src/core/peer.js';
export type { IceServersResponse, RunningTurnServer, TestBackend };
