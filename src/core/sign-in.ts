/**
 * Who is signed in: register, sign in, restore a remembered sign-in (retried with backoff while
 * the backend is unreachable), the epoch that drops late answers of an earlier sign-in, token
 * renewal, and the token kept in sessionStorage. A new token is adopted in one place (`adopt`).
 * A site account (site-sign-in.ts) signs in through `exchange`, and gets a new session through the
 * `refused` hook when the backend refuses a renewal.
 */
import type { AuthResponse } from '../protocol/index.js';
import { ApiRequestError, type ApiClient } from './api-client.js';
import { Timers, type Clock } from './clock.js';
import { toSessionError, type SessionStore } from './session-state.js';
import { reconnectDelay, tokenRenewalDelayMs } from './timing.js';

/** A renewal that failed on the network is tried again after this; the token is still valid a while. */
const RENEW_RETRY_MS = 30_000;

export interface SignInHooks {
  /** Ends the sign-in under way before another one starts (the visitor signs in as someone else). */
  replace(): void;
  /** A sign-in succeeded (typed or restored): start everything for it. The token is adopted already. */
  start(auth: AuthResponse, epoch: number): Promise<void>;
  /** The renewed token, for the live signalling link. */
  renewed(token: string): void;
  /** The server no longer accepts this sign-in. */
  expired(): void;
  /** The server refused to renew this sign-in: a new session of the same source (a site account), or null. */
  refused(): Promise<AuthResponse | null>;
}

export class SignIn {
  private current: string | null = null;
  private epochCount = 0;
  private restoreAttempt = 0;
  private disposed = false;
  private readonly timers: Timers<'renew' | 'restore'>;

  constructor(
    private readonly api: ApiClient,
    private readonly store: SessionStore,
    private readonly remember: boolean,
    clock: Clock,
    private readonly hooks: SignInHooks,
  ) {
    this.timers = new Timers(clock);
  }

  /** The token of the current sign-in; null when signed out. */
  get token(): string | null {
    return this.current;
  }

  /** Bumped when a sign-in ends, so late answers of an earlier one are dropped. */
  get epoch(): number {
    return this.epochCount;
  }

  async register(name: string, email: string, password: string): Promise<void> {
    await this.authenticate(() => this.api.register(name, email, password));
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.authenticate(() => this.api.login(email, password));
  }

  /**
   * Signs in with `request`'s session (a site token exchanged): the user signed in already keeps
   * the live session, calls and all, and only takes the new token; someone else replaces them, and
   * the previous session is revoked on the server. A refused request signs out whoever was here:
   * the page's new token says the visitor changed. Resolves the failure (already reported), or null.
   */
  async exchange(request: () => Promise<AuthResponse>): Promise<unknown> {
    // The site says who the visitor is now: a remembered sign-in waiting to be retried is not theirs.
    this.timers.clear('restore');
    const previous = this.current;
    const userId = this.store.state.user?.id;
    if (!previous || !userId || this.disposed) return this.authenticate(request);
    const epoch = ++this.epochCount;
    let auth: AuthResponse;
    try {
      auth = await request();
    } catch (e) {
      if (epoch !== this.epochCount) return null;
      this.hooks.replace();
      this.store.reportError(toSessionError(e, 'auth'));
      return e;
    }
    if (epoch !== this.epochCount) return null;
    if (auth.user.id === userId) {
      this.adopt(auth.token);
      this.hooks.renewed(auth.token);
      return null;
    }
    this.hooks.replace();
    void this.api.logout(previous).catch(() => undefined);
    this.adopt(auth.token);
    await this.hooks.start(auth, this.epochCount);
    return null;
  }

  async restore(): Promise<boolean> {
    this.timers.clear('restore');
    if (this.current) return true; // already signed in
    const stored = this.readStored();
    if (!stored || this.disposed) return false;
    const epoch = ++this.epochCount;
    this.store.update({ connection: 'signing-in' });
    try {
      const auth = await this.api.renewToken(stored);
      if (epoch !== this.epochCount) return false;
      this.restoreAttempt = 0;
      this.adopt(auth.token);
      await this.hooks.start(auth, epoch);
      return true;
    } catch (e) {
      if (epoch !== this.epochCount) return false;
      const refused = e instanceof ApiRequestError && e.code === 'unauthorized';
      if (refused) this.writeStored(null);
      this.store.update({ connection: 'signed-out' });
      // Backend down at page load: keep the remembered sign-in and try again, so it comes back without a reload.
      if (e instanceof ApiRequestError && e.code === 'server_unreachable' && !this.disposed) this.scheduleRestore();
      if (!refused) this.store.reportError(toSessionError(e, 'auth'));
      return false;
    }
  }

  /** The broker refused our token (it expired while we were away): renew it, or null to sign out. */
  async renewForBroker(): Promise<string | null> {
    const token = this.current;
    if (!token) return null;
    const epoch = this.epochCount;
    try {
      const auth = await this.api.renewToken(token);
      this.adopt(auth.token);
      return auth.token;
    } catch (e) {
      if (e instanceof ApiRequestError && e.code === 'unauthorized') return this.replaceRefused(epoch);
      throw e;
    }
  }

  /** Ends this sign-in here: its timers and token; `forget` also drops the remembered token. */
  end(forget: boolean): void {
    this.epochCount++;
    this.timers.clear('renew');
    this.current = null;
    if (forget) this.writeStored(null);
  }

  dispose(): void {
    this.disposed = true;
    this.timers.clearAll();
  }

  /** Signs in with `request`'s session, replacing any; resolves the failure (already reported), or null. */
  private async authenticate(request: () => Promise<AuthResponse>): Promise<unknown> {
    if (this.disposed) return null;
    if (this.current) this.hooks.replace();
    const epoch = ++this.epochCount;
    const error = this.store.state.error;
    this.store.update({ connection: 'signing-in', error: error?.scope === 'auth' ? null : error });
    let auth: AuthResponse;
    try {
      auth = await request();
    } catch (e) {
      if (epoch !== this.epochCount) return null;
      this.store.update({ connection: 'signed-out' });
      this.store.reportError(toSessionError(e, 'auth'));
      return e;
    }
    if (epoch !== this.epochCount) return null;
    this.adopt(auth.token);
    await this.hooks.start(auth, epoch);
    return null;
  }

  /**
   * The server refused to renew the session: a new one of the same source (a site account's
   * token URL) when it is the same user, taken as a renewal; null when there is none (sign out).
   */
  private async replaceRefused(epoch: number): Promise<string | null> {
    const userId = this.store.state.user?.id;
    let auth: AuthResponse | null;
    try {
      auth = await this.hooks.refused();
    } catch {
      return null;
    }
    if (!auth || epoch !== this.epochCount || auth.user.id !== userId) return null;
    this.adopt(auth.token);
    return auth.token;
  }

  /** The one place a new token is taken: kept, remembered, and its renewal scheduled. */
  private adopt(token: string): void {
    this.current = token;
    this.writeStored(token);
    const delay = tokenRenewalDelayMs(token);
    if (delay === null) this.timers.clear('renew');
    else this.timers.set('renew', () => void this.renewNow(), delay);
  }

  private async renewNow(): Promise<void> {
    const token = this.current;
    if (!token) return;
    const epoch = this.epochCount;
    try {
      const auth = await this.api.renewToken(token);
      if (epoch !== this.epochCount) return;
      this.adopt(auth.token);
      this.hooks.renewed(auth.token);
    } catch (e) {
      if (epoch !== this.epochCount) return;
      if (e instanceof ApiRequestError && e.code === 'unauthorized') {
        const token = await this.replaceRefused(epoch);
        if (epoch !== this.epochCount) return;
        if (token) this.hooks.renewed(token);
        else this.hooks.expired();
      } else this.timers.set('renew', () => void this.renewNow(), RENEW_RETRY_MS);
    }
  }

  private scheduleRestore(): void {
    this.timers.set(
      'restore',
      () => {
        if (this.current || this.disposed) return;
        // A sign-in typed meanwhile is under way: let it finish rather than racing it.
        if (this.store.state.connection === 'signing-in') this.scheduleRestore();
        else void this.restore();
      },
      reconnectDelay(this.restoreAttempt++),
    );
  }

  private get storageKey(): string {
    return `rtc-call:token:${this.api.origin}`;
  }

  private readStored(): string | null {
    if (!this.remember) return null;
    try {
      return sessionStorage.getItem(this.storageKey);
    } catch {
      return null;
    }
  }

  private writeStored(token: string | null): void {
    if (!this.remember) return;
    try {
      if (token) sessionStorage.setItem(this.storageKey, token);
      else sessionStorage.removeItem(this.storageKey);
    } catch {
      // Storage disabled (privacy mode): stay signed in for this page only.
    }
  }
}
