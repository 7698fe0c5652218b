/**
 * Wiring of an end-to-end suite: one real backend, one site embedding the
 * widget and the browsers it needs, started in `before` and stopped in
 * `after`; every test opens its people in fresh browser contexts (own cookies
 * and storage, as two different computers would have), closed in `t.after`,
 * with a screenshot and the console log of every tab saved to
 * `test-results/e2e/` when the test fails.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { launchBrowser, type BrowserName } from '../../support/browsers.js';
import { startTestBackend, type TestBackend } from '../../support/test-backend.js';
import { startHostSite, type HostSite, type HostSiteOptions, type RtcCallAttributes } from './host-page.js';
import { installPageHooks } from './page-hooks.js';
import { Person, type Credentials } from './person.js';

export const RESULTS_DIR = join(import.meta.dirname, '..', '..', '..', 'test-results', 'e2e');

/** The browser pairs every call scenario runs in. `RTC_BROWSERS=chromium` keeps only Chromium pairs. */
export const BROWSER_PAIRS: ReadonlyArray<readonly [BrowserName, BrowserName]> = (
  [
    ['chromium', 'chromium'],
    ['chromium', 'firefox'],
  ] as const
).filter(([a, b]) => {
  const only = process.env.RTC_BROWSERS?.split(',').map((s) => s.trim());
  return !only || (only.includes(a) && only.includes(b));
});

interface Tab {
  page: Page;
  label: string;
  log: string[];
}

interface TestTabs {
  contexts: BrowserContext[];
  tabs: Tab[];
}

export interface OpenOptions {
  /** Attributes of `<rtc-call>` on the page. */
  attributes?: RtcCallAttributes;
  /** Display name; defaults to the label capitalised. */
  name?: string;
  /** The site's page to open: `/` or one of the suite's `HostSiteOptions.pages`. */
  path?: string;
  /** A full address to open instead of a site page: a link someone shared (an invite's `#rtc-invite=…`). */
  url?: string;
}

let counter = 0;

export class E2ESuite {
  backend!: TestBackend;
  site!: HostSite;
  private readonly browsers = new Map<BrowserName, Browser>();
  private readonly perTest = new WeakMap<TestContext, TestTabs>();

  constructor(
    private readonly needed: readonly BrowserName[],
    private readonly siteOptions: HostSiteOptions = {},
  ) {}

  async start(): Promise<void> {
    await this.startServers();
    // One at a time: the machine has two cores and other work running.
    for (const name of new Set(this.needed)) this.browsers.set(name, await launchBrowser(name));
  }

  /** The backend and the site; a suite on other servers (several nodes, test/cluster) starts its own. */
  protected async startServers(): Promise<void> {
    this.backend = await startTestBackend({ relaxPublishLimits: true });
    this.site = await startHostSite(this.backend.origin, this.siteOptions);
  }

  async stop(): Promise<void> {
    for (const browser of this.browsers.values()) await browser.close().catch(() => undefined);
    this.browsers.clear();
    await this.site?.close();
    await this.backend?.close();
  }

  browser(name: BrowserName): Browser {
    const browser = this.browsers.get(name);
    if (!browser) throw new Error(`${name} was not launched for this suite`);
    return browser;
  }

  /** Unique credentials, so tests never see each other's people. */
  credentials(label: string, name?: string): Credentials {
    counter += 1;
    const id = `${label}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
    return {
      name: name ?? `${label[0]!.toUpperCase()}${label.slice(1)} ${counter}`,
      email: `${id}@e2e.example`,
      password: `pw-${id}-secret`,
    };
  }

  private tabsOf(t: TestContext): TestTabs {
    let entry = this.perTest.get(t);
    if (!entry) {
      const created: TestTabs = { contexts: [], tabs: [] };
      entry = created;
      this.perTest.set(t, created);
      t.after(async () => {
        // `passed` exists at run time in Node 20's TestContext but not in its types.
        if ((t as unknown as { passed?: boolean }).passed === false) await saveEvidence(t.name, created.tabs);
        for (const context of created.contexts) await context.close().catch(() => undefined);
      });
    }
    return entry;
  }

  /** Opens the site in a fresh browser context (a window of its own) of `browserName`. */
  async open(t: TestContext, browserName: BrowserName, label: string, options: OpenOptions = {}): Promise<Person> {
    const context = await this.browser(browserName).createBrowserContext();
    this.tabsOf(t).contexts.push(context);
    return this.openIn(t, context, `${label}-${browserName}`, this.credentials(label, options.name), options, 'window');
  }

  /**
   * Opens a second tab for the same person (same browser context, same
   * storage), in the same window: the first tab goes to the background, as
   * it would for a person.
   */
  async openAnotherTab(t: TestContext, person: Person, options: OpenOptions = {}): Promise<Person> {
    const tabs = this.tabsOf(t).tabs.filter((tab) => tab.label.startsWith(person.label));
    return this.openIn(t, person.page.browserContext(), `${person.label}-tab${tabs.length + 1}`, person.credentials, options, 'tab');
  }

  private async openIn(
    t: TestContext,
    context: BrowserContext,
    label: string,
    credentials: Credentials,
    options: OpenOptions,
    type: 'window' | 'tab',
  ): Promise<Person> {
    // Each person gets a window of their own, so every page is visible and renders frames.
    const page = await context.newPage(type === 'window' ? { type: 'window' } : {});
    const tab: Tab = { page, label, log: [] };
    this.tabsOf(t).tabs.push(tab);
    page.on('console', (message) => tab.log.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => tab.log.push(`pageerror: ${String(error)}`));
    await installPageHooks(page);
    await page.goto(options.url ?? this.site.url(options.attributes, options.path), { waitUntil: 'load', timeout: 30_000 });
    return new Person(page, label, credentials);
  }

  /** Opens and registers one person in each browser of the pair, and waits until they see each other. */
  async pair(t: TestContext, browsers: readonly [BrowserName, BrowserName], options: OpenOptions = {}): Promise<[Person, Person]> {
    const alice = await this.open(t, browsers[0], 'alice', options);
    const bob = await this.open(t, browsers[1], 'bob', options);
    await Promise.all([alice.register(), bob.register()]);
    await Promise.all([alice.peer(bob.name), bob.peer(alice.name)]);
    return [alice, bob];
  }
}

async function saveEvidence(testName: string, tabs: Tab[]): Promise<void> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const slug = testName
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase()
    .slice(0, 80);
  for (const tab of tabs) {
    const base = join(RESULTS_DIR, `${slug}--${tab.label}`);
    if (!tab.page.isClosed()) {
      await tab.page.screenshot({ path: `${base}.png`, fullPage: true }).catch(() => undefined);
    }
    await writeFile(`${base}.log`, tab.log.join('\n') + '\n').catch(() => undefined);
  }
}

/** Registers the suite's `before`/`after` in the current `describe` (or file). */
export function e2eSuite(browsers: readonly BrowserName[], site: HostSiteOptions = {}): E2ESuite {
  const suite = new E2ESuite(browsers, site);
  before(() => suite.start(), { timeout: 120_000 });
  after(() => suite.stop(), { timeout: 60_000 });
  return suite;
}

/** Upper bound for one end-to-end test: every wait inside is bounded well below it. */
export const E2E_TEST_TIMEOUT = 90_000;

/** One `describe` per browser pair, each with its own suite (backend, site, browsers). */
export function describeEachPair(
  title: string,
  body: (suite: E2ESuite, pair: readonly [BrowserName, BrowserName]) => void,
  site: HostSiteOptions = {},
): void {
  for (const pair of BROWSER_PAIRS) describe(`${title}, ${pair.join(' ↔ ')}`, () => body(e2eSuite(pair, site), pair));
}
