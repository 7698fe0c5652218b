/**
 * The product, measured through its UI in Chromium with fake media, against
 * a real backend started in a child process and a site embedding the widget
 * from another origin (as in the end-to-end tests):
 *
 * - page load → sign-in form visible (fresh browser context each time: no cache);
 * - sign-in click → people list shown;
 * - call setup: the caller clicks the call button, the callee clicks accept;
 *   from the accept click to the first remote frame shown on both sides. In
 *   two modes, calls interleaved so both meet the same machine load: the
 *   default (the callee opens camera and microphone at the accept) and
 *   `preview-on-ring` (opened while ringing, for the dialog's preview). The
 *   callee accepts RING_MS after the dialog shows (and, with the preview, once
 *   the preview shows), as a person would, so both modes had the same time to
 *   prepare the answer and only the device opening differs.
 *
 *   npm run build && tsx bench/call-setup-product.ts [--runs 20] [--warmup 3] [--json file]
 */
import type { Browser, Page } from 'puppeteer-core';
import { launchBrowser } from '../test/support/browsers.js';
import { startHostSite } from '../test/e2e/support/host-page.js';
import { installPageHooks, recordedEvents, type HookedWindow } from '../test/e2e/support/page-hooks.js';
import { Person } from '../test/e2e/support/person.js';
import { createAccount } from './support/accounts.js';
import { startBackendProcess } from './support/backend-process.js';
import { installTimingHooks, type BenchWindow } from './support/first-frame.js';
import { benchArgs, printTime, reportCallSetup, summarize, writeResult, type BenchResult, type Summary } from './support/stats.js';

const { runs, warmup, json } = benchArgs({ runs: 20, warmup: 3 });

/** How long the callee lets it ring before clicking accept: a quick person's reaction. */
const RING_MS = 1_000;

// The backend in a process of its own, as deployed: not sharing an event loop with the browser driver.
const backend = await startBackendProcess();
const site = await startHostSite(backend.origin);
const browser = await launchBrowser('chromium');

/** A window of its own in a fresh context (own storage and cache), with the test and timing hooks. */
async function openPage(b: Browser): Promise<Page> {
  const page = await (await b.createBrowserContext()).newPage({ type: 'window' });
  await installPageHooks(page);
  await installTimingHooks(page);
  return page;
}

/** Absolute time the first part `name` was seen visible, polled every animation frame from page start. */
async function whenVisible(page: Page, name: string): Promise<number> {
  const handle = await page.waitForFunction(
    (n: string) => {
      const w = window as unknown as HookedWindow & BenchWindow;
      return w.__e2eFindParts?.(n).some((el) => w.__e2eVisible(el)) ? w.__benchNow() : false;
    },
    { polling: 'raf', timeout: 30_000 },
    name,
  );
  return (await handle.jsonValue()) as number;
}

/** Moments of the next call's peer connection: answer applied (caller) and ICE connected; read with `linkMoments`. */
interface LinkMoments {
  answerAt?: number;
  iceAt?: number;
}

/** Starts watching for the first presented frame of the next remote video; read with `firstRemoteFrame`. */
async function armFirstFrame(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as HookedWindow & BenchWindow & { __benchFrame: Promise<number>; __benchLink?: LinkMoments };
    if (!w.__benchLink) {
      // Hooked once per page: every later connection records its moments into the current __benchLink.
      const setRemote = RTCPeerConnection.prototype.setRemoteDescription;
      RTCPeerConnection.prototype.setRemoteDescription = function (this: RTCPeerConnection, ...args: Parameters<typeof setRemote>) {
        const moments = w.__benchLink!;
        this.addEventListener('iceconnectionstatechange', () => {
          if (this.iceConnectionState === 'connected' && moments.iceAt === undefined) moments.iceAt = w.__benchNow();
        });
        return setRemote.apply(this, args).then((r) => {
          if (args[0]?.type === 'answer' && moments.answerAt === undefined) moments.answerAt = w.__benchNow();
          return r;
        });
      } as typeof setRemote;
    }
    w.__benchLink = {};
    w.__benchFrame = w.__benchRemoteFrame();
  });
}

const firstRemoteFrame = (page: Page): Promise<number> =>
  page.evaluate(() => (window as unknown as { __benchFrame: Promise<number> }).__benchFrame);

const linkMoments = (page: Page): Promise<LinkMoments> =>
  page.evaluate(() => ({ ...(window as unknown as { __benchLink: LinkMoments }).__benchLink }));

try {
  const [aliceAccount, bobAccount] = [await createAccount(backend.origin, 'alice'), await createAccount(backend.origin, 'bob')];

  // Page load → sign-in form visible, and sign-in click → people list shown.
  const loads: number[] = [];
  const signIns: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const page = await openPage(browser);
    await page.goto(site.url(), { waitUntil: 'domcontentloaded' });
    const formAt = await whenVisible(page, 'login-form');
    const navigationStart = await page.evaluate(() => performance.timeOrigin);
    const person = new Person(page, 'visitor', aliceAccount);
    await person.loginModeSignIn();
    await person.fill('email', aliceAccount.email);
    await person.fill('password', aliceAccount.password);
    await person.click('submit');
    const listAt = await whenVisible(page, 'peer-list');
    const clickAt = await page.evaluate(() => (window as unknown as BenchWindow).__benchClicks['submit']!);
    await page.browserContext().close();
    if (i < warmup) continue;
    loads.push(formAt - navigationStart);
    signIns.push(listAt - clickAt);
  }

  // Call setup between two signed-in people, in each mode: its own pair of pages and accounts.
  const connectedAt = async (page: Page): Promise<number> => {
    const events = await recordedEvents(page, 'rtc-call-state');
    const last = events.filter((e) => (e.detail as { call: { phase: string } }).call.phase === 'connected').at(-1);
    if (!last) throw new Error('no "connected" call state was seen');
    return last.at;
  };
  const modes = [
    { name: 'default', previewOnRing: false, caller: aliceAccount, callee: bobAccount },
    {
      name: 'preview-on-ring',
      previewOnRing: true,
      caller: await createAccount(backend.origin, 'carol'),
      callee: await createAccount(backend.origin, 'dave'),
    },
  ].map((mode) => ({
    ...mode,
    pages: null as { caller: Person; callee: Person } | null,
    samples: { caller: [] as number[], callee: [] as number[] },
    // Where the time goes: the moment each side's call state turned "connected".
    connected: { caller: [] as number[], callee: [] as number[] },
    // And the link's own steps: caller applied the answer, ICE connected (later of both sides).
    steps: { answer: [] as number[], ice: [] as number[] },
  }));
  for (const mode of modes) {
    const caller = new Person(await openPage(browser), `${mode.name} caller`, mode.caller);
    const callee = new Person(await openPage(browser), `${mode.name} callee`, mode.callee);
    for (const person of [caller, callee]) {
      await person.page.goto(site.url({ 'preview-on-ring': mode.previewOnRing }));
      await person.signIn();
    }
    await caller.peer(callee.name);
    mode.pages = { caller, callee };
  }
  for (let i = 0; i < warmup + runs; i++) {
    for (const mode of modes) {
      const { caller: alice, callee: bob } = mode.pages!;
      await Promise.all([armFirstFrame(alice.page), armFirstFrame(bob.page)]);
      await alice.call(bob.name);
      await bob.part('accept', { timeout: 15_000 });
      if (mode.previewOnRing) await bob.part('ring-preview', { timeout: 15_000 });
      await new Promise((resolve) => setTimeout(resolve, RING_MS));
      await bob.accept();
      const [callerFrame, calleeFrame] = await Promise.all([firstRemoteFrame(alice.page), firstRemoteFrame(bob.page)]);
      const acceptAt = await bob.page.evaluate(() => (window as unknown as BenchWindow).__benchClicks['accept']!);
      const [callerConnected, calleeConnected] = [await connectedAt(alice.page), await connectedAt(bob.page)];
      const [callerLink, calleeLink] = [await linkMoments(alice.page), await linkMoments(bob.page)];
      await alice.click('hangup');
      for (const person of [alice, bob]) {
        await person.click('dismiss');
        await person.waitForNoPart('video-stage');
      }
      if (i < warmup) continue;
      const { samples, connected, steps } = mode;
      samples.caller.push(callerFrame - acceptAt);
      samples.callee.push(calleeFrame - acceptAt);
      // Event times are Date.now() (whole ms) in the page; close enough for a breakdown.
      connected.caller.push(callerConnected - acceptAt);
      connected.callee.push(calleeConnected - acceptAt);
      if (callerLink.answerAt !== undefined) steps.answer.push(callerLink.answerAt - acceptAt);
      if (callerLink.iceAt !== undefined && calleeLink.iceAt !== undefined)
        steps.ice.push(Math.max(callerLink.iceAt, calleeLink.iceAt) - acceptAt);
    }
  }

  console.log(`product UI timings (Chromium, fake media, backend in its own process on loopback), ${runs} runs after ${warmup} warm-up`);
  const load = summarize(loads);
  const signIn = summarize(signIns);
  printTime('page load → sign-in form visible (no cache)', load);
  printTime('sign-in click → people list shown', signIn);
  const calls: Summary[] = [];
  for (const { name, samples, connected, steps } of modes) {
    calls.push(
      await reportCallSetup(
        'call-setup-product',
        `call-setup-product, ${name}: <rtc-call> in two pages, real backend (Aedes over WebSocket) on loopback, accept ${RING_MS} ms after the ring`,
        'accept click',
        samples,
        undefined,
        {
          '(caller: accept click → state "connected")': connected.caller,
          '(callee: accept click → state "connected")': connected.callee,
          '(breakdown: accept click → answer applied at the caller)': steps.answer,
          '(breakdown: accept click → ICE connected on both sides)': steps.ice,
        },
      ),
    );
  }
  const [call, preview] = calls as [Summary, Summary];
  console.log(
    `devices opened at the accept (default) / while ringing (preview-on-ring): median ${(call.median / preview.median).toFixed(2)}×, p95 ${(call.p95 / preview.p95).toFixed(2)}×`,
  );
  const result: BenchResult = {
    bench: 'call-setup-product',
    notes: [
      'product: accept click → first remote frame on both sides, through the widget UI and the real backend',
      `"call-setup" is the default (devices opened at the accept); "call-setup-preview-on-ring" opens them while ringing; accept ${RING_MS} ms after the ring`,
    ],
    metrics: {
      'call-setup': { kind: 'time', unit: 'ms', summary: call },
      'call-setup-preview-on-ring': { kind: 'time', unit: 'ms', summary: preview },
      'page-load-to-form': { kind: 'time', unit: 'ms', summary: load },
      'sign-in-to-people-list': { kind: 'time', unit: 'ms', summary: signIn },
    },
  };
  await writeResult(json, result);
} finally {
  await browser.close();
  await site.close();
  await backend.close();
}
