/**
 * Wiring of the resilience suites: like the e2e suite (real backend, a site
 * embedding the widget, real browsers, people acting through the widget's
 * UI) but with a backend that can be stopped and started again on the SAME
 * port and data folder, as an operator restarting it would.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { after, before, describe, type TestContext } from 'node:test';
import type { Browser } from 'puppeteer-core';
import type { Config } from '../../broker/config.js';
import { launchBrowser, type BrowserName } from '../support/browsers.js';
import { startTestBackend, type TestBackend } from '../support/test-backend.js';
import { hostPageHtml, hostSiteUrl, type HostSite, type RtcCallAttributes } from '../e2e/support/host-page.js';
import { listenLocal } from '../e2e/support/local-server.js';
import { installPageHooks } from '../e2e/support/page-hooks.js';
import { Person } from '../e2e/support/person.js';
import { BROWSER_PAIRS } from '../e2e/support/suite.js';

/** Upper bound for one resilience test: every wait inside is bounded well below it. */
export const RESILIENCE_TEST_TIMEOUT = 120_000;

export class RestartableBackend {
  private running: TestBackend | null = null;
  port = 0;

  private constructor(
    readonly dataDir: string,
    private readonly overrides: Partial<Config>,
  ) {}

  static async create(overrides: Partial<Config> = {}): Promise<RestartableBackend> {
    const backend = new RestartableBackend(await mkdtemp(join(tmpdir(), 'rtc-call-resil-')), overrides);
    await backend.start();
    return backend;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  /** Starts on the port of the previous run (a free one the first time), with the same data folder. */
  async start(): Promise<void> {
    if (this.running) return;
    // Same relaxed throttles, publish limits and cheap hashing as the e2e backend.
    this.running = await startTestBackend({ ...this.overrides, relaxPublishLimits: true, port: this.port, dataDir: this.dataDir });
    this.port = this.running.port;
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = null;
    await running?.close();
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

const DIST_DIR = join(import.meta.dirname, '..', '..', 'dist');

/**
 * The embedding site, serving the widget bundle itself (as a site bundling
 * rtc-call from npm would), so the page loads while the backend is down.
 */
export async function startSelfServedSite(backendOrigin: string): Promise<HostSite> {
  let origin = '';
  const server = await listenLocal((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/') {
      const query = new URLSearchParams(url.searchParams);
      if (!query.has('server')) query.set('server', backendOrigin);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(hostPageHtml(origin, query));
      return;
    }
    const file = normalize(join(DIST_DIR, url.pathname));
    if (!file.startsWith(DIST_DIR + '/') || !file.endsWith('.js')) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  origin = server.origin;
  return {
    origin,
    url: (attributes = {}) => hostSiteUrl(origin, attributes),
    close: () => server.close(),
  };
}

let counter = 0;

export class ResilienceSuite {
  backend!: RestartableBackend;
  site!: HostSite;
  browser!: Browser;
  /** The second person's browser in a cross-browser suite; the same as `browser` otherwise. */
  other!: Browser;

  constructor(
    private readonly browserName: BrowserName,
    private readonly overrides: Partial<Config> = {},
    private readonly otherName: BrowserName = browserName,
  ) {}

  async start(): Promise<void> {
    this.backend = await RestartableBackend.create(this.overrides);
    this.site = await startSelfServedSite(this.backend.origin);
    this.browser = await launchBrowser(this.browserName);
    this.other = this.otherName === this.browserName ? this.browser : await launchBrowser(this.otherName);
  }

  async stop(): Promise<void> {
    if (this.other !== this.browser) await this.other?.close().catch(() => undefined);
    await this.browser?.close().catch(() => undefined);
    await this.site?.close();
    await this.backend?.dispose();
  }

  /** Opens the site in a fresh browser context (own storage) of `browser` (the suite's by default), closed after the test. */
  async open(t: TestContext, label: string, attributes: RtcCallAttributes = {}, browser: Browser = this.browser): Promise<Person> {
    counter += 1;
    const id = `${label}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
    const context = await browser.createBrowserContext();
    t.after(() => context.close().catch(() => undefined));
    const page = await context.newPage({ type: 'window' });
    const log: string[] = [];
    page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${String(e)}`));
    t.after(() => {
      if ((t as unknown as { passed?: boolean }).passed === false) console.error(`--- ${label} console\n${log.join('\n')}`);
    });
    await installPageHooks(page);
    await page.goto(this.site.url(attributes), { waitUntil: 'load', timeout: 30_000 });
    return new Person(page, label, {
      name: `${label[0]!.toUpperCase()}${label.slice(1)} ${counter}`,
      email: `${id}@resilience.example`,
      password: `pw-${id}-secret`,
    });
  }

  /** Two registered people who see each other online; Bob in `bobBrowser` when given. */
  async pair(t: TestContext, attributes: RtcCallAttributes = {}, bobBrowser: Browser = this.browser): Promise<[Person, Person]> {
    const alice = await this.open(t, 'alice', attributes);
    const bob = await this.open(t, 'bob', attributes, bobBrowser);
    await Promise.all([alice.register(), bob.register()]);
    await Promise.all([alice.peer(bob.name), bob.peer(alice.name)]);
    return [alice, bob];
  }
}

/** Registers the suite's `before`/`after` in the current `describe` (or file). */
export function resilienceSuite(
  browser: BrowserName = 'chromium',
  overrides: Partial<Config> = {},
  other: BrowserName = browser,
): ResilienceSuite {
  const suite = new ResilienceSuite(browser, overrides, other);
  before(() => suite.start(), { timeout: 120_000 });
  after(() => suite.stop(), { timeout: 60_000 });
  return suite;
}

/**
 * One `describe` per browser pair of the e2e suites (`RTC_BROWSERS` applies), each with its own
 * backend and browsers: `suite.browser` is the pair's first, `suite.other` its second.
 */
export function describeEachResiliencePair(title: string, body: (suite: ResilienceSuite) => void, overrides: Partial<Config> = {}): void {
  for (const [first, second] of BROWSER_PAIRS) {
    describe(`${title}, ${first} ↔ ${second}`, () => body(resilienceSuite(first, overrides, second)));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
