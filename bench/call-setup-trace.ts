/**
 * Where the call-setup time goes: one product call at a time through the
 * widget UI (as bench/call-setup-product.ts), with every MQTT frame sent and
 * received and every RTCPeerConnection step timestamped in both pages. Prints
 * the median moment of each step relative to the callee's accept click.
 *
 *   npm run build && tsx bench/call-setup-trace.ts [--runs 10] [--warmup 2] [--backend-process]
 *
 * `--backend-process` runs the backend in a child process, so the broker does
 * not share its event loop with the benchmark's browser driver.
 */
import type { Browser, Page } from 'puppeteer-core';
import { launchBrowser } from '../test/support/browsers.js';
import { startTestBackend } from '../test/support/test-backend.js';
import { startHostSite } from '../test/e2e/support/host-page.js';
import { installPageHooks } from '../test/e2e/support/page-hooks.js';
import { Person } from '../test/e2e/support/person.js';
import { createAccount } from './support/accounts.js';
import { startBackendProcess } from './support/backend-process.js';
import { installTimingHooks, type BenchWindow } from './support/first-frame.js';
import { benchArgs, summarize } from './support/stats.js';

const { runs, warmup, on } = benchArgs({ runs: 10, warmup: 2 }, ['backend-process', 'profile', 'no-preview']);
const ownProcess = on('backend-process');

interface TraceEntry {
  at: number;
  what: string;
}
type TraceWindow = BenchWindow & { __trace: TraceEntry[] };

/** Runs in the page: wraps WebSocket and RTCPeerConnection to log each step with an absolute time. */
function installTrace(): void {
  const w = window as unknown as TraceWindow;
  w.__trace = [];
  const now = () => performance.timeOrigin + performance.now();
  const log = (what: string) => w.__trace.push({ at: now(), what });
  // MQTT PUBLISH (type 3): the payload is JSON with a "type"; other packets are named by their type.
  const describe = (data: unknown): string => {
    let bytes: Uint8Array | null = null;
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (!bytes || bytes.length === 0) return 'frame';
    const kind = bytes[0]! >> 4;
    if (kind !== 3)
      return (
        [
          '?',
          'connect',
          'connack',
          'publish',
          'puback',
          'pubrec',
          'pubrel',
          'pubcomp',
          'subscribe',
          'suback',
          'unsub',
          'unsuback',
          'pingreq',
          'pingresp',
          'disconnect',
        ][kind] ?? '?'
      );
    const text = new TextDecoder().decode(bytes);
    const m = /"type":"([a-z-]+)"/.exec(text);
    const topic = /(inbox|presence|status)/.exec(text)?.[1] ?? '';
    return `publish ${topic} ${m?.[1] ?? ''}`.trim();
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data) {
    log(`ws> ${describe(data)}`);
    return send.call(this, data);
  };
  const addListener = WebSocket.prototype.addEventListener;
  const seen = new WeakSet<WebSocket>();
  const watch = (ws: WebSocket) => {
    if (seen.has(ws)) return;
    seen.add(ws);
    addListener.call(ws, 'message', (e: Event) => log(`ws< ${describe((e as MessageEvent).data)}`));
  };
  WebSocket.prototype.addEventListener = function (this: WebSocket, ...args: Parameters<WebSocket['addEventListener']>) {
    watch(this);
    return addListener.apply(this, args);
  } as WebSocket['addEventListener'];
  const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage')!;
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    ...onmessage,
    set(this: WebSocket, fn) {
      watch(this);
      onmessage.set!.call(this, fn);
    },
  });
  const P = RTCPeerConnection.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of ['createOffer', 'createAnswer', 'setLocalDescription', 'setRemoteDescription', 'addIceCandidate']) {
    const original = P[name]!;
    P[name] = function (this: RTCPeerConnection, ...args: unknown[]) {
      const type = (args[0] as { type?: string } | undefined)?.type ?? '';
      const label = `${name}${type ? ` ${type}` : ''}`;
      log(`${label} start`);
      const result = original.apply(this, args) as Promise<unknown>;
      return result.then((r) => {
        log(`${label} done`);
        return r;
      });
    };
  }
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = function (this: unknown, ...args: ConstructorParameters<typeof RTCPeerConnection>) {
    const pc = new Native(...args);
    log('pc created');
    pc.addEventListener('icecandidate', (e) => log(`local candidate ${e.candidate?.type ?? 'end'}`));
    pc.addEventListener('iceconnectionstatechange', () => log(`ice ${pc.iceConnectionState}`));
    pc.addEventListener('connectionstatechange', () => log(`pc ${pc.connectionState}`));
    pc.addEventListener('track', (e) => log(`track ${e.track.kind}`));
    // Video RTP milestones from getStats, polled every 10 ms: the first non-zero value of each counter.
    const firsts = new Set<string>();
    const poll = async () => {
      if (pc.connectionState === 'closed') return;
      const report = await pc.getStats();
      report.forEach((st: Record<string, unknown>) => {
        if (st.kind !== 'video') return;
        const fields =
          st.type === 'inbound-rtp'
            ? [
                'packetsReceived',
                'framesReceived',
                'keyFramesDecoded',
                'framesDecoded',
                'pliCount',
                'firCount',
                'nackCount',
                'framesDropped',
              ]
            : st.type === 'outbound-rtp'
              ? ['packetsSent', 'framesEncoded', 'keyFramesEncoded', 'framesSent', 'pliCount', 'firCount', 'nackCount']
              : [];
        for (const f of fields) {
          const key = `${st.type === 'inbound-rtp' ? 'in' : 'out'} ${f}`;
          if (!firsts.has(key) && Number(st[f] ?? 0) > 0) {
            firsts.add(key);
            log(`stats ${key}=${String(st[f])}`);
          }
        }
      });
      if (firsts.size < 9) setTimeout(() => void poll(), 10);
    };
    void poll();
    return pc;
  } as unknown as typeof RTCPeerConnection;
  window.RTCPeerConnection.prototype = Native.prototype;
  // Main-thread tasks over 50 ms: logged at their start, with their length.
  new PerformanceObserver((list) => {
    for (const t of list.getEntries())
      w.__trace.push({ at: performance.timeOrigin + t.startTime, what: `long task ${Math.round(t.duration)} ms` });
  }).observe({ type: 'longtask', buffered: false });
  const gum = MediaDevices.prototype.getUserMedia;
  MediaDevices.prototype.getUserMedia = function (this: MediaDevices, c) {
    log('getUserMedia start');
    return gum.call(this, c).then((s) => {
      log('getUserMedia done');
      return s;
    });
  };
}

const backend = ownProcess ? await startBackendProcess() : await startTestBackend({ relaxPublishLimits: true });
const site = await startHostSite(backend.origin);
const browser: Browser = await launchBrowser('chromium');

async function openPage(): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage({ type: 'window' });
  await installPageHooks(page);
  await installTimingHooks(page);
  await page.evaluateOnNewDocument(installTrace);
  if (on('no-preview')) {
    // Experiment: the own camera preview is never attached, to see what drawing it costs during set-up.
    await page.evaluateOnNewDocument(() => {
      const d = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject')!;
      Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
        ...d,
        set(this: HTMLMediaElement, v: MediaStream | null) {
          d.set!.call(this, this.part.contains('local-video') ? null : v);
        },
      });
    });
  }
  return page;
}

async function armFrame(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as TraceWindow & { __e2eFindParts(n: string): Element[]; __e2eVisible(e: Element): boolean };
    w.__trace.length = 0;
    // The remote <video>'s own events, hidden or not, to see when data arrived versus when it was shown.
    const watched = new WeakSet<Element>();
    const watch = () => {
      for (const video of w.__e2eFindParts('remote-video') as HTMLVideoElement[]) {
        if (watched.has(video)) continue;
        watched.add(video);
        for (const type of ['loadstart', 'emptied', 'loadedmetadata', 'loadeddata', 'playing', 'resize', 'waiting']) {
          video.addEventListener(type, () =>
            w.__trace.push({ at: w.__benchNow(), what: `remote video ${type}${video.hidden ? ' (hidden)' : ''}` }),
          );
        }
      }
      if (!w.__trace.some((e) => e.what === 'FIRST FRAME')) setTimeout(watch, 5);
    };
    watch();
    void w.__benchRemoteFrame().then((at) => w.__trace.push({ at, what: 'FIRST FRAME' }));
  });
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Self time by function over the whole recorded call, top 25, from a CDP CPU profile. */
function printProfile(who: string, profile: CpuProfile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}:${(f as { columnNumber?: number }).columnNumber ?? 0}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${who}: CPU profile of the last call, ${total.toFixed(0)} ms sampled; top self time:`);
  for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${v.toFixed(1).padStart(8)} ms  ${k}`);
}

const readTrace = (page: Page): Promise<TraceEntry[]> => page.evaluate(() => (window as unknown as TraceWindow).__trace.slice());

try {
  const alice = new Person(await openPage(), 'alice', await createAccount(backend.origin, 'alice'));
  const bob = new Person(await openPage(), 'bob', await createAccount(backend.origin, 'bob'));
  for (const p of [alice, bob]) {
    await p.page.goto(site.url());
    await p.signIn();
  }
  await alice.peer(bob.name);
  // step name → offsets from the accept click, per run (first occurrence per run).
  const steps = new Map<string, number[]>();
  let example: string[] = [];
  const profiles: Array<{ who: string; profile: CpuProfile }> = [];
  for (let i = 0; i < warmup + runs; i++) {
    const profiling = on('profile') && i === warmup + runs - 1;
    const sessions = profiling ? await Promise.all([alice, bob].map((p) => p.page.createCDPSession())) : [];
    for (const s of sessions) {
      await s.send('Profiler.enable');
      await s.send('Profiler.setSamplingInterval', { interval: 200 });
      await s.send('Profiler.start');
    }
    await Promise.all([armFrame(alice.page), armFrame(bob.page)]);
    await alice.call(bob.name);
    await bob.accept();
    await Promise.all(
      [alice, bob].map((p) =>
        p.page.waitForFunction(() => (window as unknown as TraceWindow).__trace.some((e) => e.what === 'FIRST FRAME'), { timeout: 20_000 }),
      ),
    );
    for (const [k, s] of sessions.entries()) {
      const { profile } = (await s.send('Profiler.stop')) as unknown as { profile: CpuProfile };
      profiles.push({ who: k === 0 ? 'caller' : 'callee', profile });
      await s.detach();
    }
    const acceptAt = await bob.page.evaluate(() => (window as unknown as BenchWindow).__benchClicks['accept']!);
    const entries = [
      ...(await readTrace(alice.page)).map((e) => ({ ...e, what: `caller ${e.what}` })),
      ...(await readTrace(bob.page)).map((e) => ({ ...e, what: `callee ${e.what}` })),
      { at: acceptAt, what: 'callee ACCEPT CLICK' },
    ].sort((a, b) => a.at - b.at);
    await alice.click('hangup');
    for (const p of [alice, bob]) {
      await p.click('dismiss');
      await p.waitForNoPart('video-stage');
    }
    if (i < warmup) continue;
    const firstSeen = new Set<string>();
    for (const e of entries) {
      if (firstSeen.has(e.what)) continue;
      firstSeen.add(e.what);
      const list = steps.get(e.what) ?? [];
      list.push(e.at - acceptAt);
      steps.set(e.what, list);
    }
    if (i === warmup + runs - 1) example = entries.map((e) => `${(e.at - acceptAt).toFixed(1).padStart(9)}  ${e.what}`);
  }
  console.log(`call-setup trace: ${runs} calls after ${warmup} warm-up; backend ${ownProcess ? 'in its own process' : 'in this process'}`);
  console.log('median ms from the accept click (first occurrence of each step; steps seen in fewer than half the runs omitted)');
  const rows = [...steps.entries()]
    .filter(([, v]) => v.length >= runs / 2)
    .map(([what, v]) => ({ what, median: summarize(v).median, n: v.length }))
    .sort((a, b) => a.median - b.median);
  for (const r of rows) console.log(`${r.median.toFixed(1).padStart(9)}  ${r.what}${r.n < runs ? ` (${r.n}/${runs})` : ''}`);
  console.log('\nlast run, every step:');
  console.log(example.join('\n'));
  for (const { who, profile } of profiles) printProfile(who, profile);
} finally {
  await browser.close();
  await site.close();
  await backend.close();
}
