/**
 * File transfer (issue #16, PROTOCOL.md §9): throughput of the product against the limit measured
 * in the same run, and memory during a 1 GB transfer.
 *
 * - Limit: two RTCPeerConnections in ONE page of one browser, connected directly (no signalling
 *   server), one negotiated ordered channel each way, the same bytes sent in the same 64 KiB
 *   messages with the same backpressure (pause above 8 MiB buffered, go on at 2 MiB), from the
 *   first description to the last byte received. No file, no hashing, no saving. Measured in
 *   Chromium and in Firefox; a pair's limit is its slower engine's (a pair cannot beat its slower end).
 * - Product: two people in two browsers (Chromium↔Chromium: two Chromium processes;
 *   Chromium→Firefox and Firefox→Chromium), signed in to the real backend (a child process),
 *   driven through the widget's UI: a file picked with "Send a file", accepted, from the Accept
 *   click to the recipient's `rtc-file-transfer` "done" (its connection made, every byte read
 *   from disk, SHA-256 on both sides, saved: Chromium through the save dialog's file, Firefox in
 *   memory for a download, and the digests compared). The file is sparse (zeros read from the
 *   page cache): neither the digest nor the channel cares what the bytes are.
 * - Two-browser baseline: the same raw channel (same chunking and backpressure, no file, no
 *   digest, no saving) between the two pages the product pair uses, each in its own browser,
 *   signalled by the bench, alternated with the product's runs. On a 2-core machine two browsers
 *   (each with its renderer, browser and GPU processes) share the cores that one page had alone,
 *   so this says what the pair's topology allows, apart from the product's own work.
 * - Memory: a 1 GB file Chromium→Chromium (the recipient writes to the save dialog's file), the JS
 *   heap of both pages and the resident memory of each whole browser (every process) sampled
 *   every 500 ms; then the same file Chromium→Firefox, whose recipient gathers it in memory.
 *
 *   npm run build && tsx bench/file-transfer.ts [--runs 3] [--size-mb 256] [--memory-mb 1024] [--json file]
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { launchBrowser, type BrowserName } from '../test/support/browsers.js';
import { processTree } from '../test/support/test-backend.js';
import { startHostSite } from '../test/e2e/support/host-page.js';
import { installPageHooks, recordedEvents } from '../test/e2e/support/page-hooks.js';
import { Person } from '../test/e2e/support/person.js';
import { answerSaveDialog, clickOn, makeFile, sendFiles, transfer, type TestFile } from '../test/e2e/support/files.js';
import { FILE_CHUNK_BYTES } from '../src/protocol/index.js';
import { SEND_BUFFER_HIGH, SEND_BUFFER_LOW } from '../src/core/files/file-link.js';
import { createAccount } from './support/accounts.js';
import { startBackendProcess } from './support/backend-process.js';
import { benchArgs, printTable, summarize, writeResult, type BenchResult, type Metric } from './support/stats.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { runs, json, setting } = benchArgs({ runs: 3, warmup: 0 }, [], { 'size-mb': '256', 'memory-mb': '1024' });
const MB = 1024 * 1024;
const SIZE = Number(setting('size-mb')) * MB;
const MEMORY_SIZE = Number(setting('memory-mb')) * MB;
const SAMPLE_EVERY_MS = 500;

/** In one page: two connections, one channel, `total` bytes with the product's chunking and backpressure; ms from the first description to the last byte. */
async function inPageLimit(total: number, chunk: number, high: number, low: number): Promise<number> {
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => void (e.candidate && b.addIceCandidate(e.candidate));
  b.onicecandidate = (e) => void (e.candidate && a.addIceCandidate(e.candidate));
  const out = a.createDataChannel('limit', { negotiated: true, id: 0, ordered: true });
  const into = b.createDataChannel('limit', { negotiated: true, id: 0, ordered: true });
  into.binaryType = 'arraybuffer';
  out.bufferedAmountLowThreshold = low;
  let received = 0;
  const done = new Promise<void>((resolve) => {
    into.onmessage = (e: MessageEvent<ArrayBuffer>) => {
      received += e.data.byteLength;
      if (received >= total) resolve();
    };
  });
  const start = performance.now();
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription!);
  await new Promise<void>((resolve) => (out.readyState === 'open' ? resolve() : (out.onopen = () => resolve())));
  const bytes = new Uint8Array(chunk);
  for (let sent = 0; sent < total; sent += chunk) {
    if (out.bufferedAmount > high)
      await new Promise<void>((resolve) => out.addEventListener('bufferedamountlow', () => resolve(), { once: true }));
    out.send(bytes);
  }
  await done;
  const elapsed = performance.now() - start;
  a.close();
  b.close();
  return elapsed;
}

/** One end of the two-browser baseline: its connection and channel, kept on `window` between calls. */
async function openEnd(page: Page, receive: boolean, total: number): Promise<void> {
  await page.evaluate(
    async (receive: boolean, total: number) => {
      const pc = new RTCPeerConnection();
      const channel = pc.createDataChannel('baseline', { negotiated: true, id: 0, ordered: true });
      channel.binaryType = 'arraybuffer';
      const end = { pc, channel, done: Promise.resolve() };
      if (receive) {
        let received = 0;
        end.done = new Promise<void>((resolve) => {
          channel.onmessage = (e: MessageEvent<ArrayBuffer>) => {
            received += e.data.byteLength;
            if (received >= total) resolve();
          };
        });
      }
      Object.assign(window, { __baseline: end });
      if (!receive) await pc.setLocalDescription();
    },
    receive,
    total,
  );
}

/**
 * This end's description once it holds every candidate gathered, after setting the other end's
 * (`remote`, answered when it is an offer); without `remote`, the offer `openEnd` already made.
 */
async function describe(page: Page, remote?: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
  return page.evaluate(async (remote: RTCSessionDescriptionInit | null) => {
    const { pc } = (window as unknown as { __baseline: { pc: RTCPeerConnection } }).__baseline;
    if (remote) await pc.setRemoteDescription(remote);
    if (remote?.type === 'offer') await pc.setLocalDescription();
    if (pc.iceGatheringState !== 'complete')
      await new Promise<void>((resolve) =>
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve()),
      );
    return pc.localDescription!.toJSON();
  }, remote ?? null);
}

/**
 * The two-browser baseline: `total` bytes from `from`'s page to `to`'s, raw, with the product's
 * chunking and backpressure; ms from the first description to the last byte received (candidates
 * travel inside the descriptions, as one exchange each way).
 */
async function twoBrowserLimit(from: Page, to: Page, total: number): Promise<number> {
  const start = Date.now();
  await openEnd(from, false, total);
  await openEnd(to, true, total);
  // The offer once it holds its candidates, then the answer with its own.
  await describe(from, await describe(to, await describe(from)));
  const received = to.evaluate(() => (window as unknown as { __baseline: { done: Promise<void> } }).__baseline.done);
  await from.evaluate(
    async (total: number, chunk: number, high: number, low: number) => {
      const { channel } = (window as unknown as { __baseline: { channel: RTCDataChannel } }).__baseline;
      if (channel.readyState !== 'open') await new Promise<void>((resolve) => (channel.onopen = () => resolve()));
      channel.bufferedAmountLowThreshold = low;
      const bytes = new Uint8Array(chunk);
      for (let sent = 0; sent < total; sent += chunk) {
        if (channel.bufferedAmount > high)
          await new Promise<void>((resolve) => channel.addEventListener('bufferedamountlow', () => resolve(), { once: true }));
        channel.send(bytes);
      }
    },
    total,
    FILE_CHUNK_BYTES,
    SEND_BUFFER_HIGH,
    SEND_BUFFER_LOW,
  );
  await received;
  const elapsed = Date.now() - start;
  for (const page of [from, to])
    await page.evaluate(() => (window as unknown as { __baseline: { pc: RTCPeerConnection } }).__baseline.pc.close());
  return elapsed;
}

const mbps = (bytes: number, ms: number) => bytes / MB / (ms / 1000);

/** Resident memory (MiB) of a browser and every process under it. */
function browserRss(browser: Browser): number {
  const pid = browser.process()?.pid;
  if (pid === undefined) return NaN;
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone during the walk.
    }
  }
  return kb / 1024;
}

/** The page's used JS heap (MiB), where the engine says (Chromium). */
async function jsHeap(page: Page, name: BrowserName): Promise<number> {
  if (name !== 'chromium') return NaN;
  return ((await page.metrics()).JSHeapUsedSize ?? NaN) / MB;
}

interface Side {
  browser: Browser;
  name: BrowserName;
  person: Person;
}

const backend = await startBackendProcess();
const site = await startHostSite(backend.origin);
const dir = await mkdtemp(join(tmpdir(), 'rtc-call-bench-files-'));
const browsers: Browser[] = [];
const metrics: Record<string, Metric> = {};
const notes: string[] = [];

async function person(name: BrowserName, label: string): Promise<Side> {
  const browser = await launchBrowser(name);
  browsers.push(browser);
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  await installPageHooks(page);
  await page.goto(site.url(), { waitUntil: 'load' });
  const p = new Person(page, `${label}-${name}`, await createAccount(backend.origin, `${label}${Date.now()}`));
  await p.signIn();
  return { browser, name, person: p };
}

/** One file from `from` to `to` through the UI; ms from the Accept click to the recipient's "done". */
async function sendOne(from: Side, to: Side, file: TestFile, during?: () => void): Promise<number> {
  await sendFiles(from.person, [file]);
  await transfer(to.person, file.name, 20_000);
  await answerSaveDialog(to.person);
  const clicked = Date.now();
  await clickOn(to.person, file.name, 'file-accept');
  const deadline = Date.now() + 600_000;
  for (;;) {
    const ends = (await recordedEvents(to.person.page, 'rtc-file-transfer')).filter(
      (e) => (e.detail as { transfer: { name: string } }).transfer.name === file.name,
    );
    const end = ends[0];
    if (end) {
      const { phase, problem } = (end.detail as { transfer: { phase: string; problem: string | null } }).transfer;
      if (phase !== 'done') throw new Error(`${file.name}: ${phase} (${problem})`);
      return end.at - clicked;
    }
    if (Date.now() > deadline) throw new Error(`${file.name}: no end within 10 minutes`);
    during?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

try {
  // ---- the limit, in one page of each engine
  const limits: Record<BrowserName, number[]> = { chromium: [], firefox: [] };
  for (const name of ['chromium', 'firefox'] as const) {
    const browser = await launchBrowser(name);
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    await page.goto(site.url(), { waitUntil: 'load' });
    for (let i = 0; i < runs; i++) {
      const ms = await page.evaluate(inPageLimit, SIZE, FILE_CHUNK_BYTES, SEND_BUFFER_HIGH, SEND_BUFFER_LOW);
      limits[name].push(mbps(SIZE, ms));
    }
    await browser.close();
  }

  // ---- the product, through the UI
  const pairs = [
    ['chromium', 'chromium'],
    ['chromium', 'firefox'],
    ['firefox', 'chromium'],
  ] as const;
  const product = new Map<string, number[]>();
  const twoBrowsers = new Map<string, number[]>();
  for (const [a, b] of pairs) {
    const alice = await person(a, 'alice');
    const bob = await person(b, 'bob');
    await alice.person.peer(bob.person.name, 20_000);
    await alice.person.openChat(bob.person.name);
    await bob.person.openChat(alice.person.name);
    const figures: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternated, so a busy moment of the shared machine falls on both.
      baseline.push(mbps(SIZE, await twoBrowserLimit(alice.person.page, bob.person.page, SIZE)));
      const file = await makeFile(dir, `throughput-${a}-${b}-${i}.bin`, SIZE, 'sparse');
      figures.push(mbps(SIZE, await sendOne(alice, bob, file)));
    }
    product.set(`${a}→${b}`, figures);
    twoBrowsers.set(`${a}→${b}`, baseline);
    for (const side of [alice, bob]) await side.browser.close();
    browsers.length = 0;
  }

  const median = (xs: number[]) => summarize(xs).median;
  const rows: string[][] = [
    [
      'transfer',
      'median MB/s',
      'runs (MB/s)',
      'limit (median MB/s)',
      'product/limit',
      'two browsers, raw (median MB/s)',
      'product/two browsers',
    ],
  ];
  for (const name of ['chromium', 'firefox'] as const) {
    rows.push([
      `limit: 2 channels in one ${name} page`,
      median(limits[name]).toFixed(0),
      limits[name].map((x) => x.toFixed(0)).join(', '),
      '',
      '',
      '',
      '',
    ]);
    metrics[`limit-${name}`] = { kind: 'rate', unit: 'kbps', summary: summarize(limits[name].map((x) => x * 8 * 1024)) };
  }
  for (const [key, figures] of product) {
    const [a, b] = key.split('→') as [BrowserName, BrowserName];
    const limit = Math.min(median(limits[a]), median(limits[b]));
    const raw = twoBrowsers.get(key)!;
    rows.push([
      `rtc-call ${key}`,
      median(figures).toFixed(0),
      figures.map((x) => x.toFixed(0)).join(', '),
      limit.toFixed(0),
      `${(median(figures) / limit).toFixed(2)}×`,
      `${median(raw).toFixed(0)} (${raw.map((x) => x.toFixed(0)).join(', ')})`,
      `${(median(figures) / median(raw)).toFixed(2)}×`,
    ]);
    metrics[`two-browsers-${a}-${b}`] = { kind: 'rate', unit: 'kbps', summary: summarize(raw.map((x) => x * 8 * 1024)) };
    metrics[`product-${a}-${b}`] = { kind: 'rate', unit: 'kbps', summary: summarize(figures.map((x) => x * 8 * 1024)) };
  }
  printTable(`File transfer throughput, ${SIZE / MB} MiB files (MB = MiB here), ${runs} runs`, rows);

  // ---- memory during a 1 GB transfer
  const memoryRows: string[][] = [
    [
      '1 GiB transfer',
      'sender JS heap MiB (start → max → end)',
      'recipient JS heap MiB',
      'sender browser RSS MiB',
      'recipient browser RSS MiB',
      'MB/s',
    ],
  ];
  for (const [a, b] of [
    ['chromium', 'chromium'],
    ['chromium', 'firefox'],
  ] as const) {
    const alice = await person(a, 'alice');
    const bob = await person(b, 'bob');
    await alice.person.peer(bob.person.name, 20_000);
    await alice.person.openChat(bob.person.name);
    await bob.person.openChat(alice.person.name);
    const samples: { heapA: number; heapB: number; rssA: number; rssB: number }[] = [];
    const sample = async () =>
      samples.push({
        heapA: await jsHeap(alice.person.page, a),
        heapB: await jsHeap(bob.person.page, b),
        rssA: browserRss(alice.browser),
        rssB: browserRss(bob.browser),
      });
    await sample();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
        if (sampling) await sample().catch(() => undefined);
      }
    })();
    const file = await makeFile(dir, `memory-${a}-${b}.bin`, MEMORY_SIZE, 'sparse');
    const ms = await sendOne(alice, bob, file);
    sampling = false;
    await sampler;
    await sample();
    const span = (key: keyof (typeof samples)[number]) => {
      const xs = samples.map((s) => s[key]).filter((x) => Number.isFinite(x));
      if (xs.length === 0) return 'n/a';
      return `${xs[0]!.toFixed(0)} → ${Math.max(...xs).toFixed(0)} → ${xs[xs.length - 1]!.toFixed(0)}`;
    };
    memoryRows.push([
      `${a}→${b}${b === 'firefox' ? ' (in memory for a download)' : ' (written to the chosen file)'}`,
      span('heapA'),
      span('heapB'),
      span('rssA'),
      span('rssB'),
      mbps(MEMORY_SIZE, ms).toFixed(0),
    ]);
    metrics[`memory-${a}-${b}-recipient-rss-growth-mib`] = {
      kind: 'size',
      unit: 'bytes',
      value: Math.round((Math.max(...samples.map((s) => s.rssB)) - samples[0]!.rssB) * MB),
    };
    notes.push(`${a}→${b}: ${samples.length} samples every ${SAMPLE_EVERY_MS} ms`);
    for (const side of [alice, bob]) await side.browser.close();
    browsers.length = 0;
  }
  printTable(`Memory during a ${MEMORY_SIZE / MB} MiB transfer (sampled every ${SAMPLE_EVERY_MS} ms)`, memoryRows);
  await writeResult(json, { bench: 'file-transfer', notes, metrics } satisfies BenchResult);
} finally {
  for (const browser of browsers) await browser.close().catch(() => undefined);
  await site.close();
  await backend.close();
  await rm(dir, { recursive: true, force: true });
}
