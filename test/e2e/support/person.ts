/**
 * One person using `<rtc-call>` in one browser tab. Every action goes through
 * the widget's UI — its CSS parts, clicked and typed into with real input
 * events — never through the Session API. The common ones (sign in, call,
 * accept, chat, remote media) are the testing kit's page helpers
 * (testing/page.ts, shipped as `rtc-call/testing/puppeteer`), so every e2e
 * run exercises them; the rest reads more than a site owner needs.
 */
import type { ElementHandle, Page } from 'puppeteer-core';
import type { RtcCallPage } from '../../../testing/page.js';
import { rtcCall } from '../../../testing/puppeteer.js';
import type { HookedWindow } from './page-hooks.js';

export interface Credentials {
  name: string;
  email: string;
  password: string;
}

export interface PartQuery {
  /** Only an element whose rendered text contains this (case-insensitive). */
  text?: string;
  /** Only inside this element (its shadow roots included). */
  within?: ElementHandle<Element>;
  /** Only a rendered, not hidden element (default true). */
  visible?: boolean;
  timeout?: number;
}

export const DEFAULT_WAIT_MS = 10_000;

/** One tile of a group call as shown: the name on it, its link's state (`data-state`), and whether it is one's own. */
export interface GroupTile {
  name: string;
  state: 'connecting' | 'connected' | 'interrupted' | 'lost' | string;
  me: boolean;
}

export class Person {
  /** The testing kit's helpers on this tab. */
  readonly rtc: RtcCallPage;

  constructor(
    readonly page: Page,
    /** Names the tab in errors and screenshots ("alice-chromium"). */
    readonly label: string,
    readonly credentials: Credentials,
  ) {
    this.rtc = rtcCall(page, { label, timeout: DEFAULT_WAIT_MS });
  }

  get name(): string {
    return this.credentials.name;
  }

  /** Waits for a part matching the query and returns it. */
  async part(name: string, query: PartQuery = {}): Promise<ElementHandle<Element>> {
    const { text, within, visible = true, timeout = DEFAULT_WAIT_MS } = query;
    try {
      const handle = await this.page.waitForFunction(
        (n: string, t: string | null, root: Element | null, v: boolean) => {
          const w = window as unknown as HookedWindow;
          if (!w.__e2eFindParts) return false;
          return (
            w
              .__e2eFindParts(n, root)
              .find((el) => (!v || w.__e2eVisible(el)) && (t === null || w.__e2eText(el).toLowerCase().includes(t.toLowerCase()))) ?? false
          );
        },
        { timeout, polling: 100 },
        name,
        text ?? null,
        within ?? null,
        visible,
      );
      const el = handle.asElement() as ElementHandle<Element> | null;
      if (!el) throw new Error('not an element');
      return el;
    } catch (error) {
      throw new Error(
        `${this.label}: part "${name}"${text ? ` with text "${text}"` : ''} not shown within ${timeout} ms` +
          ` (${(error as Error).message.split('\n')[0]})`,
        { cause: error },
      );
    }
  }

  /** Whether a visible part matching the query is on screen right now. */
  async hasPart(name: string, query: Omit<PartQuery, 'timeout'> = {}): Promise<boolean> {
    return this.page.evaluate(
      (n: string, t: string | null, root: Element | null) => {
        const w = window as unknown as HookedWindow;
        return w
          .__e2eFindParts(n, root)
          .some((el) => w.__e2eVisible(el) && (t === null || w.__e2eText(el).toLowerCase().includes(t.toLowerCase())));
      },
      name,
      query.text ?? null,
      query.within ?? null,
    );
  }

  /** Waits until no visible part matches. */
  async waitForNoPart(name: string, query: Omit<PartQuery, 'within' | 'visible'> = {}): Promise<void> {
    const { text, timeout = DEFAULT_WAIT_MS } = query;
    try {
      await this.page.waitForFunction(
        (n: string, t: string | null) => {
          const w = window as unknown as HookedWindow;
          return !w
            .__e2eFindParts(n)
            .some((el) => w.__e2eVisible(el) && (t === null || w.__e2eText(el).toLowerCase().includes(t.toLowerCase())));
        },
        { timeout, polling: 100 },
        name,
        text ?? null,
      );
    } catch {
      throw new Error(`${this.label}: part "${name}"${text ? ` with text "${text}"` : ''} still shown after ${timeout} ms`);
    }
  }

  /** Visible texts of every part with this name, in document order. */
  async texts(name: string): Promise<string[]> {
    return this.page.evaluate((n: string) => {
      const w = window as unknown as HookedWindow;
      return w
        .__e2eFindParts(n)
        .filter((el) => w.__e2eVisible(el))
        .map((el) => w.__e2eText(el).trim());
    }, name);
  }

  async click(name: string, query: PartQuery = {}): Promise<void> {
    const el = await this.part(name, query);
    await this.waitEnabled(el, name);
    await el.click();
  }

  /** Replaces the content of an input part by typing, as a person would. */
  async fill(name: string, value: string, query: PartQuery = {}): Promise<void> {
    const el = await this.part(name, query);
    await el.click({ count: 3 });
    await el.evaluate((input) => {
      (input as HTMLInputElement).select?.();
    });
    await this.page.keyboard.press('Backspace');
    await el.type(value);
  }

  private async waitEnabled(el: ElementHandle<Element>, name: string): Promise<void> {
    try {
      await this.page.waitForFunction((e: Element) => !(e as HTMLButtonElement).disabled, { timeout: DEFAULT_WAIT_MS, polling: 100 }, el);
    } catch {
      throw new Error(`${this.label}: part "${name}" stayed disabled`);
    }
  }

  // ---- account ----

  /** Puts the login form in "sign in" mode. */
  async loginModeSignIn(): Promise<void> {
    await this.loginMode(false);
  }

  /** Puts the login form in "create account" (true) or "sign in" (false) mode. */
  private async loginMode(registering: boolean): Promise<void> {
    await this.part('login-form', { timeout: 20_000 });
    for (let i = 0; i < 2 && (await this.hasPart('name')) !== registering; i++) {
      await this.click('mode-switch');
      await new Promise((r) => setTimeout(r, 100));
    }
    if ((await this.hasPart('name')) !== registering) {
      throw new Error(`${this.label}: could not switch the login form to ${registering ? 'register' : 'sign-in'} mode`);
    }
  }

  async register(): Promise<void> {
    await this.rtc.register(this.credentials);
    await this.expectSignedIn();
  }

  /** Fills and submits the sign-in form; does not wait for the result. */
  async submitSignIn(email: string, password: string): Promise<void> {
    await this.loginMode(false);
    await this.fill('email', email);
    await this.fill('password', password);
    await this.click('submit');
  }

  async signIn(): Promise<void> {
    await this.rtc.signIn(this.credentials);
    await this.expectSignedIn();
  }

  /** Signed in and connected to the broker (the header says "Online"). */
  async expectSignedIn(): Promise<void> {
    await this.part('sign-out', { timeout: 20_000 });
    await this.waitForNoPart('login-form');
    await this.part('status', { text: 'online', timeout: 20_000 });
  }

  async signOut(): Promise<void> {
    await this.click('sign-out');
    await this.part('login-form');
    await this.waitForNoPart('sign-out');
  }

  /** On an invite link's card: joins its room as a guest with this display name, no account. */
  async joinAsGuest(name: string): Promise<void> {
    await this.part('guest-name', { timeout: 20_000 });
    await this.fill('guest-name', name);
    await this.click('guest-join');
    await this.waitForNoPart('invite-card', { timeout: 20_000 });
    await this.part('status', { text: 'online', timeout: 20_000 });
  }

  /** Shows this room's people: picks the option of the room switcher whose label holds `room`. */
  async pickRoom(room: string): Promise<void> {
    const select = await this.part('room-select');
    const value = await select.evaluate(
      (el, r) => [...(el as HTMLSelectElement).options].find((o) => o.text.toLowerCase().includes(r.toLowerCase()))?.value,
      room,
    );
    if (value === undefined) throw new Error(`${this.label}: no room "${room}" in the room switcher`);
    await select.select(value);
  }

  /** Picks own status in the status control ("available", "busy", "away"). */
  async setStatus(status: 'available' | 'busy' | 'away'): Promise<void> {
    const select = await this.part('status-select');
    await select.select(status);
  }

  /** Makes a group room in the invites panel and returns its invite link (`…#rtc-invite=<code>`), as the panel shows it. */
  async makeRoom(room: string): Promise<string> {
    await this.click('invites-toggle');
    await this.fill('new-room-name', room);
    await this.click('create-room');
    const link = await this.part('invite-link');
    return link.evaluate((el) => (el as HTMLInputElement).value);
  }

  // ---- people ----

  /** The row of a person in the people list, once they are shown online. */
  async peer(name: string, timeout = 15_000): Promise<ElementHandle<Element>> {
    return this.part('peer', { text: name, timeout });
  }

  async waitPeerGone(name: string, timeout = 15_000): Promise<void> {
    await this.waitForNoPart('peer', { text: name, timeout });
  }

  /** Clicks the call button in a person's row (video call when the row offers both). */
  async call(name: string, kind: 'video' | 'audio' = 'video'): Promise<void> {
    await this.rtc.call(name, kind);
  }

  /** Opens the conversation with a person (selects their row). */
  async openChat(name: string): Promise<void> {
    await this.rtc.openChat(name);
  }

  async sendChat(text: string): Promise<void> {
    await this.fill('chat-input', text);
    await this.click('chat-send');
  }

  /** Waits for a chat message with this text and returns its element. */
  async chatMessage(text: string, timeout = DEFAULT_WAIT_MS): Promise<ElementHandle<Element>> {
    return this.part('message', { text, timeout });
  }

  // ---- calls ----

  async accept(): Promise<void> {
    await this.rtc.accept();
  }

  /**
   * Waits until the remote video shows new decoded frames that are not black
   * (the kit's `expectRemoteMedia`; audio is checked from statistics by
   * media-checks.ts where a test needs it).
   */
  async expectRemoteVideoPlaying(timeout = 20_000): Promise<{ width: number; height: number }> {
    const { width, height } = await this.rtc.expectRemoteMedia({ audio: false, timeout });
    return { width, height };
  }

  // ---- group calls ----

  /** The tiles of the group call on screen, in order: the name shown, the link's state, whether it is one's own. */
  async tiles(): Promise<GroupTile[]> {
    return this.page.evaluate(() => {
      const w = window as unknown as HookedWindow;
      return w
        .__e2eFindParts('tile')
        .filter((el) => w.__e2eVisible(el))
        .map((el) => ({
          name: w.__e2eText(w.__e2eFindParts('tile-name', el)[0] ?? el).trim(),
          state: el.getAttribute('data-state') ?? '',
          me: el.part.contains('tile-me'),
        }));
    });
  }

  /**
   * Waits until the group call shows exactly one own tile and one tile for each of `others`
   * (name → the state its tile must be in), nobody else and nobody twice.
   */
  async waitForTiles(others: Record<string, GroupTile['state']>, timeout = 20_000): Promise<GroupTile[]> {
    const want = Object.entries(others).sort(([a], [b]) => a.localeCompare(b));
    const matches = (tiles: GroupTile[]) => {
      const theirs = tiles.filter((tile) => !tile.me).sort((a, b) => a.name.localeCompare(b.name));
      return (
        tiles.filter((tile) => tile.me).length === 1 &&
        theirs.length === want.length &&
        theirs.every((tile, i) => tile.name === want[i]![0] && tile.state === want[i]![1])
      );
    };
    const deadline = Date.now() + timeout;
    let tiles = await this.tiles();
    while (!matches(tiles) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      tiles = await this.tiles();
    }
    if (!matches(tiles)) {
      throw new Error(
        `${this.label}: tiles not as expected within ${timeout} ms: want me + ${JSON.stringify(others)}, shown ${JSON.stringify(tiles)}`,
      );
    }
    return tiles;
  }

  async statusText(): Promise<string> {
    return (await this.texts('status')).join(' ');
  }
}

/** `caller` calls `callee` from the people list, `callee` accepts, and both see the other's video playing. */
export async function connectCall(caller: Person, callee: Person): Promise<void> {
  await caller.call(callee.name);
  await caller.part('status', { text: `Calling ${callee.name}` });
  await callee.part('incoming-call', { text: caller.name });
  await callee.accept();
  await Promise.all([caller.expectRemoteVideoPlaying(), callee.expectRemoteVideoPlaying()]);
}

/** `first` starts the call of the room shown, from the people list; each of `joiners` then joins it with one click on the banner. */
export async function startGroupCall(first: Person, joiners: readonly Person[] = []): Promise<void> {
  await first.click('start-room-call');
  await first.waitForTiles({});
  for (const p of joiners) {
    await p.part('room-call-text', { text: first.name, timeout: 15_000 });
    await p.click('join-call');
  }
}

/** Every one of `people` shows a connected tile for each of the others, and no one else. */
export async function expectAllConnected(people: readonly Person[], timeout = 20_000): Promise<void> {
  await Promise.all(
    people.map((viewer) =>
      viewer.waitForTiles(Object.fromEntries(people.filter((p) => p !== viewer).map((p) => [p.name, 'connected'] as const)), timeout),
    ),
  );
}
