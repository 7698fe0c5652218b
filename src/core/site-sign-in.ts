/**
 * Site accounts in the widget (PROTOCOL.md §1, "Site accounts"): the embedding site signs its
 * visitor in with its own account. Where the site's JWT comes from (a token the page set, or the
 * site's token URL, fetched with the visitor's cookies), exchanging it for this backend's session,
 * trying again with backoff while the site or the backend cannot answer, and what happens when the
 * backend ends that session: a new site token from the URL, or an event asking the page for one.
 *
 * The session itself (adopting the token, renewing it, switching user) stays in sign-in.ts.
 */
import type { AuthResponse } from '../protocol/index.js';
import { ApiRequestError, type ApiClient, type FetchLike } from './api-client.js';
import { Timers, type Clock } from './clock.js';
import { texts } from './texts.js';
import { reconnectDelay } from './timing.js';

/** Where the site's JWT comes from: a token the page set, and/or the site's token URL. */
export interface SiteAccountSource {
  /** A site JWT; used once, for the sign-in it starts. */
  token?: string;
  /** The site's endpoint answering `{ "token": "<site JWT>" }` to the signed-in visitor (GET, with cookies). */
  url?: string;
}

/** What a site sign-in needs from the session's sign-in (sign-in.ts). */
export interface SiteSignInTarget {
  /** Signs in with `request`'s session (the same user keeps its live session); resolves the failure, or null. */
  exchange(request: () => Promise<AuthResponse>): Promise<unknown>;
}

/** A failure that may pass by itself: no answer, the backend or the site failing on its side, a rate limit. */
export function isRetryable(error: unknown): boolean {
  return error instanceof ApiRequestError && (error.status === 0 || error.status === 429 || error.status >= 500);
}

/**
 * A fresh site JWT from the site's token URL: a GET with the visitor's cookies (the site knows
 * them by its own session), never cached. Every failure is an `ApiRequestError` with code
 * `site_token_url_failed`, the HTTP status (0 without an answer) and a sentence saying which.
 */
export async function fetchSiteToken(url: string, fetchImpl: FetchLike = (input, init) => globalThis.fetch(input, init)): Promise<string> {
  const failed = (message: string, status: number) => new ApiRequestError('site_token_url_failed', message, status);
  let res: Response;
  try {
    res = await fetchImpl(url, { method: 'GET', headers: { accept: 'application/json' }, credentials: 'include', cache: 'no-store' });
  } catch {
    throw failed(texts.site.unreachable, 0);
  }
  if (res.status === 401 || res.status === 403) throw failed(texts.site.notSignedIn, res.status);
  if (!res.ok) throw failed(res.status >= 500 ? texts.site.unreachable : texts.site.noToken, res.status);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw failed(texts.site.noToken, res.status);
  }
  const token = (body as { token?: unknown } | null)?.token;
  if (typeof token !== 'string' || token.length === 0) throw failed(texts.site.noToken, res.status);
  return token;
}

export interface SiteSignInHooks {
  /** The backend ended a session signed in with a token the page set, and there is no URL to get another. */
  needed(): void;
}

/**
 * The site account of one session: its source, the sign-in it runs (again, with backoff, after a
 * failure that may pass), and the new session it gets when the backend refuses the old one.
 */
export class SiteSignIn {
  private source: SiteAccountSource | null = null;
  private attempt = 0;
  private disposed = false;
  private readonly timers: Timers<'retry'>;

  constructor(
    private readonly api: ApiClient,
    private readonly target: SiteSignInTarget,
    clock: Clock,
    private readonly hooks: SiteSignInHooks,
    private readonly fetchImpl?: FetchLike,
  ) {
    this.timers = new Timers(clock);
  }

  /** Whether this session signs in with the site's account (the page gave a token or a token URL). */
  get active(): boolean {
    return this.source !== null;
  }

  /** Signs in with `source` (a new token switches user if it is someone else); resolves when that attempt ends. */
  use(source: SiteAccountSource): Promise<void> {
    if (this.disposed || (!source.token && !source.url)) return Promise.resolve();
    this.source = { ...source };
    this.attempt = 0;
    return this.run();
  }

  /** A new session for a refused one: from the token URL, or null (the page is asked for a new token). */
  async renew(): Promise<AuthResponse | null> {
    const url = this.source?.url;
    if (!url) return null;
    return this.api.exchangeSiteToken(await fetchSiteToken(url, this.fetchImpl));
  }

  /** The backend ended the session and no new one could be had: sign in again from the URL, or ask the page. */
  ended(): void {
    if (!this.source || this.disposed) return;
    if (this.source.url) this.retryLater();
    else this.hooks.needed();
  }

  /** The visitor signed out: no sign-in starts again by itself until the page gives a source again. */
  stop(): void {
    this.source = null;
    this.timers.clearAll();
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
  }

  private async run(): Promise<void> {
    this.timers.clear('retry');
    const source = this.source;
    if (!source) return;
    const error = await this.target.exchange(async () => {
      // With a URL too, a token the page set is used once: a later attempt asks the URL for a fresh one.
      const token = source.token ?? (await fetchSiteToken(source.url!, this.fetchImpl));
      if (source.token && source.url) source.token = undefined;
      return this.api.exchangeSiteToken(token);
    });
    if (source !== this.source) return; // a newer source took over meanwhile
    if (error === null) this.attempt = 0;
    else if (isRetryable(error)) this.retryLater();
  }

  private retryLater(): void {
    if (this.disposed) return;
    this.timers.set('retry', () => void this.run(), reconnectDelay(this.attempt++));
  }
}
