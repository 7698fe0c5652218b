/**
 * Group calls in a room (issue #14, PROTOCOL.md §6) at 2, 3 and 4 people, per
 * person, against the product's 1:1 call measured the same way in the same
 * run (the machine is shared and noisy: only ratios within one run count).
 * Chromium with fake media, the real backend in a child process on loopback,
 * the widget embedded in a site of another origin, driven through its UI.
 *
 * Every person has a Chromium of their own (one page each), so that each
 * figure is that person's alone:
 *
 * - CPU per page: utime + stime from /proc of the person's whole browser
 *   (browser process, renderer, GPU, network and audio service: everything it
 *   needs for the call) over a steady window (`--window` s, starting
 *   `--settle` s after everyone has a frame from everyone), divided by the
 *   window's wall time: 1.0 is one whole core. The backend and this driver do
 *   not count. Nothing polls the pages during the window.
 * - upload per person: `outbound-rtp` bytesSent + headerBytesSent (RTP
 *   payload and headers, audio and video; not RTCP, SRTP/DTLS or UDP/IP) of
 *   every open peer connection of the page, over the same window. (The
 *   engine's `Session.getGroupCallStats()` reads the same counters per link
 *   but without the headers, and only for group calls; the page's own
 *   connections serve both kinds of call alike.)
 * - join click → first remote frame from everyone: from the person's click on
 *   the people list's `join-call` button (UI, not the engine call) until a
 *   frame of every other member was presented in a visible tile
 *   (requestVideoFrameCallback, first-frame.ts). The starter clicks
 *   `start-room-call` first and is alone then, so their figure starts at the
 *   last joiner's click. The others join together, a second after the join
 *   button shows (as the 1:1 callee accepts a second after the ring). In the
 *   1:1 call the callee's `accept` click plays the joiner's: both sides are
 *   timed from it. Moments of different browsers are compared on the
 *   machine's clock (performance.timeOrigin + now). As a breakdown, the same
 *   start until the last of the person's own links was "connected" (DTLS up):
 *   the rest of the time is the media's first frames.
 *
 * A second table gives the engine's cap per link (group/bandwidth.ts), what
 * each video sender really sent (size, frame rate, what limited it, from
 * getStats) and how busy the whole machine was in the window (/proc/stat:
 * other jobs too), to read the figures with.
 *
 * The camera is Chromium's fake device at a smaller size than the widget asks
 * for (`--capture`, default 640x360 instead of 1280x720, set by the page's
 * getUserMedia): four browsers encoding and decoding three videos each must
 * fit in two cores. The size used is read back from the track and printed.
 *
 *   npm run build && tsx bench/group-call.ts [--runs 3] [--warmup 1] [--window 8] [--settle 3] [--capture 640x360] [--json file]
 */
import type { Page } from 'puppeteer-core';
import { launchBrowser } from '../test/support/browsers.js';
import { groupVideoLimit } from '../src/core/group/bandwidth.js';
import { startHostSite } from '../test/e2e/support/host-page.js';
import { installPageHooks, type HookedWindow } from '../test/e2e/support/page-hooks.js';
import { Person } from '../test/e2e/support/person.js';
import { createAccount } from './support/accounts.js';
import { startBackendProcess } from './support/backend-process.js';
import { installTimingHooks, type BenchWindow } from './support/first-frame.js';
import { cpuBetween, machineBusySeconds, markCpu, type CpuMark } from './support/process-cpu.js';
import { columns, FIGURES, GROUP_BENCH_CALLS, groupCallRows, type GroupBenchCall } from './support/group-table.js';
import { benchArgs, printTable, summarize, writeResult, type BenchResult, type Metric } from './support/stats.js';

const { runs, warmup, json, setting } = benchArgs({ runs: 3, warmup: 1 }, [], { window: '8', settle: '3', capture: '640x360' });
const WINDOW_MS = Number(setting('window')) * 1000;
const SETTLE_MS = Number(setting('settle')) * 1000;
const capture = /^(\d+)x(\d+)$/.exec(setting('capture'));
if (!capture || !(WINDOW_MS > 0) || !(SETTLE_MS >= 0)) throw new Error('--capture is WIDTHxHEIGHT, --window and --settle are seconds');
const [CAPTURE_WIDTH, CAPTURE_HEIGHT] = [Number(capture[1]), Number(capture[2])];

/** A person's reaction: the 1:1 callee accepts, and the joiners join, this long after their button shows. */
const REACTION_MS = 1_000;
/** Sizes of the group calls measured; the people are the first n of PEOPLE. */
const SIZES = [2, 3, 4] as const;
const PEOPLE = ['alice', 'bob', 'carol', 'dave'];
/** A window's machine is saturated when it was this busy: its CPU figures are what the browsers got, not what they asked for. */
const SATURATED_CORES = 1.9;
/** How long the figures of one call may take before the run is given up. */
const FRAMES_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs in the page before its scripts: the camera at the benchmark's size, whatever the widget asks. */
function limitCapture(width: number, height: number): void {
  const original = MediaDevices.prototype.getUserMedia;
  MediaDevices.prototype.getUserMedia = function (this: MediaDevices, constraints?: MediaStreamConstraints) {
    const video = constraints?.video;
    const sized = video ? { ...(typeof video === 'object' ? video : {}), width: { ideal: width }, height: { ideal: height } } : video;
    return original.call(this, { ...constraints, video: sized });
  };
}

/** One person: their own Chromium (its pid for /proc) and page. */
interface Member {
  person: Person;
  pid: number;
}

/** What a page sends, read from its open peer connections. */
interface Upload {
  links: number;
  /** outbound-rtp bytesSent + headerBytesSent, every kind, every open connection. */
  bytes: number;
  /** The stats' own clock (ms) of the latest counter. */
  at: number;
  /** Each video sender: frame size and rate sent, and what limits its quality. */
  video: { width: number; height: number; fps: number; limitation: string }[];
  /** The camera track's own settings (the size the fake device gives). */
  camera: { width: number; height: number; frameRate: number } | null;
}

function readUpload(page: Page): Promise<Upload> {
  return page.evaluate(async () => {
    const w = window as unknown as HookedWindow;
    const open = w.__e2ePeerConnections.filter((pc) => pc.connectionState !== 'closed');
    const upload: Upload = { links: open.length, bytes: 0, at: 0, video: [], camera: null };
    for (const pc of open) {
      const track = pc.getSenders().find((s) => s.track?.kind === 'video')?.track;
      if (track && !upload.camera) {
        const { width = 0, height = 0, frameRate = 0 } = track.getSettings();
        upload.camera = { width, height, frameRate };
      }
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type !== 'outbound-rtp') return;
        upload.bytes += Number(s.bytesSent ?? 0) + Number(s.headerBytesSent ?? 0);
        upload.at = Math.max(upload.at, Number(s.timestamp));
        if (s.kind === 'video') {
          const [width, height, fps] = [s.frameWidth, s.frameHeight, s.framesPerSecond].map((x) => Number(x ?? 0)) as [
            number,
            number,
            number,
          ];
          upload.video.push({ width, height, fps, limitation: String(s.qualityLimitationReason ?? 'unknown') });
        }
      });
    }
    return upload;
  });
}

/** A person's figures in one call. */
interface PersonFigures {
  /** Cores (CPU seconds per wall second) of their browser in the window. */
  cpu: number;
  uploadKbps: number;
  joinToFramesMs: number;
  /** Breakdown: the same start until the last of their links was connected (DTLS up). */
  joinToLinksMs: number;
  /** Processes of their browser that ended within the window (their time is missing from `cpu`). */
  exited: number;
  end: Upload;
}

/** One measured call: each person's figures, and what the whole machine did in the window. */
interface CallRun {
  people: PersonFigures[];
  /** Cores busy on the whole machine in the window (every process, other people's jobs too). */
  machineCores: number;
}

/** When a person had what they waited for: a frame from everyone, and every link connected (absolute ms). */
interface Arrival {
  frames: number;
  links: number;
}

/** Waits `settle`, then measures each member's CPU and upload over the window; `joinedAt` is each one's start. */
async function steadyWindow(members: Member[], arrivals: Arrival[], joinedAt: number[]): Promise<CallRun> {
  await sleep(SETTLE_MS);
  const mark = () =>
    Promise.all(
      members.map(async (m) => ({ cpu: markCpu(m.pid), upload: await readUpload(m.person.page) }) as { cpu: CpuMark; upload: Upload }),
    );
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const start = await mark();
  await sleep(WINDOW_MS);
  const end = await mark();
  const machineCores = (machineBusySeconds() - busy0) / ((performance.now() - t0) / 1000);
  const people = members.map((m, i) => {
    const [s, e] = [start[i]!, end[i]!];
    if (e.upload.links !== members.length - 1) {
      throw new Error(`${m.person.label}: ${e.upload.links} open peer connections in a call of ${members.length}`);
    }
    const { cores, exited } = cpuBetween(s.cpu, e.cpu);
    const uploadKbps = ((e.upload.bytes - s.upload.bytes) * 8) / (e.upload.at - s.upload.at);
    const [arrival, from] = [arrivals[i]!, joinedAt[i]!];
    const joins = { joinToFramesMs: arrival.frames - from, joinToLinksMs: arrival.links - from };
    return { cpu: cores, uploadKbps, ...joins, exited, end: e.upload };
  });
  return { people, machineCores };
}

/** Starts watching for the frames `awaited` in the page; `framesArrived` reads the time they were all presented. */
async function arm(page: Page, awaited: { group: number } | 'one-to-one'): Promise<void> {
  await page.evaluate((a) => {
    const w = window as unknown as BenchWindow & { __benchArmed: Promise<number> };
    w.__benchLinksUp.length = 0;
    w.__benchArmed = a === 'one-to-one' ? w.__benchRemoteFrame() : w.__benchGroupFrames(a.group);
  }, awaited);
}

async function framesArrived(person: Person): Promise<Arrival> {
  const arrived = person.page.evaluate(() => (window as unknown as { __benchArmed: Promise<number> }).__benchArmed);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${person.label}: no frame from everyone within ${FRAMES_TIMEOUT_MS} ms`)),
      FRAMES_TIMEOUT_MS,
    );
  });
  try {
    const frames = await Promise.race([arrived, late]);
    const links = await person.page.evaluate(() => Math.max(...(window as unknown as BenchWindow).__benchLinksUp));
    return { frames, links };
  } finally {
    clearTimeout(timer);
  }
}

const clickedAt = (person: Person, part: string): Promise<number> =>
  person.page.evaluate((p) => (window as unknown as BenchWindow).__benchClicks[p]!, part);

/** The product's 1:1 call: the caller clicks the call button, the callee accepts; timed from the accept click. */
async function oneToOne([caller, callee]: [Member, Member], measure: boolean): Promise<CallRun | null> {
  await Promise.all([arm(caller.person.page, 'one-to-one'), arm(callee.person.page, 'one-to-one')]);
  await caller.person.call(callee.person.name);
  await callee.person.part('accept', { timeout: 15_000 });
  await sleep(REACTION_MS);
  await callee.person.accept();
  const frames = await Promise.all([framesArrived(caller.person), framesArrived(callee.person)]);
  const acceptAt = await clickedAt(callee.person, 'accept');
  const run = measure ? await steadyWindow([caller, callee], frames, [acceptAt, acceptAt]) : null;
  await caller.person.click('hangup');
  for (const { person } of [caller, callee]) {
    await person.click('dismiss');
    await person.waitForNoPart('video-stage');
  }
  return run;
}

/** A group call of `members` in the lobby: the first starts it, the others join together once they see it. */
async function groupCall(members: Member[], everyone: Member[], measure: boolean): Promise<CallRun | null> {
  const [starter, ...joiners] = members as [Member, ...Member[]];
  const others = members.length - 1;
  await arm(starter.person.page, { group: others });
  await starter.person.click('start-room-call');
  await starter.person.part('group-call', { timeout: 15_000 });
  await Promise.all(joiners.map((j) => j.person.part('join-call', { timeout: 15_000 })));
  await sleep(REACTION_MS);
  await Promise.all(joiners.map((j) => arm(j.person.page, { group: others })));
  await Promise.all(joiners.map((j) => j.person.click('join-call')));
  const frames = await Promise.all(members.map((m) => framesArrived(m.person)));
  const clicks = await Promise.all(joiners.map((j) => clickedAt(j.person, 'join-call')));
  const starts = [Math.max(...clicks), ...clicks];
  const run = measure ? await steadyWindow(members, frames, starts) : null;
  for (const { person } of members) await person.click('leave');
  for (const { person } of members) await person.waitForNoPart('group-call', { timeout: 15_000 });
  // The call is over for everyone (its retained roster cleared) before the next one starts.
  for (const { person } of everyone) await person.part('start-room-call', { timeout: 20_000 });
  return run;
}

/** After a failed call: everyone leaves whatever call they are in, until the lobby has no call on. */
async function endAnyCall(everyone: Member[]): Promise<void> {
  // Twice: a hung-up call shows its dismiss button a moment later.
  for (let pass = 0; pass < 2; pass++) {
    for (const { person } of everyone) {
      for (const part of ['leave', 'hangup', 'cancel', 'decline', 'dismiss']) {
        if (await person.hasPart(part)) await person.click(part).catch(() => undefined);
      }
    }
    await sleep(1_000);
  }
  for (const { person } of everyone) await person.part('start-room-call', { timeout: 30_000 });
}

/** The rows of the table: the 1:1 call, then each group size. */
type Kind = 'one-to-one' | (typeof SIZES)[number];
const KINDS: Kind[] = ['one-to-one', ...SIZES];
const jsonKey = (kind: Kind): GroupBenchCall => (kind === 'one-to-one' ? 'one-to-one' : `group-${kind}`);

const backend = await startBackendProcess();
const site = await startHostSite(backend.origin);
const members: Member[] = [];
try {
  for (const name of PEOPLE) {
    const browser = await launchBrowser('chromium');
    const pid = browser.process()?.pid;
    if (pid === undefined) throw new Error('no process id for a launched Chromium');
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    await installPageHooks(page);
    await installTimingHooks(page);
    await page.evaluateOnNewDocument(limitCapture, CAPTURE_WIDTH, CAPTURE_HEIGHT);
    members.push({ person: new Person(page, name, await createAccount(backend.origin, name)), pid });
  }
  for (const { person } of members) {
    await person.page.goto(site.url());
    await person.signIn();
  }
  // Everyone sees everyone in the lobby, and no call is on there.
  for (const { person } of members) {
    for (const other of members) if (other.person !== person) await person.peer(other.person.name, 20_000);
    await person.part('start-room-call', { timeout: 20_000 });
  }

  const measured = new Map<Kind, CallRun[]>(KINDS.map((k) => [k, []]));
  const failures: string[] = [];
  const t0 = performance.now();
  // Rounds interleave the kinds of call, so that each meets the same machine load.
  for (let round = 0; round < warmup + runs; round++) {
    const measure = round >= warmup;
    for (const kind of KINDS) {
      try {
        const run =
          kind === 'one-to-one'
            ? await oneToOne([members[0]!, members[1]!], measure)
            : await groupCall(members.slice(0, kind), members, measure);
        if (run) measured.get(kind)!.push(run);
      } catch (error) {
        // One call that fails (a busy machine, a lost frame) is said and left out; the others still count.
        failures.push(`${GROUP_BENCH_CALLS[jsonKey(kind)]}, round ${round + 1}: ${(error as Error).message.split('\n')[0]}`);
        await endAnyCall(members);
      }
    }
    console.error(
      `round ${round + 1} of ${warmup + runs} done (${measure ? 'measured' : 'warm-up'}), ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  await report(measured);
  if (failures.length > 0) {
    console.log(`\nCalls that failed and are left out (${failures.length}):`);
    for (const f of failures) console.log(`- ${f}`);
    process.exitCode = 1;
  }
} finally {
  await Promise.all(members.map((m) => m.person.page.browser().close()));
  await site.close();
  await backend.close();
}

/** Every sender's video at the end of the windows of one kind of call. */
function videosOf(runsOfKind: CallRun[]): Upload['video'] {
  return runsOfKind.flatMap((r) => r.people.flatMap((p) => p.end.video));
}

function median(values: number[]): number {
  return values.length > 0 ? summarize(values).median : NaN;
}

/** A figure with `digits` decimals, or n/a when every call of its kind failed. */
function figure(x: number, digits = 0): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

function sentSize(runsOfKind: CallRun[]): string {
  const videos = videosOf(runsOfKind);
  return `${figure(median(videos.map((v) => v.width)))}x${figure(median(videos.map((v) => v.height)))}`;
}

/** Summaries of every person's figures in every run of each call, the JSON result, the tables. */
async function report(measured: Map<Kind, CallRun[]>): Promise<void> {
  const people = (kind: Kind) => measured.get(kind)!.flatMap((r) => r.people);
  const cameras = [...measured.values()].flatMap((runs) => runs.flatMap((r) => r.people.map((p) => p.end.camera)));
  const camera = [...new Set(cameras.map((c) => (c ? `${c.width}x${c.height} at ${c.frameRate} fps` : 'no camera track')))].join(', ');
  const windowText = `${WINDOW_MS / 1000} s window ${SETTLE_MS / 1000} s after everyone had a frame from everyone`;
  const metrics: Record<string, Metric> = {};
  for (const kind of KINDS) {
    const key = jsonKey(kind);
    if (people(kind).length === 0) continue; // every call of that kind failed: the tables say n/a
    metrics[`${key}/${FIGURES.cpu}`] = { kind: 'rate', unit: 'cores', summary: summarize(people(kind).map((p) => p.cpu)) };
    metrics[`${key}/${FIGURES.upload}`] = { kind: 'rate', unit: 'kbps', summary: summarize(people(kind).map((p) => p.uploadKbps)) };
    metrics[`${key}/${FIGURES.join}`] = { kind: 'time', unit: 'ms', summary: summarize(people(kind).map((p) => p.joinToFramesMs)) };
    metrics[`${key}/${FIGURES.links}`] = { kind: 'time', unit: 'ms', summary: summarize(people(kind).map((p) => p.joinToLinksMs)) };
  }
  const result: BenchResult = {
    bench: 'group-call',
    notes: [
      `per person, each in a Chromium of their own; fake camera ${camera}; ${windowText}; ${runs} runs after ${warmup} warm-up`,
      'CPU: /proc utime+stime of the person’s whole browser per wall second; upload: outbound-rtp bytesSent + headerBytesSent of all the page’s connections',
      'join: the person’s join-call click (the starter: the last joiner’s; 1:1: the accept click) → a frame from every other member presented',
    ],
    metrics,
    conditions: { camera, window: windowText },
  };
  await writeResult(json, result);
  printTable(
    `Group calls per person against the 1:1 call (Chromium, fake camera, loopback; ${runs} runs after ${warmup} warm-up; ${windowText})`,
    groupCallRows(result),
  );
  printDetail(measured);
  const upload = (kind: Kind) => median(people(kind).map((p) => p.uploadKbps));
  const [two, four] = [upload(2), upload(4)];
  // Upload per link against the engine's bitrate cap (audio included, so an upper bound of the video's share).
  const underCap = SIZES.every((n) => upload(n) / (n - 1) < groupVideoLimit(n).maxBitrate / 1000);
  console.log(
    `\nBandwidth adaptation: upload per person at 4 people is ${figure(four / two, 2)}× that at 2 (3 links instead of 1: ` +
      `3× without adaptation); per link ${figure(four / 3)} kbps at 4 against ${figure(two)} kbps at 2, ` +
      `video sent per link ${sentSize(measured.get(4)!)} against ${sentSize(measured.get(2)!)}.` +
      (underCap ? ' Every link stayed under the engine’s bitrate cap: what lowered the upload is the smaller picture, not the cap.' : ''),
  );
  const windows = [...measured.values()].flat();
  const saturated = windows.filter((r) => r.machineCores >= SATURATED_CORES).length;
  console.log(
    `Machine: ${saturated} of ${windows.length} windows had the whole machine at ≥ ${SATURATED_CORES} of 2 cores busy (other jobs included)` +
      (saturated > 0 ? ': there the CPU figures are what the browsers got, not what they asked for, and the times are stretched.' : '.'),
  );
  const exited = windows.flatMap((c) => c.people).reduce((n, p) => n + p.exited, 0);
  if (exited > 0) console.log(`Note: ${exited} browser processes ended inside a window; their CPU time is missing from those figures.`);
}

/** What each sender put on a link, and the machine's load: to read the main table with. */
function printDetail(measured: Map<Kind, CallRun[]>): void {
  const detail = [
    columns(
      'call | join click → all own links connected (median, slowest) | links per person | engine’s cap per link | ' +
        'video sent per link: size, fps (median) | upload per link kbps (median) | quality limited by | ' +
        'the call’s browsers / whole machine, cores (median)',
    ),
  ];
  for (const kind of KINDS) {
    const runsOfKind = measured.get(kind)!;
    const videos = videosOf(runsOfKind);
    const links = kind === 'one-to-one' ? 1 : kind - 1;
    const limitations = new Map<string, number>();
    for (const v of videos) limitations.set(v.limitation, (limitations.get(v.limitation) ?? 0) + 1);
    const toLinks = runsOfKind.flatMap((r) => r.people.map((p) => p.joinToLinksMs));
    const cap = kind === 'one-to-one' ? null : groupVideoLimit(kind);
    detail.push([
      GROUP_BENCH_CALLS[jsonKey(kind)],
      toLinks.length > 0 ? `${figure(median(toLinks))} ms, ${figure(Math.max(...toLinks))} ms` : 'n/a',
      String(links),
      cap ? `${Math.round(cap.maxBitrate / 1000)} kbps, size ÷${cap.scaleResolutionDownBy}` : 'none (the browser’s own)',
      `${sentSize(runsOfKind)}, ${figure(median(videos.map((v) => v.fps)))}`,
      figure(median(runsOfKind.flatMap((r) => r.people.map((p) => p.uploadKbps))) / links),
      [...limitations].map(([reason, n]) => `${reason} ${n}/${videos.length}`).join(', '),
      `${figure(median(runsOfKind.map((r) => r.people.reduce((sum, p) => sum + p.cpu, 0))), 2)} / ` +
        `${figure(median(runsOfKind.map((r) => r.machineCores)), 2)} of 2`,
    ]);
  }
  printTable('Breakdown of the join, per link, and the machine during the window', detail);
}
