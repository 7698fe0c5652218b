/**
 * One person driving the call engine (`Session` from src/core) in a real
 * browser page, as a host page's script would, plus what the page received:
 * every remote ICE candidate handed to its RTCPeerConnections (trickled or
 * inside a session description) and every `/api/ice-servers` fetch. The
 * receiving side is where "no host or srflx candidate was ever sent" can be
 * checked: nobody can read another person's inbox.
 */
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { installPageHooks, rtcSnapshot, type RtcSnapshot } from '../e2e/support/page-hooks.js';
import type { CallView, SessionError, SessionOptions, SessionState } from '../../src/core/types.js';
import type { TestContext } from 'node:test';
import type { BrowserName } from '../support/browsers.js';
import { Person } from '../e2e/support/person.js';
import { openCorePage, type PageSite, type TestBackend, type TurnSuite } from './support.js';

interface TurnTestWindow {
  __core: { Session: new (options: SessionOptions) => SessionLike };
  __session: SessionLike;
  __remoteCandidates: string[];
  /** The same, per peer connection: a group call has one per other person. */
  __remoteCandidatesByLink: Map<RTCPeerConnection, string[]>;
  __e2ePeerConnections: RTCPeerConnection[];
  __iceFetches: number[];
  __errors: SessionError[];
  __calls: CallView[];
}

interface SessionLike extends EventTarget {
  state: SessionState;
  register(name: string, email: string, password: string): Promise<void>;
  setRelayOnly(hide: boolean): void;
  call(peerId: string): Promise<void>;
  accept(): Promise<void>;
  hangup(): void;
  dismissCall(): void;
  dispose(): void;
  createRoom(name: string): Promise<{ code: string; room: { id: string } } | null>;
  openInvite(code: string): Promise<void>;
  joinGroupCall(roomId: string): Promise<void>;
}

/** Runs in the page before its scripts: records remote candidates and ICE server fetches. */
function recorders(): void {
  const w = window as unknown as TurnTestWindow;
  w.__remoteCandidates = [];
  w.__remoteCandidatesByLink = new Map();
  w.__iceFetches = [];
  const received = (pc: RTCPeerConnection, line: string) => {
    w.__remoteCandidates.push(line);
    w.__remoteCandidatesByLink.set(pc, [...(w.__remoteCandidatesByLink.get(pc) ?? []), line]);
  };
  const proto = RTCPeerConnection.prototype;
  // The promise-only forms the engine uses (the callback overloads are legacy).
  const addIceCandidate = proto.addIceCandidate as (this: RTCPeerConnection, c?: RTCIceCandidateInit) => Promise<void>;
  proto.addIceCandidate = function (this: RTCPeerConnection, candidate?: RTCIceCandidateInit | null) {
    if (candidate?.candidate) received(this, candidate.candidate);
    return addIceCandidate.call(this, candidate ?? undefined);
  } as typeof proto.addIceCandidate;
  const setRemoteDescription = proto.setRemoteDescription as (this: RTCPeerConnection, d: RTCSessionDescriptionInit) => Promise<void>;
  proto.setRemoteDescription = function (this: RTCPeerConnection, description: RTCSessionDescriptionInit) {
    for (const m of (description?.sdp ?? '').matchAll(/^a=(candidate:.*?)\r?$/gm)) received(this, m[1]!);
    return setRemoteDescription.call(this, description);
  } as typeof proto.setRemoteDescription;
  const fetch = window.fetch;
  window.fetch = function (input: RequestInfo | URL, init?: RequestInit) {
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes('/api/ice-servers')) w.__iceFetches.push(Date.now());
    return fetch.call(this, input, init);
  };
}

/** Observation hooks of the e2e harness (peer connections, rtc-* events) plus the recorders above. */
export async function installTurnHooks(page: Page): Promise<void> {
  await installPageHooks(page);
  await page.evaluateOnNewDocument(recorders);
}

/** Candidate lines the page's peer connections received from the other side. */
export function remoteCandidates(page: Page): Promise<string[]> {
  return page.evaluate(() => [...(window as unknown as TurnTestWindow).__remoteCandidates]);
}

/** The remote candidates of each open peer connection of the page (one per other person in a group call). */
export function remoteCandidatesPerLink(page: Page): Promise<string[][]> {
  return page.evaluate(() => {
    const w = window as unknown as TurnTestWindow;
    return w.__e2ePeerConnections.filter((pc) => pc.connectionState !== 'closed').map((pc) => w.__remoteCandidatesByLink.get(pc) ?? []);
  });
}

let counter = 0;

export class SessionPage {
  userId = '';

  private constructor(
    readonly page: Page,
    readonly context: BrowserContext,
    readonly name: string,
  ) {}

  /** A fresh browser context (another computer, in effect) with a Session on the test page. */
  static async open(browser: Browser, site: PageSite, name: string, options: SessionOptions): Promise<SessionPage> {
    const context = await browser.createBrowserContext();
    // A window of its own: a background tab would not render the remote video.
    const page = await context.newPage({ type: 'window' });
    await installTurnHooks(page);
    await openCorePage(page, site);
    await page.evaluate((opts: SessionOptions) => {
      const w = window as unknown as TurnTestWindow;
      w.__errors = [];
      w.__calls = [];
      const session = new w.__core.Session(opts);
      session.addEventListener('error', (e) => w.__errors.push({ ...(e as CustomEvent<SessionError>).detail }));
      session.addEventListener('call-state', (e) => {
        const { call } = (e as CustomEvent<{ call: CallView }>).detail;
        w.__calls.push({ ...call, localStream: null, remoteStream: null });
      });
      w.__session = session;
    }, options);
    return new SessionPage(page, context, name);
  }

  async register(): Promise<void> {
    counter += 1;
    const email = `${this.name.toLowerCase()}-${process.pid}-${counter}-${Date.now()}@turn.example`;
    this.userId = await this.page.evaluate(
      async (name: string, mail: string) => {
        const s = (window as unknown as TurnTestWindow).__session;
        await s.register(name, mail, 'correct horse battery');
        return s.state.user!.id;
      },
      this.name,
      email,
    );
    await this.page.waitForFunction(() => (window as unknown as TurnTestWindow).__session.state.connection === 'online', {
      timeout: 15_000,
      polling: 100,
    });
  }

  async waitForPeer(peerId: string): Promise<void> {
    await this.page.waitForFunction(
      (id: string) => (window as unknown as TurnTestWindow).__session.state.peers.some((p) => p.id === id),
      { timeout: 15_000, polling: 100 },
      peerId,
    );
  }

  /** Makes a group room; resolves with its id and invite code. */
  async createRoom(name: string): Promise<{ roomId: string; code: string }> {
    const invite = await this.page.evaluate(async (n: string) => (window as unknown as TurnTestWindow).__session.createRoom(n), name);
    if (!invite) throw new Error(`${this.name} could not make a room: ${JSON.stringify(await this.errors())}`);
    return { roomId: invite.room.id, code: invite.code };
  }

  /** Joins the room of invite `code` and waits until it is this person's room. */
  async openInvite(code: string, roomId: string): Promise<void> {
    await this.page.evaluate((c: string) => (window as unknown as TurnTestWindow).__session.openInvite(c), code);
    await this.page.waitForFunction(
      (id: string) => (window as unknown as TurnTestWindow).__session.state.rooms.some((r) => r.id === id),
      {
        timeout: 15_000,
        polling: 100,
      },
      roomId,
    );
  }

  joinGroupCall(roomId: string): Promise<void> {
    return this.page.evaluate((id: string) => (window as unknown as TurnTestWindow).__session.joinGroupCall(id), roomId);
  }

  /** Waits until this person's group call has `others` other members, every one connected. */
  async waitForGroupConnected(others: number, timeout = 20_000): Promise<void> {
    try {
      await this.page.waitForFunction(
        (n: number) => {
          const members = (window as unknown as TurnTestWindow).__session.state.groupCall?.members.filter((m) => !m.me) ?? [];
          return members.length === n && members.every((m) => m.state === 'connected');
        },
        { timeout, polling: 100 },
        others,
      );
    } catch {
      const members = await this.page.evaluate(() =>
        (window as unknown as TurnTestWindow).__session.state.groupCall?.members.map((m) => ({ name: m.name, state: m.state })),
      );
      throw new Error(`${this.name}: not connected to ${others} others within ${timeout} ms: ${JSON.stringify(members)}`);
    }
  }

  setRelayOnly(hide: boolean): Promise<void> {
    return this.page.evaluate((h: boolean) => (window as unknown as TurnTestWindow).__session.setRelayOnly(h), hide);
  }

  call(peerId: string): Promise<void> {
    return this.page.evaluate((id: string) => (window as unknown as TurnTestWindow).__session.call(id), peerId);
  }

  /** Accepts every incoming call the moment it rings (when the caller may fail before anyone could click). */
  autoAccept(): Promise<void> {
    return this.page.evaluate(() => {
      const s = (window as unknown as TurnTestWindow).__session;
      s.addEventListener('incoming-call', () => void s.accept());
    });
  }

  async acceptWhenRinging(): Promise<void> {
    await this.page.waitForFunction(
      () => {
        const call = (window as unknown as TurnTestWindow).__session.state.call;
        return call?.direction === 'incoming' && call.phase === 'ringing';
      },
      { timeout: 15_000, polling: 100 },
    );
    await this.page.evaluate(() => (window as unknown as TurnTestWindow).__session.accept());
  }

  /** Waits until the current call reaches `phase`; returns its view. */
  async waitForPhase(phase: CallView['phase'], timeout = 20_000): Promise<CallView> {
    try {
      const handle = await this.page.waitForFunction(
        (p: string) => {
          const call = (window as unknown as TurnTestWindow).__session.state.call;
          return call?.phase === p ? { ...call, localStream: null, remoteStream: null } : false;
        },
        { timeout, polling: 100 },
        phase,
      );
      return (await handle.jsonValue()) as CallView;
    } catch {
      throw new Error(`${this.name}: call not ${phase} within ${timeout} ms; calls seen: ${JSON.stringify(await this.calls())}`);
    }
  }

  hangup(): Promise<void> {
    return this.page.evaluate(() => {
      const s = (window as unknown as TurnTestWindow).__session;
      s.hangup();
      s.dismissCall();
    });
  }

  dismissCall(): Promise<void> {
    return this.page.evaluate(() => (window as unknown as TurnTestWindow).__session.dismissCall());
  }

  state(): Promise<SessionState> {
    return this.page.evaluate(() => {
      const s = (window as unknown as TurnTestWindow).__session.state;
      return { ...s, call: s.call ? { ...s.call, localStream: null, remoteStream: null } : null };
    });
  }

  calls(): Promise<CallView[]> {
    return this.page.evaluate(() => [...(window as unknown as TurnTestWindow).__calls]);
  }

  errors(): Promise<SessionError[]> {
    return this.page.evaluate(() => [...(window as unknown as TurnTestWindow).__errors]);
  }

  /** Candidate lines this page's peer connections received from the other side. */
  remoteCandidates(): Promise<string[]> {
    return remoteCandidates(this.page);
  }

  iceFetches(): Promise<number> {
    return this.page.evaluate(() => (window as unknown as TurnTestWindow).__iceFetches.length);
  }

  /** Media counters and the selected candidate pair, read with getStats on the page's open connections. */
  rtc(): Promise<RtcSnapshot> {
    return rtcSnapshot(this.page);
  }

  async close(): Promise<void> {
    await this.page.evaluate(() => (window as unknown as TurnTestWindow).__session.dispose()).catch(() => undefined);
    await this.context.close().catch(() => undefined);
  }
}

let visitors = 0;

/**
 * A person on the test site's page embedding `<rtc-call>` with these attributes (`relay-only`, …),
 * in a browser context of their own, acting through the UI as the e2e harness's Person does.
 */
export async function openWidgetVisitor(
  suite: TurnSuite,
  t: TestContext,
  browserName: BrowserName,
  name: string,
  backend: TestBackend,
  attributes: Record<string, string>,
): Promise<Person> {
  const context = await suite.browser(browserName).createBrowserContext();
  t.after(() => context.close().catch(() => undefined));
  const page = await context.newPage({ type: 'window' });
  await installTurnHooks(page);
  const query = new URLSearchParams({ server: backend.origin, ...attributes });
  await page.goto(`${suite.site.origin}/widget?${query}`, { waitUntil: 'load', timeout: 30_000 });
  visitors += 1;
  const id = `${name.toLowerCase()}-${process.pid}-${visitors}-${Date.now()}`;
  return new Person(page, `${name}-${browserName}`, { name: `${name} ${visitors}`, email: `${id}@turn.example`, password: `pw-${id}` });
}
