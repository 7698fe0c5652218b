/**
 * Site accounts in the widget (src/core/site-sign-in.ts and SignIn.exchange): the token URL's
 * answers, the retries with backoff, what ends a session, and switching user. Pure logic with a
 * fake clock and fake fetches; the browser tests (test/elements/site-account.test.ts) run it for real.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthResponse } from '../../src/protocol/index.js';
import { ApiClient, ApiRequestError, type FetchLike } from '../../src/core/api-client.js';
import { SignIn } from '../../src/core/sign-in.js';
import { SiteSignIn, fetchSiteToken, isRetryable } from '../../src/core/site-sign-in.js';
import { texts } from '../../src/core/texts.js';
import { FakeClock, makeStore, settle } from './support/engine-fakes.js';

/** A JWT-shaped token (only `iat`/`exp` are read, for the renewal timer). */
const token = (label: string) => `h.${Buffer.from(JSON.stringify({ iat: 1, exp: 3601, label })).toString('base64url')}.s`;
const auth = (userId: string, label = userId): AuthResponse => ({
  token: token(label),
  user: { id: userId, name: `Name ${userId}`, email: '' },
});

async function rejection(promise: Promise<unknown>): Promise<ApiRequestError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof ApiRequestError);
    return e;
  }
  assert.fail('expected a rejection');
}

test('the token URL is fetched with the visitor cookies, uncached, and its token returned', async () => {
  const seen: Array<{ url: string; init?: RequestInit }> = [];
  const got = await fetchSiteToken('https://site.test/rtc-token', async (url, init) => {
    seen.push({ url, init });
    return Response.json({ token: 'site.jwt.here' });
  });
  assert.equal(got, 'site.jwt.here');
  assert.equal(seen[0]!.url, 'https://site.test/rtc-token');
  assert.equal(seen[0]!.init?.method, 'GET');
  assert.equal(seen[0]!.init?.credentials, 'include');
  assert.equal(seen[0]!.init?.cache, 'no-store');
});

test('every way a token URL fails is site_token_url_failed with a sentence saying which', async () => {
  const cases: Array<[string, FetchLike, string, number, boolean]> = [
    ['no answer', () => Promise.reject(new TypeError('network')), texts.site.unreachable, 0, true],
    ['not signed in', async () => Response.json({ error: 'login' }, { status: 401 }), texts.site.notSignedIn, 401, false],
    ['forbidden', async () => new Response('no', { status: 403 }), texts.site.notSignedIn, 403, false],
    ['site error', async () => new Response('oops', { status: 502 }), texts.site.unreachable, 502, true],
    ['not found', async () => new Response('nope', { status: 404 }), texts.site.noToken, 404, false],
    ['not JSON', async () => new Response('<html>sign in</html>', { status: 200 }), texts.site.noToken, 200, false],
    ['no token', async () => Response.json({ jwt: 'x' }), texts.site.noToken, 200, false],
    ['empty token', async () => Response.json({ token: '' }), texts.site.noToken, 200, false],
  ];
  for (const [what, fetchImpl, message, status, retryable] of cases) {
    const e = await rejection(fetchSiteToken('https://site.test/t', fetchImpl));
    assert.equal(e.code, 'site_token_url_failed', what);
    assert.equal(e.message, message, what);
    assert.equal(e.status, status, what);
    assert.equal(isRetryable(e), retryable, what);
  }
});

test('the backend refusals of a site token map to their own codes and sentences', async () => {
  const cases = [
    [401, 'invalid_site_token', false],
    [503, 'site_keys_unavailable', true],
    [403, 'site_accounts_disabled', false],
    // A password sign-in on a backend that runs ACCOUNTS=site: the form says so in plain words.
    [403, 'password_accounts_disabled', false],
  ] as const;
  for (const [status, code, retryable] of cases) {
    const api = new ApiClient('http://api.test', async () => Response.json({ error: { code, message: `m ${code}` } }, { status }));
    const e = await rejection(api.exchangeSiteToken('t'));
    assert.equal(e.code, code);
    assert.equal(isRetryable(e), retryable);
    assert.ok(texts.errors[code].length > 0);
  }
});

/** A SiteSignIn whose exchanges answer from `answers` (a failure or a session), with what it fetched. */
function siteWorld(answers: Array<AuthResponse | ApiRequestError>, tokenUrlAnswers: Array<Response | Error> = []) {
  const clock = new FakeClock();
  const exchanged: string[] = [];
  const fetched: string[] = [];
  const api = new ApiClient('http://api.test', async (_url, init) => {
    exchanged.push((JSON.parse(String(init?.body)) as { token: string }).token);
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    if (next instanceof ApiRequestError)
      return Response.json({ error: { code: next.code, message: next.message } }, { status: next.status });
    return Response.json(next);
  });
  const failures: unknown[] = [];
  let needed = 0;
  const site = new SiteSignIn(
    api,
    {
      exchange: async (request) => {
        try {
          await request();
          return null;
        } catch (e) {
          failures.push(e);
          return e;
        }
      },
    },
    clock,
    { needed: () => needed++ },
    async (url) => {
      fetched.push(url);
      const next = tokenUrlAnswers.shift() ?? Response.json({ token: `from-url-${fetched.length}` });
      if (next instanceof Error) throw next;
      return next;
    },
  );
  return { clock, site, exchanged, fetched, failures, needed: () => needed };
}

test('a site token is exchanged; keys unavailable (503) is tried again with backoff until it works', async () => {
  const busy = new ApiRequestError('site_keys_unavailable', 'keys', 503);
  const w = siteWorld([busy, busy, auth('u1')]);
  await w.site.use({ token: 'page-token' });
  assert.deepEqual(w.exchanged, ['page-token']);
  await w.clock.advance(60_000);
  assert.deepEqual(w.exchanged, ['page-token', 'page-token', 'page-token']);
  assert.equal(w.clock.pending, 0, 'no retry after the success');
});

test('a refused site token is not tried again', async () => {
  const w = siteWorld([new ApiRequestError('invalid_site_token', 'bad', 401)]);
  await w.site.use({ token: 'bad-token' });
  await w.clock.advance(120_000);
  assert.deepEqual(w.exchanged, ['bad-token']);
  assert.equal(w.failures.length, 1);
});

test('with a URL too, the page token is used once and a retry asks the URL for a fresh one', async () => {
  const w = siteWorld([new ApiRequestError('server_unreachable', 'down', 0), auth('u1')]);
  await w.site.use({ token: 'page-token', url: 'https://site.test/t' });
  await w.clock.advance(60_000);
  assert.deepEqual(w.exchanged, ['page-token', 'from-url-1']);
  assert.deepEqual(w.fetched, ['https://site.test/t']);
});

test('a token URL that cannot be reached is tried again; one saying "not signed in" is not', async () => {
  const w = siteWorld([auth('u1')], [new TypeError('offline'), new Response('', { status: 401 })]);
  await w.site.use({ url: 'https://site.test/t' });
  await w.clock.advance(60_000);
  assert.equal(w.fetched.length, 2);
  assert.deepEqual(w.exchanged, []);
  assert.equal((w.failures.at(-1) as ApiRequestError).message, texts.site.notSignedIn);
  assert.equal(w.clock.pending, 0);
});

test('an ended session: a new one from the URL, or the page is asked for a new token', async () => {
  const withUrl = siteWorld([auth('u1'), auth('u1', 'again')]);
  await withUrl.site.use({ url: 'https://site.test/t' });
  assert.deepEqual(await withUrl.site.renew(), auth('u1', 'again'));
  withUrl.site.ended();
  assert.equal(withUrl.needed(), 0);
  assert.equal(withUrl.clock.pending, 1, 'signs in again from the URL');

  const withToken = siteWorld([auth('u1')]);
  await withToken.site.use({ token: 'page-token' });
  assert.equal(await withToken.site.renew(), null);
  withToken.site.ended();
  assert.equal(withToken.needed(), 1);
  assert.equal(withToken.clock.pending, 0);
});

test('signing out stops the retries; a new source starts again', async () => {
  const w = siteWorld([new ApiRequestError('server_unreachable', 'down', 0), auth('u1')]);
  await w.site.use({ token: 'a' });
  assert.equal(w.clock.pending, 1);
  w.site.stop();
  assert.equal(w.site.active, false);
  assert.equal(w.clock.pending, 0);
  w.site.ended();
  assert.equal(w.needed(), 0, 'nothing asked after signing out');
  await w.site.use({ token: 'b' });
  assert.deepEqual(w.exchanged, ['a', 'b']);
});

/** A SignIn whose exchanges answer `next`, with the hooks it called and the logouts it sent. */
function signInWorld() {
  const { store } = makeStore();
  const calls: string[] = [];
  const logouts: string[] = [];
  const api = new ApiClient('http://api.test', async (url, init) => {
    logouts.push(String((init?.headers as Record<string, string>).authorization));
    void url;
    return new Response(null, { status: 204 });
  });
  const signIn = new SignIn(api, store, false, new FakeClock(), {
    replace: () => {
      calls.push('replace');
      signIn.end(true);
      store.reset(null);
    },
    start: async (a) => {
      calls.push(`start ${a.user.id}`);
      store.update({ user: a.user, connection: 'online' });
    },
    renewed: (t) => calls.push(`renewed ${t === signIn.token}`),
    expired: () => calls.push('expired'),
    refused: async () => null,
  });
  return { store, signIn, calls, logouts };
}

test('exchange: the same user keeps the live session and takes the token; someone else replaces them', async () => {
  const w = signInWorld();
  assert.equal(await w.signIn.exchange(async () => auth('u1', 'first')), null);
  assert.deepEqual(w.calls, ['start u1']);
  await w.signIn.exchange(async () => auth('u1', 'second'));
  assert.deepEqual(w.calls, ['start u1', 'renewed true'], 'no replace, no new start');
  assert.equal(w.signIn.token, token('second'));
  await w.signIn.exchange(async () => auth('u2'));
  await settle();
  assert.deepEqual(w.calls, ['start u1', 'renewed true', 'replace', 'start u2']);
  assert.equal(w.store.state.user?.id, 'u2');
  assert.deepEqual(w.logouts, [`Bearer ${token('second')}`], "the previous user's session is revoked");
});

test('exchange: a refused new token signs out whoever was here and reports why', async () => {
  const w = signInWorld();
  await w.signIn.exchange(async () => auth('u1'));
  const refused = new ApiRequestError('invalid_site_token', 'expired', 401);
  assert.equal(await w.signIn.exchange(() => Promise.reject(refused)), refused);
  assert.equal(w.store.state.user, null);
  assert.equal(w.signIn.token, null);
  assert.equal(w.store.state.error?.code, 'invalid_site_token');
  assert.equal(w.store.state.error?.scope, 'auth');
});
