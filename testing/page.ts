/**
 * Page helpers for a page that embeds `<rtc-call>`, written once against a
 * tiny page abstraction (`PageAdapter`: evaluate, click, fill) that
 * Playwright (`rtc-call/testing/playwright`) and puppeteer
 * (`rtc-call/testing/puppeteer`) each fill in a few lines.
 *
 * They act only through the widget's public face: its CSS parts (clicked and
 * typed into with the runner's real input events) and its `rtc-*` events,
 * recorded in the page as they bubble to the document. The in-page finder
 * walks open shadow roots, picks a visible part (optionally by its text, or
 * inside another part such as a person's row), and marks it with a
 * `data-rtc-testing` attribute that the runner's shadow-piercing selector
 * then clicks. So both runners share every rule of what counts as "shown".
 */

/** What the helpers need from a browser page; see `rtc-call/testing/playwright` and `/puppeteer`. */
export interface PageAdapter {
  /** Evaluates a JavaScript expression in the page; a promise is awaited, the value comes back as JSON. */
  evaluate(expression: string): Promise<unknown>;
  /** Clicks the one element matching `selector` (CSS, found through open shadow roots), as a person would. */
  click(selector: string): Promise<void>;
  /** Replaces the value of the input matching `selector` (CSS, through open shadow roots) as a person typing. */
  fill(selector: string, value: string): Promise<void>;
}

/**
 * What the helpers use of a Playwright or puppeteer `Page`: both evaluate an
 * expression and both have locators that click and fill. Typed by this
 * little, so neither runner is a dependency of this package.
 */
export interface LocatorPage {
  evaluate(expression: string): Promise<unknown>;
  locator(selector: string): { click(): Promise<unknown>; fill(value: string): Promise<unknown> };
}

/** The page abstraction over a runner's page; `deep` turns a CSS selector into the runner's shadow-piercing form. */
export function locatorAdapter(page: LocatorPage, deep: (css: string) => string = (css) => css): PageAdapter {
  return {
    evaluate: (expression) => page.evaluate(expression),
    click: async (selector) => {
      await page.locator(deep(selector)).click();
    },
    fill: async (selector, value) => {
      await page.locator(deep(selector)).fill(value);
    },
  };
}

/** A call's phase, as `rtc-call-state` reports it in `detail.call.phase`. */
export type CallPhase = 'ringing' | 'connecting' | 'connected' | 'ended';

/** The `rtc-*` events the helpers record in the page. */
export const RECORDED_EVENTS = [
  'rtc-signed-in',
  'rtc-presence',
  'rtc-incoming-call',
  'rtc-call-state',
  'rtc-chat-message',
  'rtc-error',
  'rtc-file-offer',
  'rtc-file-transfer',
] as const;
export type RecordedEventName = (typeof RECORDED_EVENTS)[number];

/** One recorded event: its `detail` as plain JSON (streams dropped), and when it came (page clock, ms). */
export interface RecordedEvent {
  type: RecordedEventName;
  detail: unknown;
  at: number;
}

/** The plain fields of a call in `rtc-call-state` / `rtc-incoming-call`. */
export interface CallSnapshot {
  phase: CallPhase;
  direction?: 'outgoing' | 'incoming';
  peer: { id: string; name: string };
  endReason?: string;
  [field: string]: unknown;
}

/** What `expectRemoteMedia` saw. */
export interface RemoteMedia {
  /** The decoded size of the other person's video. */
  width: number;
  height: number;
  /** Whether their audio track is live and receiving (always true when audio was required). */
  audio: boolean;
}

export interface RtcCallPageOptions {
  /** CSS selector of the widget on the page (default `rtc-call`). */
  root?: string;
  /** Default wait for anything to show, ms (default 15 000). */
  timeout?: number;
  /** Names this page in error messages, e.g. "alice". */
  label?: string;
}

export interface Account {
  name?: string;
  email: string;
  password: string;
}

/** Where to look for a part: by its text, inside another part, hidden ones too. */
export interface PartQuery {
  /** Only a part whose shown text (inputs: value) contains this, case-insensitive. */
  text?: string;
  /** Only inside the first visible part of this name whose text contains `within.text`. */
  within?: { part: string; text?: string };
  /** Also a part that is not rendered (default false). */
  hidden?: boolean;
  timeout?: number;
}

interface FindArgs {
  root: string;
  part: string;
  text: string | null;
  within: { part: string; text: string | null } | null;
  hidden: boolean;
  /** Mark the match with this id (data-rtc-testing) for the runner's selector. */
  mark: string | null;
}

interface MediaArgs {
  root: string;
  audio: boolean;
}

/**
 * esbuild (tsx, when these helpers run from their TypeScript sources) wraps
 * named functions in `__name(…)` calls: functions sent into the page need it
 * there. A string, so no compiler rewrites it.
 */
const NAME_HELPER = 'globalThis.__name ??= (fn) => fn';

/** The page's record of the widget's events (`globalThis.__rtcTesting`). */
export interface EventRecord {
  events: RecordedEvent[];
}

/**
 * Runs in the page (self-contained): records the `rtc-*` events in
 * `eventNames` into `globalThis.__rtcTesting.events`; once per document. The
 * helpers run it first on every call; a runner's init script (puppeteer
 * `evaluateOnNewDocument`, Playwright `addInitScript`) can run it before the
 * page's own scripts, to record from the start.
 */
export function recordEvents(eventNames: readonly string[]): void {
  const g = globalThis as unknown as { __rtcTesting?: EventRecord };
  if (g.__rtcTesting) return;
  const state = { events: [] as RecordedEvent[] };
  g.__rtcTesting = state;
  const plain = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
    if (depth > 5 || (typeof MediaStream !== 'undefined' && value instanceof MediaStream)) return undefined;
    if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v, depth + 1);
    return out;
  };
  for (const type of eventNames) {
    // The widget's events bubble and are composed: the document sees all of them.
    document.addEventListener(type, (event) => {
      state.events.push({ type: type as RecordedEventName, detail: plain((event as CustomEvent).detail, 0), at: Date.now() });
    });
  }
}

/** Runs in the page: the first part matching `args`, marked when asked; the mark id, true (found, no mark) or false. */
function findPart(args: FindArgs): string | boolean {
  const root = document.querySelector(args.root);
  if (!root) return false;
  const parts = (name: string, scope: Element): Element[] => {
    const found: Element[] = [];
    const visit = (node: Element | ShadowRoot) => {
      if (node instanceof Element && node.part?.contains(name)) found.push(node);
      if (node instanceof Element && node.shadowRoot) visit(node.shadowRoot);
      for (const child of node.children) visit(child);
    };
    visit(scope);
    return found;
  };
  const text = (node: Node): string => {
    if (node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement) return node.value;
    if (node instanceof HTMLStyleElement || node instanceof HTMLScriptElement) return '';
    if (node.nodeType === Node.TEXT_NODE) return (node as Text).data;
    let s = '';
    if (node instanceof Element && node.shadowRoot) for (const c of node.shadowRoot.childNodes) s += text(c);
    for (const c of node.childNodes) s += text(c);
    return s;
  };
  const shown = (el: Element) => el.checkVisibility({ visibilityProperty: true } as CheckVisibilityOptions);
  const matches = (el: Element, t: string | null, hidden: boolean) =>
    (hidden || shown(el)) && (t === null || text(el).toLowerCase().includes(t.toLowerCase()));
  let scope: Element = root;
  if (args.within) {
    const { part, text: t } = args.within;
    const container = parts(part, root).find((el) => matches(el, t, false));
    if (!container) return false;
    scope = container;
  }
  const el = parts(args.part, scope).find((candidate) => matches(candidate, args.text, args.hidden));
  if (!el) return false;
  if (args.mark === null) return true;
  el.setAttribute('data-rtc-testing', args.mark);
  return args.mark;
}

/** Runs in the page: whether a control is enabled (a disabled button ignores a click, and the runner would wait on it). */
function isEnabled(mark: string): boolean {
  const find = (node: Element | ShadowRoot): Element | null => {
    const hit = node.querySelector(`[data-rtc-testing="${mark}"]`);
    if (hit) return hit;
    for (const el of node.querySelectorAll('*')) {
      const inner = el.shadowRoot && find(el.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  const el = find(document.documentElement);
  return el !== null && !(el as HTMLButtonElement).disabled;
}

/**
 * Runs in the page: whether the other person's media plays, judged by a real
 * decoded frame: the `remote-video` gets a newly presented frame
 * (requestVideoFrameCallback, else a growing count of decoded frames), and a
 * sample of it drawn on a canvas is not black (a camera turned off sends
 * black frames). With `audio`, their audio track is live and receiving.
 */
async function remoteMedia(args: MediaArgs): Promise<RemoteMedia | string> {
  const root = document.querySelector(args.root);
  const find = (node: Element | ShadowRoot): HTMLVideoElement | null => {
    for (const el of node.querySelectorAll('*')) {
      if (el instanceof HTMLVideoElement && el.part.contains('remote-video')) return el;
      const inner = el.shadowRoot && find(el.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  const video = root?.shadowRoot ? find(root.shadowRoot) : null;
  if (!video) return 'no remote-video part';
  if (!(video.srcObject instanceof MediaStream)) return 'the remote-video has no stream';
  if (video.videoWidth === 0 || video.paused) return `no picture yet (videoWidth ${video.videoWidth}, paused ${video.paused})`;
  const presented = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 1500);
    // Both engines have it today (Firefox since 132); the frame count is for older ones.
    if (typeof video.requestVideoFrameCallback === 'function') {
      video.requestVideoFrameCallback(() => {
        clearTimeout(timer);
        resolve(true);
      });
    } else {
      const before = video.getVideoPlaybackQuality().totalVideoFrames;
      setTimeout(() => resolve(video.getVideoPlaybackQuality().totalVideoFrames > before), 1000);
    }
  });
  if (!presented) return 'no new video frame for 1.5 s';
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 32;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) return 'no 2d canvas to sample the video';
  context.drawImage(video, 0, 0, 32, 32);
  const pixels = context.getImageData(0, 0, 32, 32).data;
  let brightest = 0;
  for (let i = 0; i < pixels.length; i += 4) brightest = Math.max(brightest, pixels[i]!, pixels[i + 1]!, pixels[i + 2]!);
  if (brightest < 24) return 'the video frames are black';
  const audio = video.srcObject.getAudioTracks().some((track) => track.readyState === 'live' && !track.muted);
  if (args.audio && !audio) return 'no live, receiving audio track';
  return { width: video.videoWidth, height: video.videoHeight, audio };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `attempt` until it gives something other than a string (a reason to go on waiting) or false (not yet), or time is up. */
async function poll<T>(attempt: () => Promise<T | string | false>, timeout: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: T | string | false;
  for (;;) {
    last = await attempt();
    if (last !== false && typeof last !== 'string') return last;
    if (Date.now() >= deadline) break;
    await sleep(100);
  }
  throw new Error(`${what()} within ${timeout} ms${typeof last === 'string' ? ` (${last})` : ''}`);
}

let pages = 0;

/**
 * One person's page with `<rtc-call>`: sign in, find people, call, answer,
 * check media, chat, toggle devices and hang up, through the widget's parts
 * and events. Make one per page with `rtcCall(page)` from the runner's entry.
 */
export class RtcCallPage {
  readonly root: string;
  readonly timeout: number;
  readonly label: string;
  private readonly id = ++pages;
  private marks = 0;

  constructor(
    private readonly adapter: PageAdapter,
    options: RtcCallPageOptions = {},
  ) {
    this.root = options.root ?? 'rtc-call';
    this.timeout = options.timeout ?? 15_000;
    this.label = options.label ?? `page ${this.id}`;
  }

  /** Runs `fn(arg)` in the page (a self-contained function), after the prelude. */
  async run<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    const expression = `(${NAME_HELPER}, (${recordEvents.toString()})(${JSON.stringify(RECORDED_EVENTS)}), (${fn.toString()})(${JSON.stringify(arg)}))`;
    return (await this.adapter.evaluate(expression)) as R;
  }

  // ---- parts ----

  private args(part: string, query: PartQuery, mark: string | null): FindArgs {
    return {
      root: this.root,
      part,
      text: query.text ?? null,
      within: query.within ? { part: query.within.part, text: query.within.text ?? null } : null,
      hidden: query.hidden ?? false,
      mark,
    };
  }

  private describe(part: string, query: PartQuery): string {
    const text = query.text ? ` with "${query.text}"` : '';
    const within = query.within ? ` in ${query.within.part}${query.within.text ? ` "${query.within.text}"` : ''}` : '';
    return `part "${part}"${text}${within}`;
  }

  /** Waits until a part matching `query` is shown. */
  async waitForPart(part: string, query: PartQuery = {}): Promise<void> {
    await poll(
      async () => (await this.run(findPart, this.args(part, query, null))) || `not shown`,
      query.timeout ?? this.timeout,
      () => `${this.label}: ${this.describe(part, query)} was not shown`,
    );
  }

  /** Whether a part matching `query` is shown right now. */
  async hasPart(part: string, query: Omit<PartQuery, 'timeout'> = {}): Promise<boolean> {
    return (await this.run(findPart, this.args(part, query, null))) !== false;
  }

  /** Waits until no part matching `query` is shown. */
  async waitForNoPart(part: string, query: Omit<PartQuery, 'hidden'> = {}): Promise<void> {
    await poll(
      async () => !(await this.hasPart(part, query)) || 'still shown',
      query.timeout ?? this.timeout,
      () => `${this.label}: ${this.describe(part, query)} was still shown`,
    );
  }

  /** Waits for a shown, enabled part and returns a CSS selector (through shadow roots) naming it alone. */
  private async target(part: string, query: PartQuery): Promise<string> {
    const mark = `${this.id}-${++this.marks}`;
    await poll(
      async () => {
        const found = await this.run(findPart, this.args(part, query, mark));
        if (found === false) return 'not shown';
        return (await this.run(isEnabled, mark)) || 'disabled';
      },
      query.timeout ?? this.timeout,
      () => `${this.label}: ${this.describe(part, query)} was not shown and enabled`,
    );
    return `[data-rtc-testing="${mark}"]`;
  }

  /** Clicks a part with the runner's real mouse events. */
  async click(part: string, query: PartQuery = {}): Promise<void> {
    await this.adapter.click(await this.target(part, query));
  }

  /** Types `value` into an input part, replacing what it held. */
  async fill(part: string, value: string, query: PartQuery = {}): Promise<void> {
    await this.adapter.fill(await this.target(part, query), value);
  }

  /** The value of an attribute of a shown part (e.g. `aria-pressed` of `mic-toggle`), or null. */
  async attribute(part: string, name: string, query: PartQuery = {}): Promise<string | null> {
    const selector = await this.target(part, query);
    return this.run(
      ({ selector: s, name: n }) => {
        const find = (node: Element | ShadowRoot): Element | null =>
          node.querySelector(s) ?? [...node.querySelectorAll('*')].map((el) => el.shadowRoot && find(el.shadowRoot)).find(Boolean) ?? null;
        return find(document.documentElement)?.getAttribute(n) ?? null;
      },
      { selector, name },
    );
  }

  // ---- events ----

  /** Every recorded `rtc-*` event (of `type`), oldest first; recording starts at this page's first helper call. */
  async events(type?: RecordedEventName): Promise<RecordedEvent[]> {
    const all = await this.run(() => (globalThis as unknown as { __rtcTesting: EventRecord }).__rtcTesting.events, null);
    return type ? all.filter((event) => event.type === type) : all;
  }

  /** Starts recording the widget's events now (every helper does it too): call it before anything the page does by itself. */
  async record(): Promise<void> {
    await this.run(() => true, null);
  }

  /** Waits for a recorded event of `type` (after `since`, a page-clock ms) for which `match` holds. */
  async waitForEvent(
    type: RecordedEventName,
    match: (detail: unknown) => boolean = () => true,
    options: { since?: number; timeout?: number } = {},
  ): Promise<RecordedEvent> {
    return poll(
      async () => (await this.events(type)).find((e) => e.at >= (options.since ?? 0) && match(e.detail)) ?? `none yet`,
      options.timeout ?? this.timeout,
      () => `${this.label}: no ${type} event as expected`,
    );
  }

  /** The call of the last `rtc-call-state` event (its phase, peer, end reason), or null before any call. */
  async callState(): Promise<CallSnapshot | null> {
    const last = (await this.events('rtc-call-state')).at(-1);
    return last ? (last.detail as { call: CallSnapshot }).call : null;
  }

  /** Waits until the last `rtc-call-state` event says `phase`. */
  async waitForCallState(phase: CallPhase, timeout = this.timeout): Promise<CallSnapshot> {
    return poll(
      async () => {
        const call = await this.callState();
        return call?.phase === phase ? call : `the call is ${call?.phase ?? 'not started'}`;
      },
      timeout,
      () => `${this.label}: the call did not reach "${phase}"`,
    );
  }

  private now(): Promise<number> {
    return this.run(() => Date.now(), null);
  }

  // ---- account ----

  /** Puts the sign-in form in "create account" (true) or "sign in" (false) mode; the `name` field shows only when registering. */
  private async loginMode(registering: boolean): Promise<void> {
    await this.waitForPart('login-form', { timeout: Math.max(this.timeout, 20_000) });
    for (let i = 0; i < 2 && (await this.hasPart('name')) !== registering; i++) {
      await this.click('mode-switch');
      await sleep(100);
    }
    if ((await this.hasPart('name')) !== registering) throw new Error(`${this.label}: the sign-in form did not switch modes`);
  }

  /** Submits the sign-in form; resolves once `rtc-signed-in` came, fails at once with the message of an `rtc-error` (a wrong password). */
  private async submitAndWait(): Promise<void> {
    const since = await this.now();
    await this.click('submit');
    const outcome = await poll(
      async () => {
        const events = (await this.events()).filter((event) => event.at >= since);
        const refused = events.find((event) => event.type === 'rtc-error');
        if (refused) return { refused: (refused.detail as { message?: string }).message ?? JSON.stringify(refused.detail) };
        return events.some((event) => event.type === 'rtc-signed-in') ? { refused: null } : 'not signed in yet';
      },
      Math.max(this.timeout, 20_000),
      () => `${this.label}: no rtc-signed-in event`,
    );
    if (outcome.refused !== null) throw new Error(`${this.label}: signing in failed: ${outcome.refused}`);
    await this.waitForPart('sign-out');
  }

  /** Creates an account through the sign-in form and waits until signed in (`rtc-signed-in`). */
  async register(account: Required<Pick<Account, 'name'>> & Account): Promise<void> {
    await this.loginMode(true);
    await this.fill('name', account.name);
    await this.fill('email', account.email);
    await this.fill('password', account.password);
    await this.submitAndWait();
  }

  /** Signs in through the sign-in form and waits until signed in (`rtc-signed-in`). */
  async signIn(account: Account): Promise<void> {
    await this.loginMode(false);
    await this.fill('email', account.email);
    await this.fill('password', account.password);
    await this.submitAndWait();
  }

  async signOut(): Promise<void> {
    await this.click('sign-out');
    await this.waitForPart('login-form');
  }

  // ---- people ----

  /** Waits until `name` is shown in the people list (online). */
  async waitForPerson(name: string, timeout = this.timeout): Promise<void> {
    await this.waitForPart('peer', { text: name, timeout });
  }

  /** Calls `name` from their row in the people list (video by default, where the row offers both). */
  async call(name: string, kind: 'video' | 'audio' = 'video'): Promise<void> {
    const row = { part: 'peer', text: name };
    await this.waitForPerson(name);
    const specific = await this.hasPart(`${kind}-call`, { within: row });
    await this.click(specific ? `${kind}-call` : 'call-button', { within: row });
  }

  /** Waits for an incoming call (from `name`, if given). */
  async waitForIncomingCall(name?: string, timeout = this.timeout): Promise<void> {
    await this.waitForPart('incoming-call', { ...(name !== undefined && { text: name }), timeout });
  }

  /** Accepts the ringing call (waiting for it first, from `name` if given). */
  async accept(name?: string): Promise<void> {
    await this.waitForIncomingCall(name);
    await this.click('accept');
  }

  async decline(name?: string): Promise<void> {
    await this.waitForIncomingCall(name);
    await this.click('decline');
  }

  /**
   * Waits until the other person's media really plays: a new decoded video
   * frame that is not black and, unless `audio: false`, a live audio track
   * receiving sound.
   */
  async expectRemoteMedia(options: { audio?: boolean; timeout?: number } = {}): Promise<RemoteMedia> {
    const timeout = options.timeout ?? Math.max(this.timeout, 20_000);
    return poll(
      () => this.run(remoteMedia, { root: this.root, audio: options.audio ?? true }),
      timeout,
      () => `${this.label}: the other person's media did not play`,
    );
  }

  /** Ends the call (hangs up, or cancels one still ringing) and waits for `rtc-call-state` "ended". */
  async hangUp(): Promise<CallSnapshot> {
    const ringing = !(await this.hasPart('hangup')) && (await this.hasPart('cancel'));
    await this.click(ringing ? 'cancel' : 'hangup');
    return this.waitForCallState('ended');
  }

  // ---- devices ----

  /** Clicks a toggle and returns whether it is pressed afterwards (the `aria-pressed` the click sets). */
  private async toggle(part: 'mic-toggle' | 'camera-toggle' | 'screen-toggle'): Promise<boolean> {
    const before = await this.attribute(part, 'aria-pressed');
    await this.click(part);
    const after = await poll(
      async () => {
        const now = await this.attribute(part, 'aria-pressed');
        // An object: poll() reads a bare `false` as "not yet".
        return now !== before ? { pressed: now === 'true' } : 'unchanged';
      },
      this.timeout,
      () => `${this.label}: ${part} did not change`,
    );
    return after.pressed;
  }

  /** Mutes or unmutes the microphone; true when now muted. */
  toggleMicrophone(): Promise<boolean> {
    return this.toggle('mic-toggle');
  }

  /** Turns the camera off or on; true when now off. */
  toggleCamera(): Promise<boolean> {
    return this.toggle('camera-toggle');
  }

  /** Starts or stops sharing the screen; true when now sharing. */
  toggleScreen(): Promise<boolean> {
    return this.toggle('screen-toggle');
  }

  // ---- chat ----

  /** Opens the conversation with `name` (their row in the people list). */
  async openChat(name: string): Promise<void> {
    const row = { part: 'peer', text: name };
    await this.waitForPerson(name);
    await this.click((await this.hasPart('peer-select', { within: row })) ? 'peer-select' : 'peer-name', { within: row });
    await this.waitForPart('chat-input');
  }

  /** Sends `text` to `name` and waits until it is shown as sent. */
  async sendChat(name: string, text: string): Promise<void> {
    await this.openChat(name);
    await this.fill('chat-input', text);
    await this.click('chat-send');
    await this.waitForChatMessage(text);
  }

  /** Waits until a chat message holding `text` is shown; with `from`, opens the conversation with that person first. */
  async waitForChatMessage(text: string, options: { from?: string; timeout?: number } = {}): Promise<void> {
    if (options.from !== undefined) await this.openChat(options.from);
    await this.waitForPart('message', { text, timeout: options.timeout ?? this.timeout });
  }
}
