/**
 * In-page timing helpers for the call-setup benchmarks. Times are absolute
 * (`performance.timeOrigin + performance.now()`), so moments taken in two
 * pages of one browser can be subtracted.
 */
import type { Page } from 'puppeteer-core';
import { NAME_HELPER } from '../../test/e2e/support/page-hooks.js';

export interface BenchWindow {
  /** Absolute now, in ms. */
  __benchNow(): number;
  /** Absolute time of the latest click on an element with each part name (composed path, so inside shadow roots too). */
  __benchClicks: Record<string, number>;
  /** Resolves with the absolute time the first decoded frame (non-zero size) of `video` was presented. */
  __benchFirstFrame(video: HTMLVideoElement): Promise<number>;
  /**
   * Resolves with the absolute time the widget's remote video first presented a frame while visible
   * (needs the e2e page hooks for finding parts and visibility).
   */
  __benchRemoteFrame(): Promise<number>;
  /**
   * Resolves with the absolute time a group call's tiles had presented a frame from `count` other
   * members (each member's first visible frame with a size; the time is the last of them).
   */
  __benchGroupFrames(count: number): Promise<number>;
  /** Absolute times peer connections first reached "connected" (DTLS up), oldest first; cleared by the reader. */
  __benchLinksUp: number[];
}

/** Runs in the page, so it stays self-contained. */
function installTiming(): void {
  const now = () => performance.timeOrigin + performance.now();
  const firstFrame = (video: HTMLVideoElement): Promise<number> =>
    new Promise((resolve) => {
      if (typeof video.requestVideoFrameCallback === 'function') {
        // The callback's `now` is when the frame was handed to the compositor.
        const onFrame = (at: DOMHighResTimeStamp) => {
          if (video.videoWidth > 0) resolve(performance.timeOrigin + at);
          else video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
      } else {
        const check = () => {
          if (video.readyState >= 2 && video.videoWidth > 0) resolve(now());
          else requestAnimationFrame(check);
        };
        video.addEventListener('loadeddata', check, { once: true });
      }
    });
  const clicks: Record<string, number> = {};
  // Capture phase on window: runs before the widget's own handlers.
  window.addEventListener(
    'click',
    (event) => {
      const at = now();
      for (const target of event.composedPath()) {
        if (target instanceof Element && target.part) for (const name of target.part) clicks[name] = at;
      }
    },
    true,
  );
  // Videos are found with a light poll (no layout), then each presented frame is checked: the
  // first one with a size while the video is visible is the one the person sees. `seen` gets the
  // video and the frame's time; it returns true when nothing more is awaited. (A search with a
  // visibility check on every animation frame cost the measured pages real CPU.)
  const hooks = window as unknown as { __e2eFindParts(name: string): Element[]; __e2eVisible(el: Element): boolean };
  const watchFrames = (part: string, seen: (video: HTMLVideoElement, at: number) => boolean): void => {
    let done = false;
    const watched = new WeakSet<Element>();
    const look = () => {
      // Every video that appears is watched (the stage may render a new one).
      for (const video of hooks.__e2eFindParts(part) as HTMLVideoElement[]) {
        if (watched.has(video)) continue;
        watched.add(video);
        const onFrame = (at: DOMHighResTimeStamp) => {
          if (done) return;
          if (video.videoWidth > 0 && hooks.__e2eVisible(video) && seen(video, performance.timeOrigin + at)) done = true;
          else video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
      }
      if (!done) setTimeout(look, 10);
    };
    look();
  };
  const remoteFrame = (): Promise<number> => new Promise((resolve) => watchFrames('remote-video', (_, at) => (resolve(at), true)));
  // A tile's element may show another member after a re-render: the member is read from the tile
  // (its data-seat) at each frame, and the own tile (part tile-me) never counts.
  const groupFrames = (count: number): Promise<number> =>
    new Promise((resolve) => {
      const firstBySeat = new Map<string, number>();
      watchFrames('tile-video', (video, at) => {
        const tile = video.closest('[data-seat]');
        const seat = tile?.getAttribute('data-seat');
        if (!tile || seat == null || tile.part.contains('tile-me')) return false;
        if (!firstBySeat.has(seat)) firstBySeat.set(seat, at);
        if (firstBySeat.size < count) return false;
        resolve(Math.max(...firstBySeat.values()));
        return true;
      });
    });
  // Each peer connection's first "connected", watched from its first local description on.
  const linksUp: number[] = [];
  const watchedLinks = new WeakSet<RTCPeerConnection>();
  const setLocal = RTCPeerConnection.prototype.setLocalDescription;
  RTCPeerConnection.prototype.setLocalDescription = function (this: RTCPeerConnection, ...args: Parameters<typeof setLocal>) {
    if (!watchedLinks.has(this)) {
      watchedLinks.add(this);
      const onState = () => {
        if (this.connectionState !== 'connected') return;
        linksUp.push(now());
        this.removeEventListener('connectionstatechange', onState);
      };
      this.addEventListener('connectionstatechange', onState);
    }
    return setLocal.apply(this, args);
  } as typeof setLocal;
  Object.assign(window, {
    __benchLinksUp: linksUp,
    __benchNow: now,
    __benchFirstFrame: firstFrame,
    __benchRemoteFrame: remoteFrame,
    __benchGroupFrames: groupFrames,
    __benchClicks: clicks,
  });
}

export async function installTimingHooks(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(NAME_HELPER);
  await page.evaluateOnNewDocument(installTiming);
}
