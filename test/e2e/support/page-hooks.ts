/**
 * Observation hooks installed in a page before any of its scripts run. They
 * only watch: the tests act through the widget's UI, and read WebRTC
 * statistics, alerts and `rtc-*` events to check what a person would see.
 */
import type { Page } from 'puppeteer-core';
import { RECORDED_EVENTS, recordEvents, type EventRecord, type RecordedEvent, type RecordedEventName } from '../../../testing/page.js';

/** The `rtc-*` events of `<rtc-call>` that the hooks record (the testing kit's recorder, from the page's start). */
export const RTC_EVENTS = RECORDED_EVENTS;
export type RtcEventName = RecordedEventName;
export type { RecordedEvent };

/** A Content-Security-Policy (or Trusted Types) violation the page reported. */
export interface RecordedViolation {
  directive: string;
  blockedURI: string;
  sample: string;
  source: string;
}

/** A WebSocket the page opened, and when it closed (null while open). */
export interface RecordedSocket {
  url: string;
  openedAt: number;
  closedAt: number | null;
}

export interface HookedWindow {
  __e2ePeerConnections: RTCPeerConnection[];
  __e2eAlerts: string[];
  /** The testing kit's record of `rtc-*` events. */
  __rtcTesting: EventRecord;
  __e2eViolations: RecordedViolation[];
  __e2eSockets: RecordedSocket[];
  /** Elements whose `part` list holds `name`, under `root` and every shadow root inside it. */
  __e2eFindParts(name: string, root?: Element | Document | null): Element[];
  /** Rendered text of an element, shadow roots included. */
  __e2eText(node: Node): string;
  /** Whether an element is rendered and not hidden. */
  __e2eVisible(el: Element): boolean;
}

/** Runs in the page (serialised by puppeteer), so it must stay self-contained. */
function installHooks(): void {
  const w = window as unknown as HookedWindow & Window;
  const connections: RTCPeerConnection[] = [];
  const alerts: string[] = [];
  const violations: RecordedViolation[] = [];
  const sockets: RecordedSocket[] = [];
  const findParts = (name: string, root?: Element | Document | null): Element[] => {
    const found: Element[] = [];
    const visit = (scope: Element | Document | ShadowRoot) => {
      if (scope instanceof Element) {
        if (scope.part?.contains(name)) found.push(scope);
        if (scope.shadowRoot) visit(scope.shadowRoot);
      }
      for (const el of scope.querySelectorAll('*')) {
        if (el.part?.contains(name)) found.push(el);
        if (el.shadowRoot) visit(el.shadowRoot);
      }
    };
    visit(root ?? document);
    return found;
  };
  const text = (node: Node): string => {
    if (node.nodeType === Node.TEXT_NODE) return (node as Text).data;
    if (node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement) return node.value;
    if (node instanceof HTMLStyleElement || node instanceof HTMLScriptElement) return '';
    let s = '';
    const el = node as Element;
    if (el.shadowRoot) for (const c of el.shadowRoot.childNodes) s += text(c);
    for (const c of node.childNodes) s += text(c);
    return s;
  };
  const visible = (el: Element): boolean =>
    typeof el.checkVisibility === 'function'
      ? el.checkVisibility({ visibilityProperty: true } as CheckVisibilityOptions)
      : el.getClientRects().length > 0;
  Object.assign(w, {
    __e2ePeerConnections: connections,
    __e2eAlerts: alerts,
    __e2eViolations: violations,
    __e2eSockets: sockets,
    __e2eFindParts: findParts,
    __e2eText: text,
    __e2eVisible: visible,
  });

  // Keep every RTCPeerConnection the widget creates, for getStats().
  const Native = globalThis.RTCPeerConnection;
  if (Native) {
    class Tracked extends Native {
      /** Each state change, with the seconds since the page started, for failure messages. */
      readonly __e2eStates: string[] = [];
      constructor(config?: RTCConfiguration) {
        super(config);
        connections.push(this as RTCPeerConnection);
        const log = () =>
          this.__e2eStates.push(
            `${(performance.now() / 1000).toFixed(1)}s ${this.connectionState}/${this.iceConnectionState}/${this.signalingState}`,
          );
        for (const event of ['connectionstatechange', 'iceconnectionstatechange', 'signalingstatechange'])
          this.addEventListener(event, log);
      }
    }
    globalThis.RTCPeerConnection = Tracked;
  }

  // Every socket the widget opens and closes: a dropped signalling link shows as a second one.
  const NativeSocket = globalThis.WebSocket;
  if (NativeSocket) {
    class TrackedSocket extends NativeSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        const record: RecordedSocket = { url: String(url), openedAt: Date.now(), closedAt: null };
        sockets.push(record);
        this.addEventListener('close', () => {
          record.closedAt = Date.now();
        });
      }
    }
    globalThis.WebSocket = TrackedSocket;
  }

  // Violations bubble, composed, from where they happen (shadow roots included) up to the window.
  w.addEventListener(
    'securitypolicyviolation',
    (event) => {
      violations.push({
        directive: event.effectiveDirective,
        blockedURI: event.blockedURI,
        sample: event.sample,
        source: `${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`,
      });
    },
    true,
  );

  // An injected `<img onerror=alert(1)>` would land here instead of blocking the page.
  w.alert = (message?: unknown) => {
    alerts.push(String(message));
  };
}

/**
 * tsx (esbuild with keepNames) wraps named functions in `__name(...)` calls;
 * functions serialised into the page need that helper to exist there.
 */
export const NAME_HELPER = 'globalThis.__name ??= (fn) => fn;';

export async function installPageHooks(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(NAME_HELPER);
  await page.evaluateOnNewDocument(installHooks);
  await page.evaluateOnNewDocument(recordEvents, RTC_EVENTS);
}

export async function alertsShown(page: Page): Promise<string[]> {
  return page.evaluate(() => [...(window as unknown as HookedWindow).__e2eAlerts]);
}

export async function policyViolations(page: Page): Promise<RecordedViolation[]> {
  return page.evaluate(() => [...(window as unknown as HookedWindow).__e2eViolations]);
}

export async function socketsOpened(page: Page): Promise<RecordedSocket[]> {
  return page.evaluate(() => (window as unknown as HookedWindow).__e2eSockets.map((s) => ({ ...s })));
}

export async function recordedEvents(page: Page, type?: RtcEventName): Promise<RecordedEvent[]> {
  const all = await page.evaluate(() => [...(window as unknown as HookedWindow).__rtcTesting.events]);
  return type ? all.filter((e) => e.type === type) : all;
}

/** Waits until an event of `type` whose detail satisfies `match` (a JSON subset) has been recorded. */
export async function waitForEvent(
  page: Page,
  type: RtcEventName,
  match: Record<string, unknown> = {},
  timeout = 15_000,
): Promise<RecordedEvent> {
  const handle = await page.waitForFunction(
    (t: string, m: Record<string, unknown>) => {
      const subset = (want: unknown, got: unknown): boolean => {
        if (want === null || typeof want !== 'object') return want === got;
        if (got === null || typeof got !== 'object') return false;
        return Object.entries(want).every(([k, v]) => subset(v, (got as Record<string, unknown>)[k]));
      };
      const events = (window as unknown as HookedWindow).__rtcTesting.events;
      return events.find((e) => e.type === t && subset(m, e.detail)) ?? false;
    },
    { timeout, polling: 100 },
    type,
    match,
  );
  return (await handle.jsonValue()) as RecordedEvent;
}

export interface MediaBytes {
  audio: number;
  video: number;
}

export interface RtcSnapshot {
  /** Open peer connections (not closed). */
  connections: number;
  inbound: MediaBytes;
  outbound: MediaBytes;
  /** The candidate pair in use, if any. */
  selectedPair: { local: string; remote: string; protocol: string; state: string } | null;
}

/** One open peer connection of the page: its traffic, candidate pair and the DTLS fingerprints naming both ends. */
export interface RtcConnection {
  inbound: MediaBytes;
  outbound: MediaBytes;
  /** The candidate pair in use, if any. */
  selectedPair: RtcSnapshot['selectedPair'];
  /** This end's certificate fingerprint (from the local description); null before one is set. */
  localFingerprint: string | null;
  /** The other end's, from the remote description: equal to the `localFingerprint` of the other page's connection. */
  remoteFingerprint: string | null;
  /** The connection's states and ICE generations (ufrags), to tell in a failure where a negotiation stands. */
  states: { connection: string; ice: string; signaling: string; localUfrag: string | null; remoteUfrag: string | null; changes: string[] };
}

/** Every open peer connection of the page, in the order the page made them. */
export async function rtcConnections(page: Page): Promise<RtcConnection[]> {
  return page.evaluate(async () => {
    type Stat = Record<string, unknown> & { type: string; id: string };
    // Chromium writes the fingerprint per media section, Firefox once per session: the first one names the end.
    const fingerprint = (description: RTCSessionDescription | null) => /a=fingerprint:(\S+ \S+)/.exec(description?.sdp ?? '')?.[1] ?? null;
    const pcs = (window as unknown as HookedWindow).__e2ePeerConnections.filter(
      (pc) => pc.connectionState !== 'closed' && pc.signalingState !== 'closed',
    );
    return Promise.all(
      pcs.map(async (pc) => {
        const connection = {
          inbound: { audio: 0, video: 0 },
          outbound: { audio: 0, video: 0 },
          selectedPair: null as RtcSnapshot['selectedPair'],
          localFingerprint: fingerprint(pc.localDescription),
          remoteFingerprint: fingerprint(pc.remoteDescription),
          states: {
            connection: pc.connectionState,
            ice: pc.iceConnectionState,
            signaling: pc.signalingState,
            localUfrag: /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1] ?? null,
            remoteUfrag: /a=ice-ufrag:(\S+)/.exec(pc.remoteDescription?.sdp ?? '')?.[1] ?? null,
            // connection/ice/signaling states as they changed (page-hooks' wrapper), the last 12.
            changes: ((pc as RTCPeerConnection & { __e2eStates?: string[] }).__e2eStates ?? []).slice(-12),
          },
        };
        const stats = new Map<string, Stat>();
        (await pc.getStats()).forEach((s: Stat) => stats.set(s.id, s));
        let selectedId: string | undefined;
        for (const s of stats.values()) {
          const kind = (s.kind ?? s.mediaType) as 'audio' | 'video' | undefined;
          if (s.type === 'inbound-rtp' && kind) connection.inbound[kind] += Number(s.bytesReceived ?? 0);
          if (s.type === 'outbound-rtp' && kind) connection.outbound[kind] += Number(s.bytesSent ?? 0);
          // Chromium names the pair on the transport; Firefox flags it `selected`.
          if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') selectedId = s.selectedCandidatePairId;
          if (s.type === 'candidate-pair' && s.selected === true) selectedId = s.id;
        }
        const pair = selectedId ? stats.get(selectedId) : undefined;
        if (pair) {
          const local = stats.get(String(pair.localCandidateId));
          const remote = stats.get(String(pair.remoteCandidateId));
          connection.selectedPair = {
            local: String(local?.candidateType ?? '?'),
            remote: String(remote?.candidateType ?? '?'),
            protocol: String(local?.protocol ?? '?'),
            state: String(pair.state ?? '?'),
          };
        }
        return connection;
      }),
    );
  });
}

/** Sums bytes over every open peer connection of the page (the last one's candidate pair). */
export async function rtcSnapshot(page: Page): Promise<RtcSnapshot> {
  const connections = await rtcConnections(page);
  const sum = (direction: 'inbound' | 'outbound', kind: keyof MediaBytes) =>
    connections.reduce((total, c) => total + c[direction][kind], 0);
  return {
    connections: connections.length,
    inbound: { audio: sum('inbound', 'audio'), video: sum('inbound', 'video') },
    outbound: { audio: sum('outbound', 'audio'), video: sum('outbound', 'video') },
    selectedPair: connections.reduce<RtcSnapshot['selectedPair']>((found, c) => c.selectedPair ?? found, null),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What arrived between two readings of the same counters. Firefox restarts an inbound stream's
 * counters when its decoder restarts on a new frame size (the widget's video goes from half to
 * full size 1.5 s after connecting): a smaller count than before means a reset, and what arrived
 * is at least the count since then.
 */
function grown(before: MediaBytes, after: MediaBytes): MediaBytes {
  const one = (kind: keyof MediaBytes) => (after[kind] >= before[kind] ? after[kind] - before[kind] : after[kind]);
  return { audio: one('audio'), video: one('video') };
}

/**
 * How many bytes of each kind arrived (or left) during `ms`. Used both to see
 * media flowing and to see a muted track stop sending.
 */
export async function bytesDuring(page: Page, direction: 'inbound' | 'outbound', ms = 1500): Promise<MediaBytes> {
  const before = (await rtcSnapshot(page))[direction];
  await sleep(ms);
  return grown(before, (await rtcSnapshot(page))[direction]);
}

/**
 * How many bytes of each kind arrived during `ms` on each connection open all along, by the
 * other end's fingerprint (`RtcConnection.remoteFingerprint`): what each other person sent.
 */
export async function inboundByRemote(page: Page, ms = 1500): Promise<Map<string, MediaBytes>> {
  const before = new Map((await rtcConnections(page)).map((c) => [c.remoteFingerprint, c.inbound]));
  await sleep(ms);
  const arrived = new Map<string, MediaBytes>();
  for (const c of await rtcConnections(page)) {
    const earlier = before.get(c.remoteFingerprint);
    if (c.remoteFingerprint && earlier) arrived.set(c.remoteFingerprint, grown(earlier, c.inbound));
  }
  return arrived;
}

/** What the page's open connections send as video: the sender tracks' labels and, for a screen, its surface. */
export async function sentVideo(page: Page): Promise<Array<{ label: string; displaySurface: string | null }>> {
  return page.evaluate(() =>
    (window as unknown as HookedWindow).__e2ePeerConnections
      .filter((pc) => pc.connectionState !== 'closed' && pc.signalingState !== 'closed')
      .flatMap((pc) => pc.getSenders())
      .filter((sender) => sender.track?.kind === 'video' && sender.track.readyState === 'live')
      .map((sender) => {
        const settings = sender.track!.getSettings() as MediaTrackSettings & { displaySurface?: string };
        return { label: sender.track!.label, displaySurface: settings.displaySurface ?? null };
      }),
  );
}
