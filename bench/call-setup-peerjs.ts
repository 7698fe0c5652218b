/**
 * Call setup through PeerJS, the popular library baseline: the npm `peerjs`
 * client in two Chromium pages, signalled by the npm `peer` server on
 * loopback, the client script served locally (no CDN). The caller calls with
 * its stream held; the clock starts when the callee answers (the "accept"
 * moment) and stops at the first decoded remote frame on both sides. PeerJS
 * sends its offer before the answer, so part of its negotiation happens
 * before the clock starts — as it would for a person watching the screen.
 *
 *   tsx bench/call-setup-peerjs.ts [--runs 20] [--warmup 3] [--json file]
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PeerServer } from 'peer';
import type { Page } from 'puppeteer-core';
import { CAMERA_CONSTRAINTS } from '../src/core/media.js';
import { launchBrowser } from '../test/support/browsers.js';
import { installTimingHooks, type BenchWindow } from './support/first-frame.js';
import { serveStatic } from './support/static-server.js';
import { benchArgs, reportCallSetup } from './support/stats.js';

const { runs, warmup, json } = benchArgs({ runs: 20, warmup: 3 });
const require = createRequire(import.meta.url);

/** The subset of the PeerJS client the pages use (it is loaded as a classic script). */
interface PeerLike {
  id: string;
  on(event: 'open', fn: (id: string) => void): void;
  on(event: 'call', fn: (call: CallLike) => void): void;
  on(event: 'error', fn: (error: Error) => void): void;
  call(id: string, stream: MediaStream): CallLike;
  destroy(): void;
}
interface CallLike {
  answer(stream: MediaStream): void;
  on(event: 'stream', fn: (stream: MediaStream) => void): void;
  close(): void;
}
type PeerPageWindow = BenchWindow & {
  Peer: new (id: string, options: Record<string, unknown>) => PeerLike;
  __peer: PeerLike;
  __stream: MediaStream;
  __pending: CallLike[];
  __calls: CallLike[];
  /** First remote frame of the current call, absolute ms. */
  __frame: Promise<number> | null;
};

const signalling = await new Promise<Server>((resolve) => {
  PeerServer({ host: '127.0.0.1', port: 0, path: '/' }, resolve);
});
const signallingPort = (signalling.address() as AddressInfo).port;
const pages = await serveStatic({
  '/': { html: '<!doctype html><title>peerjs</title><script src="/peerjs.min.js"></script><body></body>' },
  '/peerjs.min.js': { file: require.resolve('peerjs/dist/peerjs.min.js'), type: 'text/javascript' },
});
const browser = await launchBrowser('chromium');

async function openPeer(id: string): Promise<Page> {
  // A window of its own: a background tab would render no frames.
  const page = await (await browser.createBrowserContext()).newPage({ type: 'window' });
  await installTimingHooks(page);
  await page.goto(`${pages.origin}/`);
  await page.evaluate(
    async (peerId: string, port: number, video: MediaTrackConstraints) => {
      const w = window as unknown as PeerPageWindow;
      // The same media as the product: its camera constraints.
      w.__stream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
      w.__pending = [];
      w.__calls = [];
      w.__frame = null;
      const showRemote = (call: CallLike) => {
        w.__frame = new Promise<number>((resolve) => {
          call.on('stream', (stream) => {
            const video = document.createElement('video');
            video.muted = true;
            video.autoplay = true;
            video.playsInline = true;
            document.body.append(video);
            video.srcObject = stream;
            void w.__benchFirstFrame(video).then(resolve);
          });
        });
      };
      Object.assign(w, { __showRemote: showRemote });
      // Same ICE configuration as the other benchmarks: host candidates only.
      w.__peer = new w.Peer(peerId, { host: '127.0.0.1', port, path: '/', secure: false, debug: 0, config: { iceServers: [] } });
      w.__peer.on('call', (call) => w.__pending.push(call));
      await new Promise<void>((resolve, reject) => {
        w.__peer.on('open', () => resolve());
        w.__peer.on('error', reject);
      });
    },
    id,
    signallingPort,
    CAMERA_CONSTRAINTS,
  );
  return page;
}

try {
  const calleeId = `callee${Date.now()}`;
  const caller = await openPeer(`caller${Date.now()}`);
  const callee = await openPeer(calleeId);
  const samples = { caller: [] as number[], callee: [] as number[] };
  for (let i = 0; i < warmup + runs; i++) {
    await caller.evaluate((id: string) => {
      const w = window as unknown as PeerPageWindow & { __showRemote(c: CallLike): void };
      const call = w.__peer.call(id, w.__stream);
      w.__calls.push(call);
      w.__showRemote(call);
    }, calleeId);
    await callee.waitForFunction(() => (window as unknown as PeerPageWindow).__pending.length > 0, { timeout: 15_000 });
    const t0 = await callee.evaluate(() => {
      const w = window as unknown as PeerPageWindow & { __showRemote(c: CallLike): void };
      const call = w.__pending.shift()!;
      w.__calls.push(call);
      w.__showRemote(call);
      const at = w.__benchNow();
      call.answer(w.__stream);
      return at;
    });
    const frameAt = (page: Page) => page.evaluate(() => (window as unknown as PeerPageWindow).__frame!);
    const [callerFrame, calleeFrame] = await Promise.all([frameAt(caller), frameAt(callee)]);
    // Hang up on both sides and wait for the close to settle before the next call.
    for (const page of [caller, callee]) {
      await page.evaluate(() => {
        const w = window as unknown as PeerPageWindow;
        for (const c of w.__calls.splice(0)) c.close();
        document.body.replaceChildren();
      });
    }
    await new Promise((r) => setTimeout(r, 200));
    if (i < warmup) continue;
    samples.caller.push(callerFrame - t0);
    samples.callee.push(calleeFrame - t0);
  }
  await reportCallSetup(
    'call-setup-peerjs',
    `call-setup-peerjs: PeerJS client in two pages, npm 'peer' server on loopback (Chromium, fake media), ${runs} calls after ${warmup} warm-up`,
    'answer',
    samples,
    json,
  );
} finally {
  await browser.close();
  await pages.close();
  signalling.closeAllConnections();
  await new Promise<void>((resolve) => signalling.close(() => resolve()));
}
// The `peer` server keeps internal timers (message expiry, broken-connection
// checks) and offers no way to stop them; everything else is closed above.
process.exit(process.exitCode ?? 0);
