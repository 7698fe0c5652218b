/**
 * Shared helpers of the element tests: real `Session`s signed in against the
 * real backend started by web-test-runner, and waits on real state changes.
 */
import { Session } from '../../src/core/session.js';
import { SIGNED_OUT } from '../../src/core/session-state.js';
import { NO_DEVICES } from '../../src/core/devices.js';
import type { CallView, SessionApi, SessionOptions, SessionState } from '../../src/core/types.js';
import { backendOrigin, newUser, type TestUser } from '../support/backend.js';

const sessions = new Set<SessionApi>();

/** A real Session against the test backend; disposed by `disposeSessions()`. */
export function newSession(options: Partial<SessionOptions> = {}): SessionApi {
  const session = new Session({ server: backendOrigin(), ...options });
  sessions.add(session);
  return session;
}

/** Disposes every session made by `newSession` (call in afterEach). */
export function disposeSessions(): void {
  for (const s of sessions) s.dispose();
  sessions.clear();
}

/** Resolves with the state once `predicate` holds, checking after every `change` event. */
export function waitForState(
  session: SessionApi,
  predicate: (state: SessionState) => boolean,
  what = 'session state',
  timeoutMs = 20_000,
): Promise<SessionState> {
  if (predicate(session.state)) return Promise.resolve(session.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.removeEventListener('change', check);
      reject(new Error(`timed out waiting for ${what}; state: ${JSON.stringify({ ...session.state, call: session.state.call?.phase })}`));
    }, timeoutMs);
    function check() {
      if (!predicate(session.state)) return;
      clearTimeout(timer);
      session.removeEventListener('change', check);
      resolve(session.state);
    }
    session.addEventListener('change', check);
  });
}

export interface SignedIn {
  session: SessionApi;
  user: TestUser;
}

/** Registers a fresh user and signs a new session in with it, online on MQTT. */
export async function signedIn(name?: string, options: Partial<SessionOptions> = {}): Promise<SignedIn> {
  const user = await newUser(name);
  const session = newSession(options);
  await session.signIn(user.email, user.password);
  await waitForState(session, (s) => s.connection === 'online', `${user.user.name} online`);
  return { session, user };
}

/** Two signed-in people who see each other online. */
export async function twoPeople(nameA = 'Ada Lovelace', nameB = 'Grace Hopper'): Promise<[SignedIn, SignedIn]> {
  const a = await signedIn(nameA);
  const b = await signedIn(nameB);
  await waitForState(a.session, (s) => s.peers.some((p) => p.id === b.user.user.id), `${nameA} sees ${nameB}`);
  await waitForState(b.session, (s) => s.peers.some((p) => p.id === a.user.user.id), `${nameB} sees ${nameA}`);
  return [a, b];
}

const inPhase = (call: CallView | null, phase: CallView['phase']) => call !== null && call.phase === phase;

/** `a` calls `b`; resolves once `b` rings. */
export async function ringingCall(a: SignedIn, b: SignedIn, media = { audio: true, video: false }): Promise<void> {
  await a.session.call(b.user.user.id, media);
  await waitForState(b.session, (s) => inPhase(s.call, 'ringing'), 'incoming call');
}

/** `a` calls `b`, `b` accepts; resolves once both calls are connected. */
export async function connectedCall(a: SignedIn, b: SignedIn, media = { audio: true, video: true }): Promise<void> {
  await ringingCall(a, b, media);
  await b.session.accept();
  await waitForState(a.session, (s) => inPhase(s.call, 'connected'), 'caller connected');
  await waitForState(b.session, (s) => inPhase(s.call, 'connected'), 'callee connected');
}

/** Shadow-root query by part name (first match). */
export function part<T extends Element = HTMLElement>(host: Element, name: string): T | null {
  return host.shadowRoot?.querySelector<T>(`[part~="${name}"]`) ?? null;
}

export function parts<T extends Element = HTMLElement>(host: Element, name: string): T[] {
  return [...(host.shadowRoot?.querySelectorAll<T>(`[part~="${name}"]`) ?? [])];
}

/** Deep query through the shadow roots of the widget, by part name. */
export function findPart(root: Element, name: string): HTMLElement | null {
  const stack: ParentNode[] = [root.shadowRoot!];
  while (stack.length) {
    const node = stack.pop()!;
    const hit = node.querySelector<HTMLElement>(`[part~="${name}"]`);
    if (hit) return hit;
    for (const el of node.querySelectorAll('*')) if (el.shadowRoot) stack.push(el.shadowRoot);
  }
  return null;
}

export async function until<T>(what: string, get: () => T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = get();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => requestAnimationFrame(r));
  }
}

/** Types into an input as a person would (an `input` event follows). */
export function type(input: HTMLInputElement, value: string) {
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
}

/**
 * Counts getUserMedia calls of this page (every session in it) until `restore()`. `refuseNext()` makes
 * the next call fail as a refused permission prompt would.
 */
export function watchUserMedia(): { readonly count: number; refuseNext(): void; restore(): void } {
  const md = navigator.mediaDevices;
  const original = md.getUserMedia;
  let count = 0;
  let refuse = false;
  md.getUserMedia = (constraints) => {
    count++;
    if (!refuse) return original.call(md, constraints);
    refuse = false;
    return Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  };
  return {
    get count() {
      return count;
    },
    refuseNext: () => (refuse = true),
    restore: () => (md.getUserMedia = original),
  };
}

/** A call on the stage for a `FakeSession`'s state: connected, audio and video both ways. */
export function fakeCall(overrides: Partial<CallView> = {}): CallView {
  const flags = { audio: true, video: true, screen: false };
  return {
    callId: 'fake-call',
    direction: 'outgoing',
    peer: { id: 'peer-1', name: 'Grace Fake' },
    phase: 'connected',
    media: { audio: true, video: true },
    local: flags,
    remote: flags,
    localStream: null,
    remoteStream: null,
    message: 'In a call',
    startedAt: Date.now(),
    ...overrides,
  };
}

/**
 * A session with a given state and no backend, whose methods do nothing (or what `methods`
 * says): for what a real session never does, such as a method that rejects.
 */
export class FakeSession extends EventTarget implements SessionApi {
  readonly options = { server: '' };
  state: SessionState;
  /** The group call and media actions called, in order, with their arguments (what an element asked of the session). */
  readonly calls: Array<{ method: string; args: unknown[] }> = [];

  constructor(state: Partial<SessionState> = {}, methods: Partial<SessionApi> = {}) {
    super();
    this.state = {
      ...SIGNED_OUT,
      connection: 'online',
      user: { id: 'visitor-1', name: 'Visitor', email: 'visitor@example.test' },
      relayOnly: false,
      devices: NO_DEVICES,
      ...state,
    };
    Object.assign(this, methods);
  }

  /** Changes the state as the session would: a new object, then `change`. */
  update(patch: Partial<SessionState>): void {
    this.state = { ...this.state, ...patch };
    this.dispatchEvent(new CustomEvent('change', { detail: this.state }));
  }

  async register() {}
  async signIn() {}
  async restore() {
    return false;
  }
  async signOut() {}
  setStatus() {}
  setRelayOnly() {}
  async call() {}
  async accept() {}
  decline() {}
  cancel() {}
  hangup() {}
  dismissCall() {}
  async markVerified() {}
  async joinGroupCall(...args: unknown[]) {
    this.record('joinGroupCall', args);
  }
  async leaveGroupCall() {
    this.record('leaveGroupCall', []);
  }
  async addToCall(...args: unknown[]) {
    this.record('addToCall', args);
  }
  async sendRoomChat(...args: unknown[]) {
    this.record('sendRoomChat', args);
  }
  setMicrophone(...args: unknown[]) {
    this.record('setMicrophone', args);
  }
  async setCamera(...args: unknown[]) {
    this.record('setCamera', args);
  }
  async startScreenShare() {
    this.record('startScreenShare', []);
  }
  async stopScreenShare() {
    this.record('stopScreenShare', []);
  }
  dismissGroupRing() {
    this.record('dismissGroupRing', []);
  }
  async chooseDevice() {}
  async refreshDevices() {}
  async sendChat() {}
  async withdrawChat() {}
  markRead() {}
  async sendFiles(...args: unknown[]) {
    this.record('sendFiles', args);
  }
  async acceptFile(...args: unknown[]) {
    this.record('acceptFile', args);
  }
  declineFile(...args: unknown[]) {
    this.record('declineFile', args);
  }
  cancelFile(...args: unknown[]) {
    this.record('cancelFile', args);
  }
  dismissFile(...args: unknown[]) {
    this.record('dismissFile', args);
  }
  selectRoom() {}
  async createRoom() {
    return null;
  }
  async createInvite() {
    return null;
  }
  async loadInvites() {}
  async revokeInvite() {}
  async openInvite() {}
  async joinAsGuest() {}
  dismissInvite() {}
  async checkConnection() {
    return { candidates: { host: 0, srflx: 0, relay: 0 }, turn: 'not-configured' as const, relayOnly: false };
  }
  async loadCallHistory() {}
  async loadMoreCalls() {}
  async deleteCall(...args: unknown[]) {
    this.record('deleteCall', args);
  }
  async markCallsSeen() {
    this.record('markCallsSeen', []);
  }
  async callBack(...args: unknown[]) {
    this.record('callBack', args);
  }
  async setDoNotDisturb(...args: unknown[]) {
    this.record('setDoNotDisturb', args);
  }
  async setInvisible(...args: unknown[]) {
    this.record('setInvisible', args);
  }
  dispose() {}

  private record(method: string, args: unknown[]): void {
    this.calls.push({ method, args });
  }
}
